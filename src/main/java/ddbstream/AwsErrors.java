package ddbstream;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Which AWS failures are worth retrying: throttling, server errors, and the network. Shared by the stream consumer and
 * the export's requester (what to do once the SDK gave up) and by the SDK's retry strategy (DynamoDB Streams'
 * throttling).
 */
public final class AwsErrors {
    private AwsErrors() {}

    /** DynamoDB Streams' throttling, which the SDK does not count as throttling. */
    public static boolean isLimitExceeded(Throwable e) {
        return e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a
                && a.awsErrorDetails() != null
                && "LimitExceededException".equals(a.awsErrorDetails().errorCode());
    }

    /** True for throttling, server errors and network failures: worth another attempt after a pause. */
    public static boolean isRetriable(Throwable e) {
        if (e instanceof SdkClientException) {
            return true;
        }
        if (e instanceof SdkServiceException s) {
            return s.isThrottlingException() || s.statusCode() >= 500 || isLimitExceeded(e);
        }
        return false;
    }
}
