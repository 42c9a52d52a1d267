package dynamolake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.camel.util.TimeUtils;
import org.quartz.CronExpression;

/**
 * Every property of the project's own (the prefixes in {@link #PREFIXES}), with what its value must be. {@link
 * ConfigCheck} holds the configuration against it before anything starts; a test holds it against the properties
 * files, README and the Kubernetes ConfigMap, so a key cannot be added, renamed or documented in one place only.
 */
public final class ConfigKeys {
    /** The prefixes whose keys are the project's: an unknown key under them is a typo, and stops startup. */
    public static final List<String> PREFIXES = List.of(
            "aws.",
            "table.",
            "lake.",
            "stream.",
            "checkpoint.",
            "firehose.",
            "export.",
            "snapshot.",
            "glue.",
            "views.",
            "observe.",
            "cluster.",
            "local.");

    /** Keys of earlier releases that others replaced, with what to set instead: startup names them. */
    public static final Map<String, String> REPLACED = Map.of(
            "aws.retry.max-redeliveries",
            "aws.retry.max-attempts, the calls of one AWS request in all (redeliveries + 1): the AWS SDK retries them"
                    + " now, not Camel");

    /** What a value must be: {@code check} returns null when it fits, else what was expected. */
    public record Rule(String expected, Function<String, String> check) {
        String problem(String value) {
            return check.apply(value);
        }
    }

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern TABLE = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern QUEUE = Pattern.compile("[a-zA-Z0-9_-]{1,80}");
    private static final Pattern DELIVERY_STREAM = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final Pattern SESSION = Pattern.compile("[\\w+=,.@-]{2,58}");
    private static final Pattern K8S_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?");
    private static final Pattern LABELS =
            Pattern.compile("\\s*[\\w./-]+\\s*=\\s*[\\w.-]*\\s*(,\\s*[\\w./-]+\\s*=\\s*[\\w.-]*\\s*)*");
    private static final Pattern URL = Pattern.compile("https?://\\S+");
    private static final Pattern HOST = Pattern.compile("[a-zA-Z0-9.:-]+");

    private static final int MIN_TOKEN = 16;

