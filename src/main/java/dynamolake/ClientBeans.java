package dynamolake;

import java.util.List;
import lake.LakeEncryption;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Binds one instance of each AWS SDK client in the registry, where Camel's AWS components find them by type. DynamoDB
 * has two, one per account: {@code dynamoDbClient} for the table (source side) and {@code checkpointDynamoDbClient}
 * for the checkpoint table (lake side); look them up with {@link #table} and {@link #checkpoints}.
 */
final class ClientBeans {
    private static final Logger LOG = LoggerFactory.getLogger(ClientBeans.class);

    private ClientBeans() {}

    /** Binds the clients and returns them, so their owner can close them on shutdown. */
    static List<AutoCloseable> bind(CamelContext context, AwsClients unencrypted) {
        Settings settings = new Settings(context);
        LakeEncryption encryption =
                LakeEncryption.of(settings.text("lake.sse"), settings.optional("lake.sse-kms-key-id"));
        AwsClients clients = unencrypted.withLakeEncryption(encryption);
        if (encryption.enabled()) {
            LOG.info("Every object written to S3 carries server-side encryption {} (lake.sse)", encryption);
        }
        Registry registry = context.getRegistry();
        var dynamoDb = clients.dynamoDb();
        var checkpoints = clients.checkpointDynamoDb();
        var streams = clients.dynamoDbStreams();
        var firehose = clients.firehose();
        var s3 = clients.s3();
        var sqs = clients.sqs();
        var glue = clients.glue();
        var athena = clients.athena();
        registry.bind("dynamoDbClient", dynamoDb);
        registry.bind("checkpointDynamoDbClient", checkpoints);
        registry.bind("dynamoDbStreamsClient", streams);
        registry.bind("firehoseClient", firehose);
        registry.bind("s3Client", s3);
        registry.bind("sqsClient", sqs);
        registry.bind("glueClient", glue);
        registry.bind("athenaClient", athena);
        return List.of(dynamoDb, checkpoints, streams, firehose, s3, sqs, glue, athena);
    }

    /** The table's client (source account). */
    static DynamoDbClient table(CamelContext context) {
        return context.getRegistry().lookupByNameAndType("dynamoDbClient", DynamoDbClient.class);
    }

    /** The checkpoint table's client (lake account). */
    static DynamoDbClient checkpoints(CamelContext context) {
        return context.getRegistry().lookupByNameAndType("checkpointDynamoDbClient", DynamoDbClient.class);
    }

    /**
     * The clients retrying as aws.retry.* says, with each side on its role (aws.source.role-arn, aws.lake.role-arn)
     * when one is set, the STS client that renews the sessions added to {@code opened}.
     */
    static AwsClients configured(CamelContext context, AwsClients unconfigured, List<AutoCloseable> opened) {
        Settings s = new Settings(context);
        AwsClients clients = unconfigured.withRetries(retries(s));
        AwsClients.Roles roles = roles(s);
        if (!roles.any()) {
            return clients;
        }
        var sts = clients.sts();
        opened.add(sts);
        LOG.info(
                "Clients assume roles with STS{}: source side (table, stream, exports) {}, lake side (buckets,"
                        + " Firehose, queue, checkpoint table, Glue, Athena) {}",
                clients.isLocal() ? " (the local emulator's)" : "",
                roles.sourceRoleArn() == null ? "base credentials" : roles.sourceRoleArn(),
                roles.lakeRoleArn() == null ? "base credentials" : roles.lakeRoleArn());
        return clients.withRoles(roles, sts);
    }

    /** How every client retries its calls: the aws.retry.* keys. */
    static AwsClients.Retries retries(Settings s) {
        return new AwsClients.Retries(
                s.integer("aws.retry.max-attempts"),
                java.time.Duration.ofMillis(s.integer("aws.retry.delay")),
                java.time.Duration.ofMillis(s.integer("aws.retry.max-delay")));
    }

    /** The roles of the aws.source.* and aws.lake.* keys. */
    static AwsClients.Roles roles(Settings s) {
        return new AwsClients.Roles(
                s.optional("aws.source.role-arn"),
                s.optional("aws.source.external-id"),
                s.optional("aws.lake.role-arn"),
                s.optional("aws.lake.external-id"),
                s.text("aws.role-session-name"));
    }
}
