package localaws;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import localaws.export.ExportSettings;
import localaws.streams.StreamSettings;

/**
 * Reads the {@code local.*} properties into {@link LocalStackSettings}, the same way for the application's
 * {@code local} profile and for the stand-alone {@link LocalStackMain}. A missing key takes AWS's behaviour; a bad
 * value is an error naming the key.
 */
public final class LocalStackProperties {
    /**
     * The stack's settings as dynamo-lake's local profile and {@link LocalStackMain} run it, declared once here (the
     * application's configuration takes its defaults of these keys from this map): AWS's behaviour but where watching
     * it matters: shards roll over every 5,000 records or 10 minutes (AWS: about every 4 hours), so shard boundaries
     * happen while you watch; export data files of 2,500 items; incremental exports from a minute long (AWS: 15
     * minutes). A key left out of a lookup given to {@link #settings} takes AWS's behaviour instead.
     */
    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("local.host", "127.0.0.1");
        d.put("local.data-dir", "data");
        d.put("local.region", "us-east-1");
        d.put("local.emulator.port", "4566");
        d.put("local.s3.port", "4567");
        d.put("local.sqs.port", "9324");
        d.put("local.stream.rollover-records", "5000");
        d.put("local.stream.rollover-age", "10m");
        d.put("local.stream.split-on-rollover", "false");
        d.put("local.stream.max-open-shards", "4");
        d.put("local.stream.retention", "24h");
        d.put("local.stream.iterator-ttl", "15m");
        d.put("local.export.items-per-file", "2500");
        d.put("local.export.min-incremental-window", "1m");
        d.put("local.export.checksum-suffix", ".md5");
        d.put("local.ttl.sweep-interval", "5s");
        return Collections.unmodifiableMap(d);
    }

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
                integer("local.stream.max-open-shards"),
                duration("local.stream.retention", aws.retention()),
                duration("local.stream.iterator-ttl", aws.iteratorTtl()));
        ExportSettings awsExports = ExportSettings.aws();
        ExportSettings exports = new ExportSettings(
                integer("local.export.items-per-file", awsExports.itemsPerFile()),
                duration("local.export.min-incremental-window", awsExports.minIncrementalWindow()),
                awsExports.maxIncrementalWindow(),
                text("local.export.checksum-suffix", awsExports.checksumSuffix()));
        Duration sweep = duration("local.ttl.sweep-interval");
        String trinoUrl = text("local.athena.trino-url", null);
        java.net.URI trino = trinoUrl == null ? null : java.net.URI.create(trinoUrl);
        return new LocalStackSettings(
                text("local.host"),
                integer("local.emulator.port"),
                integer("local.s3.port"),
                integer("local.sqs.port"),
                Path.of(text("local.data-dir")),
                text("local.region"),
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

    /** A key whose fallback is the declared one: AWS has no behaviour to take (an address, a port, a folder). */
    private String text(String key) {
        return text(key, DEFAULTS.get(key));
    }

    private int integer(String key) {
        return integer(key, Integer.parseInt(DEFAULTS.get(key)));
    }

    private Duration duration(String key) {
        return duration(key, parseDuration(key, DEFAULTS.get(key)));
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
