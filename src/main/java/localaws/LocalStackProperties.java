package localaws;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import localaws.export.ExportSettings;
import localaws.streams.StreamSettings;

/**
 * Reads the {@code local.*} properties into {@link LocalStackSettings}, the same way for the application's
 * {@code local} profile and for the stand-alone {@link LocalStackMain}. A missing key takes AWS's behaviour; a bad
 * value is an error naming the key.
 */
public final class LocalStackProperties {
    /** Where the stack listens and keeps its buckets when nothing says otherwise; the application declares these too. */
    public static final String HOST = "127.0.0.1";

    public static final int EMULATOR_PORT = 4566;
    public static final int S3_PORT = 4567;
    public static final int SQS_PORT = 9324;
    public static final String DATA_DIR = "data";
    public static final String REGION = "us-east-1";

    private final Function<String, String> lookup;

    private LocalStackProperties(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** Settings from a property lookup that answers null for an unset key. */
    public static LocalStackSettings settings(Function<String, String> lookup) {
        return new LocalStackProperties(lookup).read();
    }

    private LocalStackSettings read() {
        StreamSettings aws = StreamSettings.aws();
        StreamSettings streams = new StreamSettings(
                integer("local.stream.rollover-records", aws.rolloverRecords()),
                duration("local.stream.rollover-age", aws.rolloverAge()),
                bool("local.stream.split-on-rollover", aws.splitOnRollover()),
                integer("local.stream.max-open-shards", 4),
                duration("local.stream.retention", aws.retention()),
                duration("local.stream.iterator-ttl", aws.iteratorTtl()));
        ExportSettings awsExports = ExportSettings.aws();
        ExportSettings exports = new ExportSettings(
                integer("local.export.items-per-file", awsExports.itemsPerFile()),
                duration("local.export.min-incremental-window", awsExports.minIncrementalWindow()),
                awsExports.maxIncrementalWindow(),
                text("local.export.checksum-suffix", awsExports.checksumSuffix()));
        Duration sweep = duration("local.ttl.sweep-interval", Duration.ofSeconds(5));
        String trinoUrl = text("local.athena.trino-url", null);
        java.net.URI trino = trinoUrl == null ? null : java.net.URI.create(trinoUrl);
        return new LocalStackSettings(
                text("local.host", HOST),
                integer("local.emulator.port", EMULATOR_PORT),
                integer("local.s3.port", S3_PORT),
                integer("local.sqs.port", SQS_PORT),
                Path.of(text("local.data-dir", DATA_DIR)),
                text("local.region", REGION),
                s -> new LocalAwsSettings(
                        s.host(),
                        s.port(),
                        s.region(),
                        s.account(),
                        s.s3Endpoint(),
                        streams,
                        exports,
                        s.pitrWindow(),
                        sweep,
                        trino));
    }

    private String text(String key, String fallback) {
        String v = lookup.apply(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private int integer(String key, int fallback) {
        String v = text(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": expected a whole number >= 0, was '" + v + "'");
        }
    }

    private boolean bool(String key, boolean fallback) {
        String v = text(key, null);
        if (v == null) {
            return fallback;
        }
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(key + ": expected true or false, was '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private Duration duration(String key, Duration fallback) {
        String v = text(key, null);
        return v == null ? fallback : parseDuration(key, v);
    }

    /**
     * A duration written as {@code 500ms}, {@code 30s}, {@code 15m}, {@code 4h}, {@code 1d}, {@code 0}, or in
     * ISO-8601 ({@code PT15M}).
     *
     * @throws IllegalArgumentException naming the key when the text is none of these
     */
    public static Duration parseDuration(String key, String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("p")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            int split = 0;
            while (split < v.length() && Character.isDigit(v.charAt(split))) {
                split++;
            }
            long n = Long.parseLong(v.substring(0, split));
            switch (v.substring(split)) {
                case "ms":
                    return Duration.ofMillis(n);
                case "s":
                    return Duration.ofSeconds(n);
                case "m":
                    return Duration.ofMinutes(n);
                case "h":
                    return Duration.ofHours(n);
                case "d":
                    return Duration.ofDays(n);
                default:
                    throw new NumberFormatException();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    key + ": expected a duration such as 500ms, 30s, 15m, 4h or PT15M," + " was '" + text + "'");
        }
    }
}
