package dynamolake;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code aws} profile: AWS SDK clients for real AWS in {@code aws.region}, with credentials from the default
 * provider chain (environment, profile, web identity, container or instance role).
 */
@Configuration
public class AwsConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(AwsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        String region = context.resolvePropertyPlaceholders("{{aws.region}}");
        var clients = ClientBeans.bind(context, AwsClients.aws(region));
        context.addService(new ClosingService(clients), true, true);
        LOG.info(
                "Profile aws: AWS clients for region {}, table {}, lake s3://{}/{}",
                region,
                context.resolvePropertyPlaceholders("{{table.name}}"),
                context.resolvePropertyPlaceholders("{{lake.bucket}}"),
                context.resolvePropertyPlaceholders("{{lake.prefix}}"));
    }
}
