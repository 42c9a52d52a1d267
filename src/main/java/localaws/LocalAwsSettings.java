package localaws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import localaws.export.ExportSettings;
import localaws.streams.StreamSettings;

/**
 * Everything the local AWS emulator is started with.
 *
 * @param host the address to listen on (loopback by default: the emulator has no authentication)
 * @param port the port for DynamoDB, DynamoDB Streams and Firehose (0 picks a free one)
 * @param region the region the emulator names in ARNs
 * @param account the account id the emulator names in ARNs
 * @param s3Endpoint where exports and Firehose write their objects
 * @param pitrWindow how far back point-in-time recovery reaches (AWS: 35 days)
 * @param ttlSweepInterval how often expired items are deleted by time to live (AWS: within days)
 * @param athenaEngine the Trino server Athena's queries run on, or null: Athena then refuses queries
 */
public record LocalAwsSettings(
        String host,
        int port,
        String region,
        String account,
        URI s3Endpoint,
        StreamSettings streams,
        ExportSettings exports,
        Duration pitrWindow,
        Duration ttlSweepInterval,
        URI athenaEngine) {

    public LocalAwsSettings {
        Objects.requireNonNull(host, "host == null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(region, "region == null");
        Objects.requireNonNull(account, "account == null");
        Objects.requireNonNull(s3Endpoint, "s3Endpoint == null");
        Objects.requireNonNull(streams, "streams == null");
        Objects.requireNonNull(exports, "exports == null");
        Objects.requireNonNull(pitrWindow, "pitrWindow == null");
        Objects.requireNonNull(ttlSweepInterval, "ttlSweepInterval == null");
    }

    /** AWS's behaviour on a free loopback port, writing to the given S3 endpoint. */
    public static LocalAwsSettings defaults(URI s3Endpoint) {
        return new LocalAwsSettings(
                "127.0.0.1",
                0,
                "us-east-1",
                "000000000000",
                s3Endpoint,
                StreamSettings.aws(),
                ExportSettings.aws(),
                Duration.ofDays(35),
                Duration.ofSeconds(5),
                null);
    }

    public LocalAwsSettings withPort(int newPort) {
        return new LocalAwsSettings(
                host,
                newPort,
                region,
                account,
                s3Endpoint,
                streams,
                exports,
                pitrWindow,
                ttlSweepInterval,
                athenaEngine);
    }

    public LocalAwsSettings withStreams(StreamSettings newStreams) {
        return new LocalAwsSettings(
                host,
                port,
                region,
                account,
                s3Endpoint,
                newStreams,
                exports,
                pitrWindow,
                ttlSweepInterval,
                athenaEngine);
    }

    public LocalAwsSettings withExports(ExportSettings newExports) {
        return new LocalAwsSettings(
                host,
                port,
                region,
                account,
                s3Endpoint,
                streams,
                newExports,
                pitrWindow,
                ttlSweepInterval,
                athenaEngine);
    }

    public LocalAwsSettings withAthenaEngine(URI trino) {
        return new LocalAwsSettings(
                host, port, region, account, s3Endpoint, streams, exports, pitrWindow, ttlSweepInterval, trino);
    }
}
