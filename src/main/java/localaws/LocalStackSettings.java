package localaws;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything the local stack is started with: where it listens, where S3Proxy keeps the buckets, and how the
 * emulator behaves.
 *
 * @param host the loopback address all three servers listen on
 * @param emulatorPort DynamoDB, DynamoDB Streams and Firehose (0: a free port)
 * @param s3Port S3Proxy (0: a free port)
 * @param sqsPort ElasticMQ (0: a free port)
 * @param dataDir the folder S3Proxy keeps buckets in, one sub-folder per bucket
 * @param emulator adjusts the emulator's settings (stream rollover, export file size, ...)
 */
public record LocalStackSettings(
        String host,
        int emulatorPort,
        int s3Port,
        int sqsPort,
        Path dataDir,
        String region,
        UnaryOperator<LocalAwsSettings> emulator) {

    public LocalStackSettings {
        Objects.requireNonNull(host, "host == null");
        Objects.requireNonNull(dataDir, "dataDir == null");
        Objects.requireNonNull(region, "region == null");
        Objects.requireNonNull(emulator, "emulator == null");
    }

    /** Free loopback ports, AWS's behaviour, buckets under {@code dataDir}. */
    public static LocalStackSettings onFreePorts(Path dataDir) {
        return new LocalStackSettings("127.0.0.1", 0, 0, 0, dataDir, "us-east-1", UnaryOperator.identity());
    }

    public LocalStackSettings withEmulator(UnaryOperator<LocalAwsSettings> adjust) {
        return new LocalStackSettings(host, emulatorPort, s3Port, sqsPort, dataDir, region, adjust);
    }
}
