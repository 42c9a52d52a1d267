package dynamolake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import localaws.LocalStackProperties;
import org.apache.camel.util.TimeUtils;
import org.quartz.CronExpression;

/**
 * Every setting of the project's own (the prefixes in {@link #PREFIXES}), declared once: its key, its default, what its
 * value must be and what it does. {@link ConfigCheck} puts the defaults under the configuration and holds every value
 * against its rule before anything starts; {@link Settings} reads them typed by the same rules; README's table is made
 * from the declarations ({@code SettingsTableTest}), and the Kubernetes ConfigMap may set only keys declared here. The
 * stream consumer's options are the {@code ddbstream} component's own, declared by its annotations.
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
    public static final Map<String, String> REPLACED = Map.ofEntries(
            Map.entry(
                    "aws.retry.max-redeliveries",
                    "aws.retry.max-attempts, the calls of one AWS request in all (redeliveries + 1): the AWS SDK"
                            + " retries them now, not Camel"),
            streamOption("stream.mode", "mode"),
            streamOption("stream.start-position", "start-position"),
            streamOption("stream.max-records-per-request", "max-records-per-request"),
            streamOption("stream.max-parallel-shards", "max-parallel-shards"),
            streamOption("stream.idle-delay", "idle-delay"),
            streamOption("stream.shard-discovery-interval", "shard-discovery-interval"),
            streamOption("stream.retry-delay", "retry-delay"),
            streamOption("stream.max-retry-delay", "max-retry-delay"),
            streamOption("stream.resume-from-trim-horizon", "resume-from-trim-horizon"),
            streamOption("stream.accept-missing-new-image", "accept-missing-new-image"),
            streamOption("stream.batch-failure-timeout", "batch-failure-timeout"),
            streamOption("stream.retention", "stream-retention"),
            streamOption("checkpoint.lease-duration", "lease-duration"),
            streamOption("checkpoint.lease-renew-interval", "lease-renew-interval"));

    private static Map.Entry<String, String> streamOption(String key, String option) {
        return Map.entry(
                key,
                "camel.component.ddbstream." + option + ", the stream component's option, which the component"
                        + " declares with its default");
    }

    /**
     * One setting: its key, its default (empty for none: a required key then stops startup until it is set), what a
     * value must be, and what it does (README's table of settings is made from these, see {@code
     * SettingsTableTest}). A profile's file ({@code application-local.properties}) holds only what differs there.
     */
    public record Setting(String key, String defaultValue, Rule rule, String description) {}

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

    private static final Map<String, Setting> SETTINGS = new LinkedHashMap<>();
    private static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/]+(/\\S*)?");
    private static final Pattern S3_URI = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?");

    static {
        key(
                "aws.region",
                "us-east-1",
                matching(REGION, "an AWS region such as us-east-1"),
                "The region of the `aws` profile's clients.");
        key(
                "aws.endpoint-url",
                "",
                optional(matching(HTTP_URL, "an http:// or https:// address, such as http://localstack:4566")),
                "The `aws` profile's endpoint for every client (LocalStack, moto, any AWS-compatible "
                        + "service). Empty: AWS's own, or the SDK's `AWS_ENDPOINT_URL`. The SDK's setting for one "
                        + "service (`AWS_ENDPOINT_URL_SQS`, …) comes first.");
        key(
                "aws.s3.endpoint-url",
                "",
                optional(matching(HTTP_URL, "an http:// or https:// address, such as http://minio:9000")),
                "S3's endpoint instead (MinIO, Ceph, any S3-compatible store). Empty: " + "`aws.endpoint-url`'s.");
        key(
                "aws.s3.path-style",
                "false",
                bool(),
                "Address buckets in the path (`http://host/bucket/key`) instead of the host name, as "
                        + "stores reached by a plain host name need. The local profile always does.");
        key(
                "aws.retry.max-attempts",
                "9",
                integer(1, 100),
                "Calls of one AWS request in all: the AWS SDK retries throttling (DynamoDB Streams' "
                        + "`LimitExceededException` included), server errors and network failures, and nothing else "
                        + "does (see \"Retries\").");
        key(
                "aws.retry.delay",
                "200",
                integer(1, 3_600_000),
                "Milliseconds the SDK's first retry waits at most (full jitter); doubles each time.");
        key(
                "aws.retry.max-delay",
                "10000",
                integer(1, 3_600_000),
                "The longest wait between two calls of one request, in milliseconds.");
        key(
                "aws.source.role-arn",
                "",
                optional(matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/name)")),
                "The role the source side's clients (table, stream, exports) assume with STS. Empty: the "
                        + "base credentials.");
        key(
                "aws.source.external-id",
                "",
                optional(matching(EXTERNAL_ID, "an external id (2-1224 of letters, digits, +=,.@:/-)")),
                "The external id the source role's trust policy asks for.");
        key(
                "aws.lake.role-arn",
                "",
                optional(matching(ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/name)")),
                "The role the lake side's clients (buckets, Firehose, queue, checkpoint table, Glue) " + "assume.");
        key(
                "aws.lake.external-id",
                "",
                optional(matching(EXTERNAL_ID, "an external id (2-1224 of letters, digits, +=,.@:/-)")),
                "The external id the lake role's trust policy asks for.");
        key(
                "aws.role-session-name",
                "dynamo-lake",
                matching(SESSION, "a role session name (2-58 of letters, digits, +=,.@-)"),
                "Sessions are named `<this>-source` and `<this>-lake` (as CloudTrail shows them).");
        key(
                "table.name",
                "demo-orders",
                matching(TABLE, "a DynamoDB table name (3-255 of letters, digits, _ . -)"),
                "The DynamoDB table to land.");
        key("lake.bucket", "dynamo-lake", bucket(), "The lake's bucket.");
        key("lake.prefix", "tables/demo-orders/", prefix(false), "The table's folder in the lake; ends with `/`.");
        key(
                "lake.parquet-codec",
                "zstd",
                choice("zstd", "snappy", "gzip", "uncompressed"),
                "Compression of snapshot parts: `zstd`, `snappy`, `gzip` or `uncompressed`.");
        key(
                "lake.parquet-row-group-mb",
                "32",
                integer(1, 1024),
                "Parquet row group size in MiB. A part being written holds one row group in memory: the "
                        + "heap snapshots need is about `export.concurrency` × this.");
        key(
                "lake.target-file-size",
                "512MB",
                size(16 << 10),
                "The size at which a bucket of the current view (or of a view as of a time) rolls to its "
                        + "next Parquet file, as Iceberg's `write.target-file-size-bytes` (same default): "
                        + "`part-00003.parquet`, `part-00003-001.parquet`, …; KB, MB, GB count in 1024s; at least "
                        + "16KB. The snapshot's parts follow the export's data files; with `views.engine=athena`, "
                        + "Athena chooses its files' sizes.");
        key(
                "lake.max-typed-columns",
                "500",
                integer(0, 10_000),
                "Top-level attributes that get a typed column, the most common first; every attribute is "
                        + "always in the `_item` JSON column. Attributes named `file_index` or `file_row_number` "
                        + "(in any case) get none: a column of either name would hide DuckDB's own columns of a "
                        + "row's file and position, with which the current view's position deletes are applied.");
        key(
                "lake.sse",
                "none",
                choice("none", "AES256", "aws:kms"),
                "Server-side encryption of every object the application writes (PutObject, "
                        + "CreateMultipartUpload, CopyObject): `none` (the bucket's default), `AES256` (SSE-S3) or "
                        + "`aws:kms` (SSE-KMS), so a bucket policy that denies unencrypted PUTs holds. Athena's "
                        + "query results and the parts it writes get the same.");
        key(
                "lake.sse-kms-key-id",
                "",
                optional(text()),
                "The KMS key (ARN, id or alias) for `lake.sse=aws:kms`; empty: the account's `aws/s3` " + "key.");
        key(
                "checkpoint.table",
                "dynamo-lake-checkpoints",
                matching(TABLE, "a DynamoDB table name (3-255 of letters, digits, _ . -)"),
                "The DynamoDB table of checkpoints and the stream lease (`pk`, `sk`, on demand).");
        key(
                "checkpoint.group",
                "dynamo-lake",
                text(),
                "Consumers of one group share checkpoints and a lease; another group reads the same "
                        + "stream independently.");
        key("checkpoint.create-table", "true", bool(), "Create the checkpoint table when it is missing.");
        key(
                "firehose.delivery-stream",
                "dynamo-lake-deltas",
                matching(DELIVERY_STREAM, "a Firehose delivery stream name (1-64 of letters, digits, _ . -)"),
                "The delivery stream that writes the deltas into `<lake.prefix>deltas/`.");
        key(
                "firehose.max-attempts",
                "50",
                integer(1, 10_000),
                "Calls to send a batch before the entries Firehose still refuses fail the whole stream "
                        + "batch (which is then processed again).");
        key(
                "firehose.pack-records",
                "true",
                bool(),
                "Join consecutive envelope lines into Firehose records of up to 1,000 KiB. The objects in "
                        + "the lake are the same, line for line; Firehose bills each record as at least 5 KB, so "
                        + "small records cost far more unpacked. Turn off only when a Firehose transformation needs "
                        + "one change per record.");
        key("export.bucket", "dynamo-lake-exports", bucket(), "The bucket DynamoDB exports are written to (S3Bucket).");
        key(
                "export.prefix",
                "exports/demo-orders/",
                prefix(true),
                "The key prefix of exports in that bucket (S3Prefix; DynamoDB adds " + "`AWSDynamoDB/<exportId>/`).");
        key(
                "export.bucket-owner",
                "",
                optional(matching(ACCOUNT, "a 12-digit AWS account id")),
                "The account owning `export.bucket` when it is not the table's (S3BucketOwner): see "
                        + "\"Pointing it at real AWS\".");
        key(
                "export.sse-algorithm",
                "",
                optional(choice("AES256", "KMS")),
                "`AES256` or `KMS` (S3SseAlgorithm); empty: the bucket's default encryption.");
        key("export.kms-key-id", "", optional(text()), "The KMS key for `KMS` (S3SseKmsKeyId).");
        key(
                "export.type",
                "FULL",
                choice("FULL", "INCREMENTAL"),
                "What the schedule starts: `FULL` (a new snapshot) or `INCREMENTAL` (the changes since "
                        + "the last landed export, as deltas; a full export comes first when none has landed).");
        key("export.schedule-enabled", "true", bool(), "Run the schedule (route `ddb-export-schedule`).");
        key(
                "export.interval",
                "24h",
                duration(true),
                "Time between scheduled exports, counted from the last export recorded (its export time "
                        + "when it landed, its request when it failed) and checked every `export.check-interval`: "
                        + "replicas that restart more often than this still export on schedule, and replicas that "
                        + "look at once ask for the same export.");
        key(
                "export.cron",
                "",
                optional(cron()),
                "Instead of `export.interval`: a Quartz cron expression in UTC (seconds minutes hours "
                        + "day-of-month month day-of-week), for example `0 0 2 * * ?` for 02:00 every day.");
        key(
                "export.on-start",
                "true",
                bool(),
                "At start, export at once when the lake has no published snapshot (route " + "`ddb-export-on-start`).");
        key("export.on-start-delay", "2s", duration(false), "How long after start that check runs.");
        key(
                "export.check-interval",
                "30s",
                duration(true),
                "How often DescribeExport is polled for exports DynamoDB is still writing (route "
                        + "`ddb-export-watch`), and how often the interval schedule looks whether an export is due.");
        key(
                "export.min-incremental-window",
                "15m",
                duration(true),
                "The shortest incremental export DynamoDB accepts; a schedule tick closer than that to "
                        + "the last export starts none.");
        key(
                "export.max-incremental-window",
                "24h",
                duration(true),
                "The longest; a longer gap is caught up by successive exports.");
        key(
                "export.stale-after",
                "24h",
                duration(true),
                "An export still in flight after this is marked FAILED, so the next one can start.");
        key(
                "export.queue",
                "dynamo-lake-export-files",
                matching(QUEUE, "an SQS queue name (1-80 of letters, digits, _ -)"),
                "The SQS work queue with one message per export data file (its dead-letter queue: the "
                        + "same name with `-dlq`).");
        key(
                "export.queue-max-attempts",
                "20",
                integer(1, 1000),
                "SendMessageBatch calls before tasks SQS keeps refusing fail the step (which is then " + "retried).");
        key(
                "export.concurrency",
                "2",
                integer(1, 64),
                "Data files this replica works on at once (route `ddb-export-to-lake`).");
        key(
                "export.visibility-timeout",
                "120",
                integer(0, 43_200),
                "Seconds a taken message stays hidden; extended while the file is worked on, so only a "
                        + "crashed worker's file returns to the queue, after this long.");
        key(
                "export.work-dir",
                "{{sys:java.io.tmpdir}}/dynamo-lake",
                text(),
                "Where a Parquet part is written before its upload.");
        key(
                "snapshot.keep",
                "2",
                integer(1, 1000),
                "Published snapshots kept; older ones are deleted once a newer one is published, never " + "before.");
        key(
                "glue.database",
                "",
                optional(matching(
                        Pattern.compile("[a-z0-9_]{1,255}"), "a Glue database name (lowercase letters, digits, _)")),
                "Register the deltas as the plain Glue table `<table>_deltas` (JSON Lines, OpenX SerDe) "
                        + "in this Glue database on start, for Athena's queries of a key's history; "
                        + "`views.engine=athena` keeps its working tables here too (`<table>_view_base`, "
                        + "`<table>_view_tombstones_out`, `<table>_deltas_overflow`; a full run's staging Iceberg "
                        + "table `<table>_current_build` is in `lake.catalog.namespace` while it runs). The "
                        + "snapshot and the current view are the Iceberg tables of `lake.catalog.*`, not registered "
                        + "here (earlier releases registered plain tables `<table>_snapshot` and `<table>_current` "
                        + "over the folders; they are no longer moved, drop them). The local profile creates the "
                        + "database in the emulator's Glue catalog. Empty: the lake's `_catalog/` only.");
        key(
                "lake.catalog.type",
                "glue",
                choice("glue", "rest"),
                "The Apache Iceberg catalog each published snapshot is committed to as the table "
                        + "`<lake.catalog.namespace>.<table>_snapshot` (see \"Snapshots as an Iceberg table\"): "
                        + "`glue` (the Glue Data Catalog; in the local profile the local stack's, kept in "
                        + "`data/.glue-catalog.json` beside the buckets, so it survives a restart with them), "
                        + "`rest` (an Iceberg REST catalog that lets a table's data lie in the lake bucket, with "
                        + "`lake.catalog.uri` and `lake.catalog.warehouse`; `routes.IcebergRestCatalogTest` runs "
                        + "the application against Iceberg's own REST handlers (`CatalogHandlers`, served by the "
                        + "test) and reads both tables back with Iceberg's REST client; not S3 Tables, which keeps "
                        + "a table's data in its own table bucket while the lake's tables name the Parquet parts "
                        + "where they lie) ). The current view is committed to "
                        + "`<lake.catalog.namespace>.<table>_current` the same way. A commit is what publishes a "
                        + "snapshot or a view version: there are no pointer files (`none`, which published by "
                        + "pointer files only, is gone).");
        key(
                "lake.catalog.namespace",
                "dynamo_lake",
                matching(Pattern.compile("[a-z0-9_]{1,255}"), "a namespace (lowercase letters, digits, _)"),
                "The catalog namespace (Glue database) of the Iceberg tables; created when missing. With "
                        + "`lake.catalog.type=glue` it must differ from `glue.database`, which holds plain tables "
                        + "(earlier releases registered `<table>_snapshot` and `<table>_current` there under the "
                        + "same names; startup stops saying so).");
        key("lake.catalog.uri", "", optional(text()), "The REST catalog's URI, for `lake.catalog.type=rest`.");
        key("lake.catalog.warehouse", "", optional(text()), "The catalog's warehouse; empty: `s3://<lake.bucket>/`.");
        key(
                "lake.catalog.properties",
                "",
                optional(text()),
                "More Iceberg catalog properties, `key=value,key=value`, for example "
                        + "`rest.sigv4-enabled=true,rest.signing-name=glue,rest.signing-region=us-east-1` for "
                        + "Glue's Iceberg REST endpoint. Iceberg reaches S3 and Glue through the application's own "
                        + "clients (same endpoints, role and retries); a REST catalog's request signing uses "
                        + "Iceberg's own credentials settings.");
        key("views.compaction-enabled", "true", bool(), "Run the compaction schedule (route `ddb-view-compaction`).");
        key(
                "views.compaction-interval",
                "1h",
                duration(true),
                "Time between compaction runs; each brings the current view up to date, rewriting only "
                        + "the parts with changed keys.");
        key("views.compaction-delay", "1m", duration(false), "How long after start the first run comes.");
        key(
                "views.buckets",
                "16",
                integer(1, 4096),
                "Parts of the current view: a key's part is Iceberg's bucket transform of `_key`, and "
                        + "`<table>_current` is partitioned by `bucket(views.buckets, _key)`. Changing it evolves "
                        + "the partition spec and rebuilds the view on the next run.");
        key(
                "views.keep",
                "2",
                integer(1, 1000),
                "Versions of the current view kept for time travel: the commits of the Iceberg table "
                        + "`<table>_current` older than the `views.keep`-th newest version's commit expire (an "
                        + "engine's own commits under a version's, as Athena's MERGE INTO, do not count), and the "
                        + "files only they read are deleted, but for the parts a kept version still names.");
        key(
                "views.replay-margin",
                "15m",
                duration(false),
                "Deltas are replayed from this long before the snapshot's export time, for clocks that "
                        + "differ. A change the snapshot already holds changes nothing (it carries the full new "
                        + "image).");
        key(
                "views.late-window",
                "25h",
                duration(false),
                "How long the current view names the delta objects it applied: those last modified within "
                        + "this of its latest listing (S3 stamps an upload with its start, and clocks differ); "
                        + "every listing since has seen the older ones. Each run lists the objects since the "
                        + "snapshot's floor and applies the ones not applied yet, whatever hour folder they landed "
                        + "in and however late. The view as of T reads the hour folders up to T plus the stream's "
                        + "24 hours plus this.");
        key(
                "views.as-of-lag",
                "15m",
                duration(false),
                "The view as of T can be built for T up to now less this (Firehose buffers up to 900 s). "
                        + "A delivery later than that is in the current view, and in a view as of T built after it "
                        + "landed.");
        key(
                "views.memory-limit",
                "1GB",
                matching(SIZE, "a size such as 512MB or 4GB"),
                "The embedded DuckDB's memory limit; beyond it the merge spills to `views.work-dir`.");
        key(
                "views.threads",
                "2",
                integer(1, 1024),
                "The embedded engine's threads: DuckDB's, and how many delta objects are read and how "
                        + "many buckets' winning changes are written side by side.");
        key(
                "views.max-patches",
                "16",
                integer(0, 1000),
                "An incremental run patches a changed bucket (its winning changes in a new part, the rows "
                        + "they replace in an Iceberg position delete file; see \"How an incremental run patches a "
                        + "bucket\"); a bucket that took this many patches since it was last written anew is "
                        + "rewritten instead, its delete files gone. `0` rewrites every changed bucket on every "
                        + "run.");
        key(
                "views.max-deleted-percent",
                "30",
                integer(0, 100),
                "A bucket whose delete files would remove more than this percentage of its parts' rows is "
                        + "rewritten instead of patched (Iceberg's own `rewrite_data_files` uses 30% as its delete "
                        + "ratio).");
        key(
                "views.work-dir",
                "{{sys:java.io.tmpdir}}/dynamo-lake-views",
                text(),
                "DuckDB's database, its spill files and the parts being written, during a run; emptied "
                        + "after, but for `parts-<table>/`: what the next incremental run reads of the published "
                        + "version (each part's `_key` and `_seq` columns, its delete and tombstone files), kept so "
                        + "that it fetches none of it again. About the size of those columns, a fraction of the "
                        + "view (which a full build writes here whole); safe to delete at any time.");
        key(
                "views.lease-duration",
                "1m",
                duration(true),
                "One replica builds the views at a time: a run holds the lease "
                        + "`<checkpoint.group>\\|lease\\|views\\|<table>` in the checkpoint table, renewed every "
                        + "third of this while it lasts; a replica that dies while building holds it this long. A "
                        + "run that finds it held is skipped and logged.");
        key(
                "views.engine",
                "duckdb",
                choice("duckdb", "athena"),
                "`duckdb`: the embedded engine builds the views on this machine. `athena`: the same merge "
                        + "runs as SQL on Athena over the Glue tables of `glue.database` (which it needs, with "
                        + "`lake.catalog.type=glue`): a full run by INSERT INTO a staged Iceberg table, an "
                        + "incremental one by MERGE INTO `<table>_current`; see \"Views on Athena\".");
        key(
                "views.deltas",
                "stream",
                choice("stream", "export"),
                "Where the views take the changes from: `stream` (`deltas/` and `deltas-overflow/`, the "
                        + "stream's) or `export` (`deltas-export/`, the incremental exports', for a table kept "
                        + "current by `export.type=INCREMENTAL` rather than a stream). One kind per view: stream "
                        + "sequence numbers and export write times cannot be compared.");
        key("views.athena.workgroup", "primary", text(), "The Athena workgroup the merge's statements run in.");
        key(
                "views.athena.output-location",
                "",
                optional(matching(S3_URI, "an s3:// folder such as s3://bucket/athena/")),
                "Where Athena writes the statements' result files; empty: "
                        + "`s3://<lake.bucket>/<lake.prefix>_athena-results/`.");
        key(
                "views.athena.query-timeout",
                "30m",
                duration(true),
                "How long one statement may run; one still running then is stopped, and the run fails "
                        + "(the published view stays).");
        key("views.athena.poll-interval", "2s", duration(true), "How often a running statement's state is read.");
        key(
                "observe.jolokia.allow-control",
                "false",
                bool(),
                "`false`: Jolokia answers reads only (routes, statistics, diagrams, shards, exports). "
                        + "`true`: also a route's start, stop, suspend and resume and the project's operations "
                        + "(start an export, compact now), nothing else; needs credentials "
                        + "(`observe.jolokia.token-file` or Camel's basic authentication), or startup stops saying "
                        + "so.");
        key(
                "observe.jolokia.token-file",
                "",
                optional(tokenFile()),
                "A file holding a bearer token (16 characters or more, read at start): every Jolokia "
                        + "request must then carry `Authorization: Bearer <token>`. For a Kubernetes Secret mounted "
                        + "as a file. Not together with `camel.management.authentication-enabled`.");
        key(
                "observe.readiness-recheck",
                "30s",
                duration(true),
                "Readiness calls each dependency at most once per this (and at every probe while one " + "fails).");
        key(
                "observe.freshness-refresh",
                "1m",
                duration(true),
                "How often what the two Iceberg tables publish is read for the snapshot and view age " + "gauges.");
        key(
                "cluster.leader-election",
                "auto",
                choice("auto", "kubernetes", "checkpoint-table"),
                "With `camel.component.ddbstream.mode=single`, which replica reads the stream: `kubernetes` (a "
                        + "coordination.k8s.io Lease `<resource-name>-stream`, Camel's master component), "
                        + "`checkpoint-table` (the stream consumer's lease in the checkpoint table) or `auto` "
                        + "(kubernetes inside a pod, where `KUBERNETES_SERVICE_HOST` is set).");
        key(
                "cluster.kubernetes.resource-name",
                "dynamo-lake",
                matching(K8S_NAME, "a Kubernetes name (lowercase letters, digits, -)"),
                "The Lease is `<this>-stream`.");
        key(
                "cluster.kubernetes.namespace",
                "",
                optional(matching(K8S_NAME, "a Kubernetes namespace")),
                "The Lease's namespace; empty: the pod's own.");
        key(
                "cluster.kubernetes.pod-labels",
                "app.kubernetes.io/name=dynamo-lake",
                matching(LABELS, "name=value pairs separated by commas"),
                "The replicas' pods: the candidates for the Lease.");
        key(
                "cluster.kubernetes.master-url",
                "",
                optional(matching(URL, "an http or https URL")),
                "The Kubernetes API server; empty: the in-cluster one (the pod's service account).");
        key(
                "cluster.kubernetes.pod-name",
                "",
                optional(matching(K8S_NAME, "a pod name")),
                "This replica's identity in the Lease; empty: the pod's name (`HOSTNAME`).");
        key(
                "local.stack.embedded",
                "true",
                bool(),
                "`true`: start the local stack in this JVM; `false`: use one already running on the ports "
                        + "below (see \"The local stack alone\").");
        key(
                "local.host",
                stack("local.host"),
                matching(HOST, "a host name or address"),
                "The address the local stack listens on.");
        key("local.data-dir", stack("local.data-dir"), text(), "Where S3Proxy keeps buckets, one folder each.");
        key(
                "local.region",
                stack("local.region"),
                matching(REGION, "an AWS region such as us-east-1"),
                "The region the emulator names in ARNs.");
        key(
                "local.emulator.port",
                stack("local.emulator.port"),
                integer(0, 65_535),
                "DynamoDB, DynamoDB Streams, exports and Firehose. `0` picks a free port.");
        key("local.s3.port", stack("local.s3.port"), integer(0, 65_535), "S3Proxy. `0` picks a free port.");
        key("local.sqs.port", stack("local.sqs.port"), integer(0, 65_535), "ElasticMQ. `0` picks a free port.");
        key(
                "local.stream.rollover-records",
                stack("local.stream.rollover-records"),
                integer(1, Integer.MAX_VALUE),
                "A stream shard closes after this many records (`0`: never by count). AWS rolls over "
                        + "about every 4 hours.");
        key(
                "local.stream.rollover-age",
                stack("local.stream.rollover-age"),
                duration(true),
                "A stream shard closes this long after it opened (`0`: never by age).");
        key(
                "local.stream.split-on-rollover",
                stack("local.stream.split-on-rollover"),
                bool(),
                "A closing shard gets two children instead of one, up to `local.stream.max-open-shards`.");
        key(
                "local.stream.max-open-shards",
                stack("local.stream.max-open-shards"),
                integer(1, 1000),
                "The most shards open at once when splitting.");
        key(
                "local.stream.retention",
                stack("local.stream.retention"),
                duration(true),
                "Stream records older than this are trimmed, as in AWS.");
        key(
                "local.stream.iterator-ttl",
                stack("local.stream.iterator-ttl"),
                duration(true),
                "Shard iterators expire this long after they were issued, as in AWS.");
        key(
                "local.export.items-per-file",
                stack("local.export.items-per-file"),
                integer(1, Integer.MAX_VALUE),
                "Items per export data file.");
        key(
                "local.export.min-incremental-window",
                stack("local.export.min-incremental-window"),
                duration(true),
                "The shortest incremental export window (AWS: 15 minutes).");
        key(
                "local.export.checksum-suffix",
                stack("local.export.checksum-suffix"),
                text(),
                "The suffix of the manifests' checksum files: `.md5` or `.checksum` (AWS's documentation "
                        + "uses both).");
        key(
                "local.ttl.sweep-interval",
                stack("local.ttl.sweep-interval"),
                duration(true),
                "How often time to live deletes expired items (AWS: within days).");
        key(
                "local.firehose.buffer-seconds",
                "10",
                integer(0, 900),
                "The buffering interval of the local delivery stream (AWS: 0–900).");
        key(
                "local.firehose.buffer-mb",
                "5",
                integer(1, 128),
                "The buffering size of the local delivery stream (AWS: 1–128).");
        key(
                "local.athena.trino-url",
                "",
                optional(matching(HTTP_URL, "a Trino coordinator's http:// address")),
                "The Trino coordinator (`http://host:port`) the emulator's Athena runs statements on, its "
                        + "Hive catalog `awsdatacatalog` reading the emulator's Glue and S3Proxy (see \"Views on "
                        + "Athena\"); empty: Athena refuses queries, saying so.");
        key("local.demo.enabled", "true", bool(), "Create, seed and change the demo table.");
        key("local.demo.items", "10000", integer(0, 10_000_000), "Orders seeded into a new demo table.");
        key("local.demo.large-items", "3", integer(0, 1000), "How many of them are close to DynamoDB's 400 KB limit.");
        key("local.demo.changes-per-second", "10", integer(0, 100_000), "Changes made to the demo table each second.");
        key(
                "local.demo.ttl-seconds",
                "30",
                integer(1, 86_400),
                "Orders written to expire do so within this many seconds.");
        key(
                "local.demo.seed",
                "42",
                integer(Integer.MIN_VALUE, Integer.MAX_VALUE),
                "The random seed: the same seed gives the same demo data.");
    }

    private ConfigKeys() {}

    /** Every key, in the order above. */
    public static Set<String> keys() {
        return SETTINGS.keySet();
    }

    /** Every setting, in the order above. */
    public static Collection<Setting> settings() {
        return SETTINGS.values();
    }

    /** The defaults, as the properties component's initial properties: every file and override comes first. */
    public static Properties defaults() {
        Properties defaults = new Properties();
        SETTINGS.values().forEach(s -> defaults.setProperty(s.key(), s.defaultValue()));
        return defaults;
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
        Setting setting = SETTINGS.get(key);
        return setting == null ? null : setting.rule();
    }

    /** True for a key under one of the project's prefixes. */
    public static boolean isProjects(String key) {
        return PREFIXES.stream().anyMatch(key::startsWith);
    }

    /** A setting of the local stack's: its default is the one the stack declares. */
    private static String stack(String key) {
        return LocalStackProperties.DEFAULTS.get(key);
    }

    private static void key(String key, String defaultValue, Rule rule, String description) {
        SETTINGS.put(key, new Setting(key, defaultValue, rule, description));
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

    /** A size ({@link #parseSize}) of at least {@code min} bytes. */
    private static Rule size(long min) {
        String expected = "a size such as 512MB or 4GB, at least " + min + " bytes";
        return new Rule(expected, v -> {
            try {
                return parseSize(v) >= min ? null : expected;
            } catch (IllegalArgumentException e) {
                return expected;
            }
        });
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
