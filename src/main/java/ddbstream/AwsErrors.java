package ddbstream;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/** Which AWS failures are worth retrying: throttling, server errors, and the network. Shared by the consumer and the routes. */
public final class AwsErrors {
    private AwsErrors() {}

    /** True for throttling, server errors and network failures: worth another attempt after a pause. */
    /** DynamoDB Streams' throttling, which the SDK does not count as throttling. */
    public static boolean isLimitExceeded(Throwable e) {
        return e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a
                && a.awsErrorDetails() != null
                && "LimitExceededException".equals(a.awsErrorDetails().errorCode());
    }

    public static boolean isRetriable(Throwable e) {
        if (e instanceof SdkClientException) {
            return true;
        }
        if (e instanceof SdkServiceException s) {
            // The SDK does not count LimitExceededException (DynamoDB Streams) as throttling, so it must here.
            return s.isThrottlingException()
                    || s.statusCode() >= 500
                    || (s instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a
                            && a.awsErrorDetails() != null
                            && "LimitExceededException"
                                    .equals(a.awsErrorDetails().errorCode()));
        }
        return false;
    }
}
