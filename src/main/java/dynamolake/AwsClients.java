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
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Builds the AWS SDK clients the application uses, for AWS or for the local stack, with the credentials of the
 * side each works for: the <b>source</b> account's (the table, its stream, its exports) and the <b>lake</b>
 * account's (the buckets, Firehose, the queue, the checkpoint table, Glue). Both sides use the base credentials
 * (the default provider chain, or the local stack's static ones) unless {@link #withRoles} gives a side a role,
 * which its clients then assume with STS, renewing the session before it expires. The routes never see the
 * difference.
 *
 * <pre>{@code
 * AwsClients clients = AwsClients.local(emulator, s3, sqs, "us-east-1").withRoles(roles);
 * DynamoDbClient table = clients.dynamoDb();            // source role
 * DynamoDbClient checkpoints = clients.checkpointDynamoDb(); // lake role
 * }</pre>
 */
public final class AwsClients {
    /** The role each side assumes; a null ARN keeps that side on the base credentials. */
    public record Roles(
            String sourceRoleArn,
            String sourceExternalId,
            String lakeRoleArn,
            String lakeExternalId,
            String sessionName) {
        public boolean any() {
            return sourceRoleArn != null || lakeRoleArn != null;
        }
    }

    private final Region region;
    private final AwsCredentialsProvider base;
    private final AwsCredentialsProvider source;
    private final AwsCredentialsProvider lake;
    private final URI dynamoDbEndpoint;
    private final URI s3Endpoint;
    private final URI sqsEndpoint;

    private AwsClients(
            Region region,
            AwsCredentialsProvider base,
            AwsCredentialsProvider source,
            AwsCredentialsProvider lake,
            URI dynamoDbEndpoint,
            URI s3Endpoint,
            URI sqsEndpoint) {
        this.region = Objects.requireNonNull(region, "region == null");
        this.base = Objects.requireNonNull(base, "credentials == null");
        this.source = source;
        this.lake = lake;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.s3Endpoint = s3Endpoint;
        this.sqsEndpoint = sqsEndpoint;
    }

    /** Clients for AWS in the region, with credentials from the default provider chain. */
    public static AwsClients aws(String region) {
        var chain = DefaultCredentialsProvider.builder().build();
        return new AwsClients(Region.of(region), chain, chain, chain, null, null, null);
    }

    /**
     * Clients for the local stack: DynamoDB, DynamoDB Streams, Firehose and STS at the emulator, S3 at S3Proxy
     * (path style), SQS at ElasticMQ.
     */
    public static AwsClients local(URI emulator, URI s3, URI sqs, String region) {
        var fixed = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        return new AwsClients(
                Region.of(region),
                fixed,
                fixed,
                fixed,
                Objects.requireNonNull(emulator, "emulator == null"),
                Objects.requireNonNull(s3, "s3 == null"),
                Objects.requireNonNull(sqs, "sqs == null"));
    }

    /**
     * The same clients, each side assuming its role (when it has one) from the base credentials through STS. The
     * returned STS client is the caller's to close.
     */
    public AwsClients withRoles(Roles roles, StsClient sts) {
        return new AwsClients(
                region,
                base,
                roles.sourceRoleArn() == null
                        ? base
                        : assume(sts, roles.sourceRoleArn(), roles.sourceExternalId(), roles.sessionName() + "-source"),
                roles.lakeRoleArn() == null
                        ? base
                        : assume(sts, roles.lakeRoleArn(), roles.lakeExternalId(), roles.sessionName() + "-lake"),
                dynamoDbEndpoint,
                s3Endpoint,
                sqsEndpoint);
    }

    /** STS with the base credentials (at the emulator in the local stack). */
    public StsClient sts() {
        return configure(StsClient.builder(), dynamoDbEndpoint, base).build();
    }

    private static AwsCredentialsProvider assume(StsClient sts, String roleArn, String externalId, String session) {
        return StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(session).externalId(externalId))
                .asyncCredentialUpdateEnabled(false)
                .build();
    }

    public boolean isLocal() {
        return dynamoDbEndpoint != null;
    }

    public Region region() {
        return region;
    }

    /** Source side: the table (DescribeTable, exports). */
    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint, source).build();
    }

    /** Source side: the table's stream. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return configure(DynamoDbStreamsClient.builder(), dynamoDbEndpoint, source)
                .build();
    }

    /** Lake side: the checkpoint table (stream checkpoints and lease, export state, the view lock). */
    public DynamoDbClient checkpointDynamoDb() {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint, lake).build();
    }

    /** With the base credentials: what the local stack provisions and the demo table's writer (not the app). */
    public DynamoDbClient adminDynamoDb() {
        return configure(DynamoDbClient.builder(), dynamoDbEndpoint, base).build();
    }

    public FirehoseClient firehose() {
        return configure(FirehoseClient.builder(), dynamoDbEndpoint, lake).build();
    }

    public SqsClient sqs() {
        return configure(SqsClient.builder(), sqsEndpoint, lake).build();
    }

    /** Lake side: the Glue Data Catalog (the emulator's in the local stack). */
    public GlueClient glue() {
        return configure(GlueClient.builder(), dynamoDbEndpoint, lake).build();
    }

    /** Lake side: Athena, for views.engine=athena (the emulator's, on a Trino server, in the local stack). */
    public AthenaClient athena() {
        return configure(AthenaClient.builder(), dynamoDbEndpoint, lake).build();
    }

    public S3Client s3() {
        var builder = configure(S3Client.builder(), s3Endpoint, lake);
        if (s3Endpoint != null) {
            // S3Proxy answers path-style requests, and checksums only where S3 requires them.
            builder.forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(
            B builder, URI endpoint, AwsCredentialsProvider credentials) {
        builder.region(region).credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}
