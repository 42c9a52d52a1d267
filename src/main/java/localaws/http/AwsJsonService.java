package localaws.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One AWS service spoken over the AWS JSON protocol: requests are {@code POST /} with
 * {@code X-Amz-Target: <targetPrefix>.<Operation>} and a JSON body.
 */
public interface AwsJsonService {
    /** The part of X-Amz-Target before the dot, for example {@code DynamoDB_20120810}. */
    String targetPrefix();

    /** {@code application/x-amz-json-1.0} or {@code 1.1} (the newer services', the default). */
    default String contentType() {
        return "application/x-amz-json-1.1";
    }

    /** The namespace AWS puts before error codes in {@code __type}, or empty when it puts none (the default). */
    default String errorTypePrefix() {
        return "";
    }

    /**
     * Runs one operation.
     *
     * @return the response body: a JSON tree, or bytes already rendered as JSON
     * @throws AwsServiceException for every error the client should see as an AWS error
     */
    Object handle(String operation, JsonNode request);

    /** DynamoDB's dialect, which DynamoDB Streams speaks too: JSON 1.0, error codes in DynamoDB's namespace. */
    interface DynamoDbDialect extends AwsJsonService {
        @Override
        default String contentType() {
            return "application/x-amz-json-1.0";
        }

        @Override
        default String errorTypePrefix() {
            return "com.amazonaws.dynamodb.v20120810#";
        }
    }
}
