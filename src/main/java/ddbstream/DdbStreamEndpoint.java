package ddbstream;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.support.DefaultEndpoint;

/**
 * Consumes a DynamoDB table's stream with durable checkpoints: {@code ddbstream:<table>[?options]}. See
 * {@link DdbStreamConfiguration} for the options and {@link DdbStreamConsumer} for what the consumer guarantees.
 */
@UriEndpoint(
        firstVersion = "0.1.0",
        scheme = "ddbstream",
        title = "DynamoDB Streams (checkpointing)",
        syntax = "ddbstream:tableName",
        consumerOnly = true,
        category = {Category.CLOUD, Category.DATABASE},
        headersClass = DdbStreamConstants.class)
public class DdbStreamEndpoint extends DefaultEndpoint {
    @UriParam
    private final DdbStreamConfiguration configuration;

    public DdbStreamEndpoint(String uri, DdbStreamComponent component, DdbStreamConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("ddbstream consumes a stream; it has no producer");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        configuration.validate();
        if (configuration.getDynamoDbStreamsClient() == null || configuration.getDynamoDbClient() == null) {
            throw new IllegalStateException("ddbstream:" + configuration.getTableName() + " needs a"
                    + " DynamoDbStreamsClient and a DynamoDbClient, bound in the registry or given as options");
        }
        DdbStreamConsumer consumer = new DdbStreamConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    public DdbStreamConfiguration getConfiguration() {
        return configuration;
    }
}
