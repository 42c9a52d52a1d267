package ddbstream;

/**
 * An option of the {@code ddbstream} component or endpoint whose value does not fit, named both ways: {@code
 * maxRecordsPerRequest (camel.component.ddbstream.max-records-per-request): expected a whole number from 1 to 1000,
 * was '0'}.
 */
public final class InvalidOptionException extends IllegalArgumentException {
    InvalidOptionException(String message) {
        super(message);
    }
}
