package localaws.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An error the emulator answers with AWS's own error shape: the error code the SDK maps to its exception class
 * (ResourceNotFoundException, ValidationException, ...), the message, and the HTTP status AWS uses for it.
 */
public class AwsServiceException extends RuntimeException {
    private final String errorCode;
    private final int status;
    private final transient JsonNode item;

    public AwsServiceException(String errorCode, int status, String message) {
        this(errorCode, status, message, null);
    }

    private AwsServiceException(String errorCode, int status, String message, JsonNode item) {
        super(message);
        this.errorCode = errorCode;
        this.status = status;
        this.item = item;
    }

    /**
     * The same error carrying the item it was about, as ConditionalCheckFailedException does when the request asked
     * for {@code ReturnValuesOnConditionCheckFailure=ALL_OLD}.
     */
    public AwsServiceException withItem(JsonNode item) {
        return new AwsServiceException(errorCode, status, getMessage(), item);
    }

    /** The item the error is about, or null. */
    public JsonNode item() {
        return item;
    }

    /** A client error (HTTP 400) with the given AWS error code. */
    public static AwsServiceException badRequest(String errorCode, String message) {
        return new AwsServiceException(errorCode, 400, message);
    }

    /** {@code ValidationException}, HTTP 400. */
    public static AwsServiceException validation(String message) {
        return badRequest("ValidationException", message);
    }

    /** {@code ResourceNotFoundException}, HTTP 400. */
    public static AwsServiceException notFound(String message) {
        return badRequest("ResourceNotFoundException", message);
    }

    public String errorCode() {
        return errorCode;
    }

    public int status() {
        return status;
    }
}