    private static final Map<String, Rule> RULES = new LinkedHashMap<>();
    private static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/]+(/\\S*)?");
    private static final Pattern S3_URI = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?");

    static {
        key("aws.region", matching(REGION, "an AWS region such as us-east-1"));
        key(
                "aws.endpoint-url",
                optional(matching(HTTP_URL, "an http:// or https:// address, such as http://localstack:4566")));
        key(
                "aws.s3.endpoint-url",
                optional(matching(HTTP_URL, "an http:// or https:// address, such as http://minio:9000")));
        key("aws.s3.path-style", bool());
        key("aws.retry.max-attempts", integer(1, 100));
        key("aws.retry.delay", integer(1, 3_600_000));
        key("aws.retry.max-delay", integer(1, 3_600_000));

        key(
                "aws.source.role-arn",
                optional(matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/name)")));
        key(
                "aws.source.external-id",
                optional(matching(EXTERNAL_ID, "an external id (2-1224 of letters, digits, +=,.@:/-)")));
        key("aws.lake.role-arn", optional(matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/name)")));
        key(
                "aws.lake.external-id",
                optional(matching(EXTERNAL_ID, "an external id (2-1224 of letters, digits, +=,.@:/-)")));
        key("aws.role-session-name", matching(SESSION, "a role session name (2-58 of letters, digits, +=,.@-)"));

        key("table.name", matching(TABLE, "a DynamoDB table name (3-255 of letters, digits, _ . -)"));

        key("lake.bucket", bucket());
        key("lake.prefix", prefix(false));
        key("lake.parquet-codec", choice("zstd", "snappy", "gzip", "uncompressed"));
        key("lake.parquet-row-group-mb", integer(1, 1024));
        key("lake.target-file-size", matching(SIZE, "a size such as 512MB or 4GB"));
        key("lake.max-typed-columns", integer(0, 10_000));
        key("lake.sse", choice("none", "AES256", "aws:kms"));
        key("lake.sse-kms-key-id", optional(text()));

        key("stream.mode", choice("single", "shared"));
        key("stream.start-position", choice("TRIM_HORIZON", "LATEST"));
        key("stream.max-records-per-request", integer(1, 1000));
        key("stream.max-parallel-shards", integer(1, 1000));
        key("stream.idle-delay", duration(true));
        key("stream.shard-discovery-interval", duration(true));
        key("stream.retry-delay", duration(true));
        key("stream.max-retry-delay", duration(true));
        key("stream.resume-from-trim-horizon", bool());
        key("stream.accept-missing-new-image", bool());
        key("stream.batch-failure-timeout", duration(true));
        key("stream.retention", duration(true));

        key("checkpoint.table", matching(TABLE, "a DynamoDB table name (3-255 of letters, digits, _ . -)"));
        key("checkpoint.group", text());
        key("checkpoint.create-table", bool());
        key("checkpoint.lease-duration", duration(true));
        key("checkpoint.lease-renew-interval", duration(true));

        key(
                "firehose.delivery-stream",
                matching(DELIVERY_STREAM, "a Firehose delivery stream name (1-64 of letters, digits, _ . -)"));
        key("firehose.max-attempts", integer(1, 10_000));
        key("firehose.pack-records", bool());

        key("export.bucket", bucket());
        key("export.prefix", prefix(true));
        key("export.bucket-owner", optional(matching(ACCOUNT, "a 12-digit AWS account id")));
        key("export.sse-algorithm", optional(choice("AES256", "KMS")));
        key("export.kms-key-id", optional(text()));
        key("export.type", choice("FULL", "INCREMENTAL"));
        key("export.schedule-enabled", bool());
        key("export.interval", duration(true));
        key("export.cron", optional(cron()));
        key("export.on-start", bool());
        key("export.on-start-delay", duration(false));
        key("export.check-interval", duration(true));
        key("export.min-incremental-window", duration(true));
        key("export.max-incremental-window", duration(true));
        key("export.stale-after", duration(true));
        key("export.queue", matching(QUEUE, "an SQS queue name (1-80 of letters, digits, _ -)"));
        key("export.queue-max-attempts", integer(1, 1000));
        key("export.concurrency", integer(1, 64));
        key("export.visibility-timeout", integer(0, 43_200));
        key("export.work-dir", text());

        key("snapshot.keep", integer(1, 1000));
        key(
                "glue.database",
                optional(matching(
                        Pattern.compile("[a-z0-9_]{1,255}"), "a Glue database name (lowercase letters, digits, _)")));

        key("lake.catalog.type", choice("glue", "rest"));
        key(
                "lake.catalog.namespace",
                matching(Pattern.compile("[a-z0-9_]{1,255}"), "a namespace (lowercase letters, digits, _)"));
        key("lake.catalog.uri", optional(text()));
        key("lake.catalog.warehouse", optional(text()));
        key("lake.catalog.properties", optional(text()));

        key("views.compaction-enabled", bool());
        key("views.compaction-interval", duration(true));
        key("views.compaction-delay", duration(false));
        key("views.buckets", integer(1, 4096));
        key("views.keep", integer(1, 1000));
        key("views.replay-margin", duration(false));
        key("views.late-window", duration(false));
        key("views.as-of-lag", duration(false));
        key("views.memory-limit", matching(SIZE, "a size such as 512MB or 4GB"));
        key("views.threads", integer(1, 1024));
        key("views.max-patches", integer(0, 1000));
        key("views.max-deleted-percent", integer(0, 100));
        key("views.work-dir", text());
        key("views.lease-duration", duration(true));
        key("views.engine", choice("duckdb", "athena"));
        key("views.deltas", choice("stream", "export"));
        key("views.athena.workgroup", text());
        key("views.athena.output-location", optional(matching(S3_URI, "an s3:// folder such as s3://bucket/athena/")));
        key("views.athena.query-timeout", duration(true));
        key("views.athena.poll-interval", duration(true));

        key("observe.jolokia.allow-control", bool());
        key("observe.jolokia.token-file", optional(tokenFile()));
        key("observe.readiness-recheck", duration(true));
        key("observe.freshness-refresh", duration(true));

        key("cluster.leader-election", choice("auto", "kubernetes", "checkpoint-table"));
        key("cluster.kubernetes.resource-name", matching(K8S_NAME, "a Kubernetes name (lowercase letters, digits, -)"));
        key("cluster.kubernetes.namespace", optional(matching(K8S_NAME, "a Kubernetes namespace")));
        key("cluster.kubernetes.pod-labels", matching(LABELS, "name=value pairs separated by commas"));
        key("cluster.kubernetes.master-url", optional(matching(URL, "an http or https URL")));
        key("cluster.kubernetes.pod-name", optional(matching(K8S_NAME, "a pod name")));

        key("local.stack.embedded", bool());
        key("local.host", matching(HOST, "a host name or address"));
        key("local.data-dir", text());
        key("local.region", matching(REGION, "an AWS region such as us-east-1"));
        key("local.emulator.port", integer(0, 65_535));
        key("local.s3.port", integer(0, 65_535));
        key("local.sqs.port", integer(0, 65_535));
        key("local.stream.rollover-records", integer(1, Integer.MAX_VALUE));
        key("local.stream.rollover-age", duration(true));
        key("local.stream.split-on-rollover", bool());
        key("local.stream.max-open-shards", integer(1, 1000));
        key("local.stream.retention", duration(true));
        key("local.stream.iterator-ttl", duration(true));
        key("local.export.items-per-file", integer(1, Integer.MAX_VALUE));
        key("local.export.min-incremental-window", duration(true));
        key("local.export.checksum-suffix", text());
        key("local.ttl.sweep-interval", duration(true));
        key("local.firehose.buffer-seconds", integer(0, 900));
        key("local.firehose.buffer-mb", integer(1, 128));
        key("local.athena.trino-url", optional(matching(HTTP_URL, "a Trino coordinator's http:// address")));
        key("local.demo.enabled", bool());
        key("local.demo.items", integer(0, 10_000_000));
        key("local.demo.large-items", integer(0, 1000));
        key("local.demo.changes-per-second", integer(0, 100_000));
        key("local.demo.ttl-seconds", integer(1, 86_400));
        key("local.demo.seed", integer(Integer.MIN_VALUE, Integer.MAX_VALUE));
    }

    private ConfigKeys() {}

    /** Every key, in the order above. */
    public static Set<String> keys() {
        return RULES.keySet();
    }

    /** A size such as {@code 512MB}, {@code 1.5GB} or {@code 4GiB} in bytes; KB, MB, … count in 1024s as KiB, MiB, …. */
    static long parseSize(String v) {
        var m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: " + v);
        }
        int power = "BKMGT".indexOf(m.group(2).charAt(0));
        return new java.math.BigDecimal(m.group(1))
                .multiply(java.math.BigDecimal.valueOf(1024).pow(power))
                .longValue();
    }

    public static Rule rule(String key) {
        return RULES.get(key);
    }

    /** True for a key under one of the project's prefixes. */
    public static boolean isProjects(String key) {
        return PREFIXES.stream().anyMatch(key::startsWith);
    }

    private static void key(String key, Rule rule) {
        RULES.put(key, rule);
    }

    // ---- rules ---------------------------------------------------------------------------------------------------

    private static Rule text() {
        return new Rule("a value", v -> v.isBlank() ? "a value" : null);
    }

    private static Rule optional(Rule rule) {
        return new Rule(rule.expected() + ", or empty", v -> v.isBlank() ? null : rule.problem(v));
    }

    private static Rule matching(Pattern pattern, String expected) {
        return new Rule(expected, v -> pattern.matcher(v).matches() ? null : expected);
    }

    private static Rule bucket() {
        String expected = "an S3 bucket name (3-63 of lowercase letters, digits, dots and hyphens)";
        return new Rule(expected, v -> BUCKET.matcher(v).matches() && !v.contains("..") ? null : expected);
    }

    private static Rule prefix(boolean mayBeEmpty) {
        String expected = "a key prefix ending with / and not starting with /, such as tables/orders/"
                + (mayBeEmpty ? ", or empty" : "");
        return new Rule(
                expected,
                v -> (v.isEmpty() && mayBeEmpty) || (v.endsWith("/") && !v.startsWith("/")) ? null : expected);
    }

    private static Rule bool() {
        return new Rule(
                "true or false",
                v -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false") ? null : "true or false");
    }

    private static Rule integer(int min, int max) {
        String expected = "a whole number from " + min + " to " + max;
        return new Rule(expected, v -> {
            try {
                long n = Long.parseLong(v);
                return n >= min && n <= max ? null : expected;
            } catch (NumberFormatException e) {
                return expected;
            }
        });
    }

    private static Rule choice(String... values) {
        String expected = "one of " + String.join(", ", values);
        return new Rule(expected, v -> Arrays.stream(values).anyMatch(c -> c.equalsIgnoreCase(v)) ? null : expected);
    }

    /** A duration ({@link #parseDuration}): positive, or at least zero. */
    private static Rule duration(boolean positive) {
        String expected = (positive ? "a positive" : "a") + " duration such as 500ms, 30s, 15m or PT15M";
        return new Rule(expected, v -> {
            try {
                Duration d = parseDuration(v);
                return d.isNegative() || (positive && d.isZero()) ? expected : null;
            } catch (RuntimeException e) {
                return expected;
            }
        });
    }

    /** A duration as the properties write it: 500ms, 30s, 15m, 24h (Camel's units) or ISO-8601 (PT15M). */
    static Duration parseDuration(String v) {
        return v.toUpperCase(Locale.ROOT).startsWith("P")
                ? Duration.parse(v.toUpperCase(Locale.ROOT))
                : TimeUtils.toDuration(v);
    }

    /** A bearer token in a file (a Kubernetes Secret mounted as one): long enough not to be guessed. */
    private static Rule tokenFile() {
        String expected = "a readable file holding a token of at least " + MIN_TOKEN + " characters";
        return new Rule(expected, v -> {
            try {
                return Files.readString(Path.of(v)).strip().length() >= MIN_TOKEN ? null : expected;
            } catch (IOException | RuntimeException e) {
                return expected;
            }
        });
    }

    private static Rule cron() {
        String expected = "a Quartz cron expression (seconds minutes hours day-of-month month day-of-week), such as"
                + " 0 0 2 * * ? for 02:00 every day";
        return new Rule(expected, v -> {
            try {
                CronExpression.validateExpression(v);
                return null;
            } catch (ParseException e) {
                return expected + " (" + e.getMessage() + ")";
            }
        });
    }
}
