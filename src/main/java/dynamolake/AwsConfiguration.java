package dynamolake;

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
        String region = context.resolvePropertyPlaceholders("{{aws.region}}");
        AwsClients clients = AwsClients.aws(region);
        List<AutoCloseable> opened = new ArrayList<>();
        clients = ClientBeans.withRoles(context, clients, opened);
        opened.addAll(ClientBeans.bind(context, clients));
        context.addService(new ClosingService(opened), true, true);
        LOG.info(
                "Profile aws: AWS clients for region {}, table {}, lake s3://{}/{}",
                region,
                context.resolvePropertyPlaceholders("{{table.name}}"),
                context.resolvePropertyPlaceholders("{{lake.bucket}}"),
                context.resolvePropertyPlaceholders("{{lake.prefix}}"));
    }
}
