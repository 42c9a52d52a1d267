package testsupport;

import dynamolake.AwsClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import localaws.LocalAwsSettings;
import localaws.LocalStack;
import localaws.LocalStackSettings;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One real local stack (S3Proxy, ElasticMQ, the emulator) per test class, on free ports, with SDK clients for it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalStackExtension aws = new LocalStackExtension();
 * }</pre>
 */
public final class LocalStackExtension implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<LocalAwsSettings> emulator;
    private LocalStack stack;
    private Path dataDir;
    private AwsClients clients;
    private DynamoDbClient dynamoDb;
    private DynamoDbStreamsClient streams;
    private FirehoseClient firehose;
    private S3Client s3;
    private SqsClient sqs;

    public LocalStackExtension() {
        this(UnaryOperator.identity());
    }

    /** A stack whose emulator settings are adjusted, for example to roll shards over every few records. */
    public LocalStackExtension(UnaryOperator<LocalAwsSettings> emulator) {
        this.emulator = emulator;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("dynamo-lake-test-");
        stack = LocalStack.start(LocalStackSettings.onFreePorts(dataDir).withEmulator(emulator));
        clients = AwsClients.local(stack.emulatorEndpoint(), stack.s3Endpoint(), stack.sqsEndpoint(), "us-east-1");
        dynamoDb = clients.dynamoDb();
        streams = clients.dynamoDbStreams();
        firehose = clients.firehose();
        s3 = clients.s3();
        sqs = clients.sqs();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (AutoCloseable c : new AutoCloseable[] {dynamoDb, streams, firehose, s3, sqs}) {
            try {
                c.close();
            } catch (Exception e) {
                // closing an SDK client fails only on a bug; the stack still has to stop
            }
        }
        stack.close();
        deleteRecursively(dataDir);
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public LocalStack stack() {
        return stack;
    }

    public AwsClients clients() {
        return clients;
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    public DynamoDbStreamsClient streams() {
        return streams;
    }

    public FirehoseClient firehose() {
        return firehose;
    }

    public S3Client s3() {
        return s3;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public Path dataDir() {
        return dataDir;
    }
}
