package localaws;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import localaws.athena.AthenaService;
import localaws.dynamodb.DynamoDbService;
import localaws.dynamodb.Tables;
import localaws.export.ExportService;
import localaws.firehose.FirehoseService;
import localaws.glue.GlueService;
import localaws.http.AwsHttpServer;
import localaws.streams.DynamoDbStreamsService;
import localaws.streams.StreamStore;
import localaws.sts.StsService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The local AWS emulator: DynamoDB, DynamoDB Streams, exports to S3 and Firehose, served over the AWS wire
 * protocols on one port so that the AWS SDK and Camel's AWS components talk to it as to AWS. Exports and Firehose
 * write into the S3 endpoint of the settings (S3Proxy in the local stack).
 *
 * <pre>{@code
 * try (LocalAws aws = LocalAws.start(LocalAwsSettings.defaults(URI.create("http://127.0.0.1:9090")))) {
 *     DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(aws.endpoint())...build();
 *     aws.faults().throttle("DynamoDB_20120810.PutItem", 2, null);
 * }
 * }</pre>
 */
public final class LocalAws implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAws.class);

    private final LocalAwsSettings settings;
    private final Clock clock = Clock.systemUTC();
    private final S3Client s3;
    private final StreamStore streams;
    private final DynamoDbService dynamoDb;
    private final FirehoseService firehose;
    private final ExportService exports;
    private final Faults faults;
    private final StsService sts;
    private final GlueService glue;
    private final AthenaService athena;
    private final AwsHttpServer server;
    private final ScheduledExecutorService ticker;

    private LocalAws(LocalAwsSettings settings) throws IOException {
        this.settings = settings;
        this.s3 = S3Client.builder()
                .endpointOverride(settings.s3Endpoint())
                .forcePathStyle(true)
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        Tables tables = new Tables();
        this.streams = new StreamStore(settings.streams(), settings.region(), settings.account());
        this.dynamoDb = new DynamoDbService(
                tables, streams, clock, settings.region(), settings.account(), settings.pitrWindow());
        this.firehose = new FirehoseService(s3, clock, settings.region(), settings.account());
        this.exports = new ExportService(dynamoDb, s3, settings.exports(), clock, settings.pitrWindow());
        this.sts = new StsService(clock);
        this.glue = new GlueService(clock, settings.account());
        this.athena = new AthenaService(clock, settings.athenaEngine());
        this.faults = new Faults(tables, streams, firehose, exports, athena, clock);
        this.server = new AwsHttpServer(
                settings.host(),
                settings.port(),
                List.of(dynamoDb, new DynamoDbStreamsService(streams, clock), firehose, glue, athena),
                new AdminApi(this),
                faults,
                sts,
                16);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "localaws-ticker");
            t.setDaemon(true);
            return t;
        });
        long sweepMillis = Math.max(100, settings.ttlSweepInterval().toMillis());
        ticker.scheduleWithFixedDelay(this::tick, 200, 200, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /** The Glue Data Catalog this emulator answers with. */
    public GlueService glue() {
        return glue;
    }

    /**
     * Starts the emulator.
     *
     * @throws java.net.BindException when the port is taken
     */
    public static LocalAws start(LocalAwsSettings settings) throws IOException {
        LocalAws aws = new LocalAws(settings);
        LOG.info(
                "Local AWS emulator (DynamoDB, DynamoDB Streams, exports, Firehose, STS, Glue, Athena{}) listening on {}",
                settings.athenaEngine() == null ? " without a Trino server" : " on Trino at " + settings.athenaEngine(),
                aws.endpoint());
        return aws;
    }

    /** STS: which role each temporary access key belongs to. */
    public StsService sts() {
        return sts;
    }

    private void tick() {
        try {
            streams.tick(Instant.now(clock));
        } catch (RuntimeException e) {
            LOG.warn("Stream housekeeping failed", e);
        }
    }

    private void sweep() {
        try {
            dynamoDb.sweepExpired();
        } catch (RuntimeException e) {
            LOG.warn("Time-to-live sweep failed", e);
        }
    }

    /** The endpoint to give AWS SDK clients for DynamoDB, DynamoDB Streams and Firehose. */
    public URI endpoint() {
        return URI.create("http://" + settings.host() + ":" + server.port());
    }

    public int port() {
        return server.port();
    }

    public LocalAwsSettings settings() {
        return settings;
    }

    public Faults faults() {
        return faults;
    }

    public FirehoseService firehose() {
        return firehose;
    }

    /** Stops serving, then delivers what Firehose has buffered, so no accepted record is lost on a clean stop. */
    @Override
    public void close() {
        server.close();
        athena.close();
        ticker.shutdownNow();
        exports.close();
        firehose.close();
        s3.close();
        LOG.info("Local AWS emulator stopped");
    }
}
