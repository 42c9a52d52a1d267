package dynamolake;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the AWS SDK clients the application uses, for AWS or for the local stack. The routes never see the
 * difference: in the {@code local} profile the same clients point at the local endpoints with static credentials.
 *
 * <pre>{@code
 * AwsClients clients = AwsClients.local(emulator, s3, sqs, "us-east-1");
 * DynamoDbClient ddb = clients.dynamoDb();
 * }</pre>
 */
public final class AwsClients {
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final URI dynamoDbEndpoint;
    private final URI s3Endpoint;
    private final URI sqsEndpoint;

    private AwsClients(
            Region region, AwsCredentialsProvider credentials, URI dynamoDbEndpoint, URI s3Endpoint, URI sqsEndpoint) {
        this.region = Objects.requireNonNull(region, "region == null");
        this.credentials = Objects.requireNonNull(credentials, "credentials == null");
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.s3Endpoint = s3Endpoint;
        this.sqsEndpoint = sqsEndpoint;
    }

    /** Clients for AWS in the region, with credentials from the default provider chain. */
    public static AwsClients aws(String region) {
        return new AwsClients(
                Region.of(region), DefaultCredentialsProvider.builder().build(), null, null, null);
    }

    /**
     * Clients for the local stack: DynamoDB, DynamoDB Streams and Firehose at the emulator, S3 at S3Proxy (path
     * style), SQS at ElasticMQ.
     */
    public static AwsClients local(URI emulator, URI s3, URI sqs, String region) {
        return new AwsClients(
                Region.of(region),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")),
                Objects.requireNonNull(emulator, "emulator == null"),
                Objects.requireNonNull(s3, "s3 == null"),
                Objects.requireNonNull(sqs, "sqs == null"));
    }

    public boolean isLocal() {
        return dynamoDbEndpoint != null;
    }

    public Region region() {
        return region;
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint).build();
    }

    public DynamoDbStreamsClient dynamoDbStreams() {
        return configure(DynamoDbStreamsClient.builder(), dynamoDbEndpoint).build();
    }

    public FirehoseClient firehose() {
        return configure(FirehoseClient.builder(), dynamoDbEndpoint).build();
    }

    public SqsClient sqs() {
        return configure(SqsClient.builder(), sqsEndpoint).build();
    }

    public S3Client s3() {
        var builder = configure(S3Client.builder(), s3Endpoint);
        if (s3Endpoint != null) {
            // S3Proxy answers path-style requests, and checksums only where S3 requires them.
            builder.forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, URI endpoint) {
        builder.region(region).credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}
