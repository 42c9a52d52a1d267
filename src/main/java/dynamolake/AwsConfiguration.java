package dynamolake;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code aws} profile: AWS SDK clients for real AWS in {@code aws.region}, with credentials from the default
 * provider chain (environment, profile, web identity, container or instance role), and on each side the role of
 * {@code aws.source.role-arn} and {@code aws.lake.role-arn} when set (assumed with STS, renewed before it expires).
 */
@Configuration
public class AwsConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(AwsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        String region = s.text("aws.region");
        AwsClients.Endpoints endpoints = endpoints(s);
        AwsClients clients = AwsClients.aws(region, endpoints);
        List<AutoCloseable> opened = new ArrayList<>();
        clients = ClientBeans.configured(context, clients, opened);
        opened.addAll(ClientBeans.bind(context, clients));
        context.addService(new ClosingService(opened), true, true);
        LOG.info(
                "Profile aws: AWS clients for region {}{}, table {}, lake s3://{}/{}",
                region,
                endpoints.equals(AwsClients.Endpoints.AWS)
                        ? ""
                        : " at " + (endpoints.all() == null ? "AWS" : endpoints.all()) + " (S3 at "
                                + (endpoints.s3() != null
                                        ? endpoints.s3()
                                        : endpoints.all() == null ? "AWS" : endpoints.all())
                                + (endpoints.s3PathStyle() ? ", path-style" : "") + ")",
                s.text("table.name"),
                s.text("lake.bucket"),
                s.text("lake.prefix"));
    }

    /** aws.endpoint-url, aws.s3.endpoint-url and aws.s3.path-style: empty, AWS's own endpoints. */
    static AwsClients.Endpoints endpoints(Settings s) {
        String all = s.optional("aws.endpoint-url");
        String s3 = s.optional("aws.s3.endpoint-url");
        return new AwsClients.Endpoints(
                all == null ? null : URI.create(all), s3 == null ? null : URI.create(s3), s.bool("aws.s3.path-style"));
    }
}
