package ddbstream;

import java.util.Map;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The {@code ddbstream} component. Its configuration holds the defaults every endpoint starts from; URI options
 * override them per endpoint. The AWS clients are taken from the registry when not given.
 *
 * <pre>{@code
 * from("ddbstream:orders?startPosition=TRIM_HORIZON&maxParallelShards=4").to("direct:changes");
 * }</pre>
 */
@Component("ddbstream")
public class DdbStreamComponent extends DefaultComponent {
    @Metadata(description = "The defaults of every ddbstream endpoint")
    private DdbStreamConfiguration configuration = new DdbStreamConfiguration();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        DdbStreamConfiguration config = configuration.copy();
        config.setTableName(remaining);
        DdbStreamEndpoint endpoint = new DdbStreamEndpoint(uri, this, config);
        // Through the endpoint's generated configurer, as the component's options: durations as 500ms, 30s or 1000.
        setProperties(endpoint, parameters);
        if (config.getDynamoDbStreamsClient() == null) {
            config.setDynamoDbStreamsClient(
                    getCamelContext().getRegistry().findSingleByType(DynamoDbStreamsClient.class));
        }
        if (config.getDynamoDbClient() == null) {
            // The table's client by its name when the application binds one per account, else the only one.
            DynamoDbClient table =
                    getCamelContext().getRegistry().lookupByNameAndType("dynamoDbClient", DynamoDbClient.class);
            config.setDynamoDbClient(
                    table != null ? table : getCamelContext().getRegistry().findSingleByType(DynamoDbClient.class));
        }
        config.validate();
        return endpoint;
    }

    public DdbStreamConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(DdbStreamConfiguration configuration) {
        this.configuration = configuration;
    }
}
