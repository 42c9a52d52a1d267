package dynamolake;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;

/** Binds one instance of each AWS SDK client in the registry, where Camel's AWS components find them by type. */
final class ClientBeans {
    private ClientBeans() {}

    /** Binds the clients and returns them, so their owner can close them on shutdown. */
    static List<AutoCloseable> bind(CamelContext context, AwsClients clients) {
        Registry registry = context.getRegistry();
        var dynamoDb = clients.dynamoDb();
        var streams = clients.dynamoDbStreams();
        var firehose = clients.firehose();
        var s3 = clients.s3();
        var sqs = clients.sqs();
        registry.bind("dynamoDbClient", dynamoDb);
        registry.bind("dynamoDbStreamsClient", streams);
        registry.bind("firehoseClient", firehose);
        registry.bind("s3Client", s3);
        registry.bind("sqsClient", sqs);
        return List.of(dynamoDb, streams, firehose, s3, sqs);
    }
}
