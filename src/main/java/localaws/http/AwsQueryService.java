package localaws.http;

import java.util.Map;

/**
 * A service of AWS's Query protocol, as STS speaks it: form-encoded parameters in, XML out. The server hands it every
 * request that is not a JSON call.
 */
public interface AwsQueryService {
    /**
     * The XML answer to a request.
     *
     * @throws AwsServiceException for an error AWS would answer with
     */
    String handle(Map<String, String> params);

    /** The XML body of the answer to an error. */
    String error(AwsServiceException e);
}
