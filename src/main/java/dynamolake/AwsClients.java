package dynamolake;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import lake.LakeEncryption;
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
 * difference. In the aws profile the clients go to AWS's own endpoints, or to the {@link Endpoints} given (LocalStack,
 * moto, MinIO or any S3-compatible store), where the AWS SDK's own endpoint settings for one service
 * ({@code AWS_ENDPOINT_URL_<SERVICE>}, {@code aws.endpointUrl<Service>}) come first.
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

    /**
     * Where the aws profile's clients go instead of AWS's own endpoints.
     *
     * @param all every client's endpoint, or null for AWS's (and for the SDK's AWS_ENDPOINT_URL variables)
     * @param s3 S3's endpoint, or null for {@code all}'s
     * @param s3PathStyle address buckets in the path ({@code http://host/bucket/key}) rather than the host name, as
     *     most S3-compatible stores reached by a plain host name need
     */
    public record Endpoints(URI all, URI s3, boolean s3PathStyle) {
        /** AWS's own endpoints, virtual-hosted buckets. */
        public static final Endpoints AWS = new Endpoints(null, null, false);
    }

    /**
     * How every client retries a call: the AWS SDK's standard strategy (throttling, 5xx, clock skew and network
     * failures, and DynamoDB Streams' LimitExceededException), at most {@code maxAttempts} calls, waiting a full-jitter
     * exponential backoff from {@code baseDelay} up to {@code maxDelay}, without the SDK's circuit breaker (the
     * application's own loops outlast an outage: it must not stop retrying after a burst of failures). This is the
     * only retry of an AWS call's throttling and server errors; the application's loops retry only what the SDK does
     * not (entries a batch call refused, a stream batch after the SDK gave up, the next timer tick).
     */
    public record Retries(int maxAttempts, Duration baseDelay, Duration maxDelay) {
        /** {@code aws.retry.*}'s defaults. */
        public static final Retries DEFAULT = new Retries(9, Duration.ofMillis(200), Duration.ofSeconds(10));

        public Retries {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts < 1: " + maxAttempts);
            }
        }

        software.amazon.awssdk.retries.api.RetryStrategy strategy() {
            var backoff = software.amazon.awssdk.retries.api.BackoffStrategy.exponentialDelay(baseDelay, maxDelay);
            return software.amazon.awssdk.awscore.retry.AwsRetryStrategy.standardRetryStrategy().toBuilder()
                    .maxAttempts(maxAttempts)
                    .backoffStrategy(backoff)
                    .throttlingBackoffStrategy(backoff)
                    .circuitBreakerEnabled(false)
                    .retryOnException(ddbstream.AwsErrors::isLimitExceeded)
                    .treatAsThrottling(ddbstream.AwsErrors::isLimitExceeded)
                    .build();
        }
    }

    /**
     * The services the application calls, with the names the AWS SDK gives their own endpoint settings
     * ({@code AWS_ENDPOINT_URL_<env>} and {@code aws.endpointUrl<property>}); a service with one set keeps it.
     */
    enum Service {
        DYNAMODB("DYNAMODB", "DynamoDb"),
        DYNAMODB_STREAMS("DYNAMODB_STREAMS", "DynamoDbStreams"),
        FIREHOSE("FIREHOSE", "Firehose"),
        S3("S3", "S3"),
        SQS("SQS", "Sqs"),
        STS("STS", "Sts"),
        GLUE("GLUE", "Glue"),
        ATHENA("ATHENA", "Athena");

        private final String env;
        private final String property;

        Service(String env, String property) {
            this.env = env;
            this.property = property;
        }

        /** True when the SDK has an endpoint for this service from its environment variable or system property. */
        boolean hasSdkEndpoint() {
            return System.getenv("AWS_ENDPOINT_URL_" + env) != null
                    || System.getProperty("aws.endpointUrl" + property) != null;
        }
    }

    private final Region region;
    private final AwsCredentialsProvider base;
    private final AwsCredentialsProvider source;
    private final AwsCredentialsProvider lake;
    private final URI dynamoDbEndpoint;
    private final URI s3Endpoint;
    private final URI sqsEndpoint;
    private final boolean s3PathStyle;
    private final boolean local;
    private final LakeEncryption encryption;
    private final Retries retries;

    private AwsClients(
            Region region,
            AwsCredentialsProvider base,
            AwsCredentialsProvider source,
            AwsCredentialsProvider lake,
            URI dynamoDbEndpoint,
            URI s3Endpoint,
            URI sqsEndpoint,
            boolean s3PathStyle,
            boolean local,
            LakeEncryption encryption,
            Retries retries) {
        this.region = Objects.requireNonNull(region, "region == null");
        this.base = Objects.requireNonNull(base, "credentials == null");
        this.source = source;
        this.lake = lake;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.s3Endpoint = s3Endpoint;
        this.sqsEndpoint = sqsEndpoint;
        this.s3PathStyle = s3PathStyle;
        this.local = local;
        this.encryption = Objects.requireNonNull(encryption, "encryption == null");
        this.retries = retries;
    }

    /** Clients for AWS in the region, with credentials from the default provider chain. */
    public static AwsClients aws(String region) {
        return aws(region, Endpoints.AWS);
    }

    /** Clients for AWS or an AWS-compatible service at the endpoints given, credentials from the default chain. */
    public static AwsClients aws(String region, Endpoints endpoints) {
        var chain = DefaultCredentialsProvider.builder().build();
        return new AwsClients(
                Region.of(region),
                chain,
                chain,
                chain,
                endpoints.all(),
                endpoints.s3() != null ? endpoints.s3() : endpoints.all(),
                endpoints.all(),
                endpoints.s3PathStyle(),
                false,
                LakeEncryption.NONE,
                null);
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
                Objects.requireNonNull(sqs, "sqs == null"),
                true,
                true,
                LakeEncryption.NONE,
                null);
    }

    /**
     * The same clients, each side assuming its role (when it has one) from the base credentials through STS. The
     * returned STS client is the caller's to close.
     */
    public AwsClients withRoles(Roles roles, StsClient sts) {
        return copy(
                roles.sourceRoleArn() == null
                        ? base
                        : assume(sts, roles.sourceRoleArn(), roles.sourceExternalId(), roles.sessionName() + "-source"),
                roles.lakeRoleArn() == null
                        ? base
                        : assume(sts, roles.lakeRoleArn(), roles.lakeExternalId(), roles.sessionName() + "-lake"),
                encryption,
                retries);
    }

    /** The same clients, the S3 client writing every object with this server-side encryption (lake.sse). */
    public AwsClients withLakeEncryption(LakeEncryption lakeEncryption) {
        return copy(source, lake, lakeEncryption, retries);
    }

    /**
     * The same clients, each retrying its calls as {@code retries} says ({@code aws.retry.*}); without this, the AWS
     * SDK's own defaults (tools and tests that talk to AWS as the SDK does).
     */
    public AwsClients withRetries(Retries retries) {
        return copy(source, lake, encryption, Objects.requireNonNull(retries, "retries == null"));
    }

    /** These clients with what the withers change; region, base credentials and endpoints stay. */
    private AwsClients copy(
            AwsCredentialsProvider source, AwsCredentialsProvider lake, LakeEncryption encryption, Retries retries) {
        return new AwsClients(
                region,
                base,
                source,
                lake,
                dynamoDbEndpoint,
                s3Endpoint,
                sqsEndpoint,
                s3PathStyle,
                local,
                encryption,
                retries);
    }

    /** STS with the base credentials (at the emulator in the local stack). */
    public StsClient sts() {
        return configure(StsClient.builder(), Service.STS, dynamoDbEndpoint, base)
                .build();
    }

    private static AwsCredentialsProvider assume(StsClient sts, String roleArn, String externalId, String session) {
        return StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(session).externalId(externalId))
                .asyncCredentialUpdateEnabled(false)
                .build();
    }

    public boolean isLocal() {
        return local;
    }

    public Region region() {
        return region;
    }

    /** Source side: the table (DescribeTable, exports). */
    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder(), Service.DYNAMODB, dynamoDbEndpoint, source)
                .build();
    }

    /** Source side: the table's stream. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return configure(DynamoDbStreamsClient.builder(), Service.DYNAMODB_STREAMS, dynamoDbEndpoint, source)
                .build();
    }

    /** Lake side: the checkpoint table (stream checkpoints and lease, export state, the view lock). */
    public DynamoDbClient checkpointDynamoDb() {
        return configure(DynamoDbClient.builder(), Service.DYNAMODB, dynamoDbEndpoint, lake)
                .build();
    }

    /** With the base credentials: what the local stack provisions and the demo table's writer (not the app). */
    public DynamoDbClient adminDynamoDb() {
        return configure(DynamoDbClient.builder(), Service.DYNAMODB, dynamoDbEndpoint, base)
                .build();
    }

    public FirehoseClient firehose() {
        return configure(FirehoseClient.builder(), Service.FIREHOSE, dynamoDbEndpoint, lake)
                .build();
    }

    public SqsClient sqs() {
        return configure(SqsClient.builder(), Service.SQS, sqsEndpoint, lake).build();
    }

    /** Lake side: the Glue Data Catalog (the emulator's in the local stack). */
    public GlueClient glue() {
        return configure(GlueClient.builder(), Service.GLUE, dynamoDbEndpoint, lake)
                .build();
    }

    /** Lake side: Athena, for views.engine=athena (the emulator's, on a Trino server, in the local stack). */
    public AthenaClient athena() {
        return configure(AthenaClient.builder(), Service.ATHENA, dynamoDbEndpoint, lake)
                .build();
    }

    public S3Client s3() {
        var builder = configure(S3Client.builder(), Service.S3, s3Endpoint, lake);
        builder.forcePathStyle(s3PathStyle);
        if (encryption.enabled()) {
            builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                    .addExecutionInterceptor(encryption)
                    .build());
        }
        boolean elsewhere = s3Endpoint != null
                || Service.S3.hasSdkEndpoint()
                || System.getenv("AWS_ENDPOINT_URL") != null
                || System.getProperty("aws.endpointUrl") != null;
        if (elsewhere && !sdkChecksumsConfigured()) {
            // S3-compatible stores (S3Proxy, older MinIO and Ceph) refuse the checksum trailers S3 takes: send
            // checksums only where S3 requires them, unless the SDK's own settings say otherwise.
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    private static boolean sdkChecksumsConfigured() {
        return System.getenv("AWS_REQUEST_CHECKSUM_CALCULATION") != null
                || System.getProperty("aws.requestChecksumCalculation") != null;
    }

    /**
     * Region, credentials and endpoint: the local stack's always; in the aws profile the one given, unless the SDK
     * has an endpoint of its own for this service.
     */
    private <B extends AwsClientBuilder<B, ?>> B configure(
            B builder, Service service, URI endpoint, AwsCredentialsProvider credentials) {
        builder.region(region).credentialsProvider(credentials);
        if (retries != null) {
            builder.overrideConfiguration(c -> c.retryStrategy(retries.strategy()));
        }
        if (endpoint != null && (local || !service.hasSdkEndpoint())) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}
