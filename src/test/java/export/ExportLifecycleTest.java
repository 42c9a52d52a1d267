package export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import ddbstream.checkpoint.CheckpointStore;
import dynamolake.demo.DemoItems;
import dynamolake.demo.DemoTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import lake.LakeLayout;
import localaws.export.ExportSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.sqs.model.Message;
import testsupport.LocalStackExtension;

/**
 * The export flow's parts wired as the application wires them, against the local stack, driven step by step so
 * that production's interleavings happen on demand: a worker that finishes every file before the step that queued
 * them records the next phase, manifests and data files that are missing, a DescribeExport without a manifest. Each
 * export ends PUBLISHED or FAILED once, naming what is missing; nothing is retried without end.
 */
class ExportLifecycleTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(
            s -> s.withExports(new ExportSettings(40, Duration.ofSeconds(1), Duration.ofHours(24), ".md5")));

    private static final String TABLE = "lifecycle";
    private static final String LAKE = "dynamo-lake";
    private static final String EXPORTS = "dynamo-lake-exports";
    private static final String STATE = "dynamo-lake-checkpoints";

    @TempDir
    static Path work;

    private static DemoTable demo;
    private static String queueUrl;
    private static ExportProgress progress;
    private static ExportMetrics metrics;
    private static ExportRequester requester;
    private static ExportFileWorker worker;
    private static ExportWatcher watcher;
    private static final AtomicInteger fast = new AtomicInteger();
    /** Run once before the first CONVERT task is worked on (then cleared): a change made between discovery and parts. */
    private static volatile Runnable beforeConvert;

    @BeforeAll
    static void wire() {
        aws.s3().createBucket(b -> b.bucket(LAKE));
        aws.s3().createBucket(b -> b.bucket(EXPORTS));
        queueUrl = aws.sqs().createQueue(b -> b.queueName("lifecycle-tasks")).queueUrl();
        new CheckpointStore(aws.dynamoDb(), STATE).createTableIfMissing();
        demo = new DemoTable(aws.dynamoDb(), TABLE, 3, 3600);
        demo.create();
        demo.seed(100, 0);

        Clock clock = Clock.systemUTC();
        LakeLayout layout = new LakeLayout("tables/" + TABLE + "/");
        progress = new ExportProgress(aws.dynamoDb(), STATE, "g", TABLE);
        metrics = new ExportMetrics(new SimpleMeterRegistry(), TABLE, clock);
        ExportQueue sqs = new ExportQueue(aws.sqs(), () -> queueUrl, 5, 50);
        // The worker takes every task the moment it is on the queue, before the sender's next step.
        TaskQueue fastWorkers = tasks -> {
            sqs.send(tasks);
            work();
        };
        SnapshotPublisher publisher = new SnapshotPublisher(
                aws.s3(),
                LAKE,
                layout,
                progress,
                metrics,
                TABLE,
                2,
                snapshotTable(TABLE, "tables/" + TABLE + "/"),
                clock);
        worker = new ExportFileWorker(
                aws.s3(),
                layout,
                progress,
                fastWorkers,
                publisher,
                metrics,
                new ExportFileWorker.Options(LAKE, TABLE, "ZSTD", 1 << 20, 100, work));
        requester = new ExportRequester(aws.dynamoDb(), progress, publisher, options("exports/"), clock);
        watcher = new ExportWatcher(aws.dynamoDb(), aws.s3(), progress, fastWorkers, metrics, worker::landEmpty);
    }

    /** The snapshot's Iceberg table {@code <name>_snapshot} of the lake under {@code prefix}, in the local Glue. */
    private static SnapshotPublisher.SnapshotTable snapshotTable(String name, String prefix) {
        return SnapshotPublisher.SnapshotTable.of(
                new lake.IcebergSnapshotTable(new lake.IcebergTable(
                        testsupport.IcebergTables.catalog(aws),
                        testsupport.IcebergTables.NAMESPACE,
                        lake.IcebergTable.sqlName(name + "_snapshot"),
                        "s3://" + LAKE + "/" + new LakeLayout(prefix).icebergTable("snapshot"))),
                2);
    }

    /** The requester's options: full exports of the table into the export bucket under {@code prefix}. */
    private static ExportRequester.Options options(String prefix) {
        return new ExportRequester.Options(
                TABLE,
                EXPORTS,
                prefix,
                null,
                null,
                null,
                ExportRequester.Type.FULL,
                Duration.ofSeconds(1),
                Duration.ofHours(24),
                Duration.ofHours(24),
                Duration.ofHours(24));
    }

    /** Takes every task on the queue and runs it, as the ddb-export-to-lake route does, until none is left. */
    private static void work() {
        while (true) {
            List<Message> messages = aws.sqs()
                    .receiveMessage(
                            b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (messages.isEmpty()) {
                return;
            }
            for (Message m : messages) {
                Runnable hook = beforeConvert;
                if (hook != null && m.body().contains("CONVERT")) {
                    beforeConvert = null;
                    hook.run();
                }
                try {
                    worker.process(m.body());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                fast.incrementAndGet();
                aws.sqs().deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** Starts an export and waits until DynamoDB has written it; returns its id. */
    private static String exported(boolean full) {
        String id = requester.request("test", Instant.now(), full).orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> description(id).exportStatus() == ExportStatus.COMPLETED);
        return id;
    }

    private static ExportDescription description(String id) {
        String arn = progress.get(id).orElseThrow().exportArn();
        return aws.dynamoDb().describeExport(b -> b.exportArn(arn)).exportDescription();
    }

    private static ExportProgress.Entry entry(String id) {
        return progress.get(id).orElseThrow();
    }

    private static String exportKey(String id, String name) {
        return "exports/AWSDynamoDB/" + id + "/" + name;
    }

    /**
     * The schedule's first slot is the day's start; a table created since cannot be exported as of then (DynamoDB:
     * InvalidExportTimeException, and the schedule waited a whole interval). The export is of the table as it is now
     * instead (the window's first moment would be a table the stream has long changed).
     */
    @Test
    void aSlotBeforeTheTablesRecoveryWindowExportsTheTableAsItIsNow() {
        var window = aws.dynamoDb()
                .describeContinuousBackups(b -> b.tableName(TABLE))
                .continuousBackupsDescription()
                .pointInTimeRecoveryDescription();
        Instant dayStart = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                window.earliestRestorableDateTime().isAfter(dayStart), "the table was created today");
        ExportProgress young = new ExportProgress(aws.dynamoDb(), STATE, "young-table", TABLE);
        ExportRequester scheduled = new ExportRequester(
                aws.dynamoDb(),
                young,
                new SnapshotPublisher(
                        aws.s3(),
                        LAKE,
                        new LakeLayout("tables/young/"),
                        young,
                        metrics,
                        TABLE,
                        2,
                        snapshotTable("young", "tables/young/"),
                        Clock.systemUTC()),
                options("young/"),
                Clock.systemUTC());
        Instant asked = Instant.now();
        String id = scheduled.request("schedule", dayStart, true).orElseThrow();
        String arn = young.get(id).orElseThrow().exportArn();
        Instant exportTime = aws.dynamoDb()
                .describeExport(b -> b.exportArn(arn))
                .exportDescription()
                .exportTime();
        assertThat(exportTime)
                .isAfterOrEqualTo(window.earliestRestorableDateTime())
                .isAfterOrEqualTo(asked.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
                .isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void filesFinishedBeforeTheirSenderRecordsTheNextPhaseStillPublishTheExport() {
        // Regression: the last file's worker found the export still EXPORTING (or DISCOVERING) and left it, and
        // nobody published it.
        String full = exported(true);
        watcher.poll();
        assertThat(fast.get()).as("the files were worked on inside the sends").isGreaterThan(0);
        assertThat(entry(full).phase()).isEqualTo(ExportProgress.Phase.PUBLISHED);

        demo.change(20);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Instant.now().isAfter(entry(full).exportTime().plusSeconds(1)));
        String incremental = exported(false);
        assertThat(entry(incremental).incremental()).isTrue();
        watcher.poll();
        ExportProgress.Entry landed = entry(incremental);
        assertThat(landed.phase()).isEqualTo(ExportProgress.Phase.PUBLISHED);
        String marker = aws.s3()
                .getObjectAsBytes(b ->
                        b.bucket(LAKE).key("tables/" + TABLE + "/deltas-export/" + incremental + "/_published.json"))
                .asUtf8String();
        assertThat(marker).contains("\"files\" : " + landed.files());
    }

    /**
     * The snapshot's table changes by hand after an export's discovery recorded the field ids its parts carry (a column
     * dropped and added again): the parts would read another column's values, so the export fails once, saying why,
     * and nothing of it is published; the table keeps the export it held.
     */
    @Test
    void anExportWhosePartsCarryFieldIdsTheTableNoLongerGivesFailsAndPublishesNothing() {
        String first = exported(true);
        watcher.poll();
        assertThat(entry(first).phase()).isEqualTo(ExportProgress.Phase.PUBLISHED);
        double before = metrics.failures();
        beforeConvert = () -> {
            org.apache.iceberg.Table t = testsupport.IcebergTables.load(aws, "lifecycle_snapshot");
            var column = t.schema().findField("_export_id");
            t.updateSchema().deleteColumn("_export_id").commit();
            t.updateSchema().addColumn("_export_id", column.type()).commit();
        };
        String second = exported(true);
        watcher.poll();
        assertThat(beforeConvert).as("the change was made").isNull();
        assertThat(entry(second).phase()).isEqualTo(ExportProgress.Phase.FAILED);
        assertThat(entry(second).failure()).contains("field ids");
        assertThat(metrics.failures()).isEqualTo(before + 1);
        assertThat(aws.s3()
                        .listObjectsV2(b ->
                                b.bucket(LAKE).prefix("tables/" + TABLE + "/snapshots/" + second + "/_published.json"))
                        .contents())
                .as("nothing says it is published")
                .isEmpty();
        assertThat(testsupport.IcebergTables.load(aws, "lifecycle_snapshot")
                        .currentSnapshot()
                        .summary())
                .doesNotContainEntry(lake.IcebergSnapshotTable.EXPORT_ID, second);
    }

    /**
     * An attribute that held numbers in one export and text in the next: the snapshot's table replaces the column (an
     * Iceberg long cannot become a string), and each commit's parts carry the id its own schema gives the column. So
     * an engine travelling back to the first commit reads its numbers, and the current commit reads the text, where
     * parts read by name would give the first commit's column no values at all.
     */
    @Test
    void aColumnWhoseTypeChangesBetweenExportsReadsRightInEachCommit() throws Exception {
        setNote(i -> AttributeValue.fromN(Long.toString(1_000_000_000_000L + i)));
        String numbers = exported(true);
        watcher.poll();
        setNote(i -> AttributeValue.fromS("note-" + i));
        String texts = exported(true);
        watcher.poll();
        assertThat(entry(numbers).phase()).isEqualTo(ExportProgress.Phase.PUBLISHED);
        assertThat(entry(texts).phase()).isEqualTo(ExportProgress.Phase.PUBLISHED);

        org.apache.iceberg.Table table = testsupport.IcebergTables.load(aws, "lifecycle_snapshot");
        org.apache.iceberg.Snapshot first = commitOf(table, numbers);
        org.apache.iceberg.Snapshot second = commitOf(table, texts);
        var then = table.schemas().get(first.schemaId()).findField("note");
        var now = table.schemas().get(second.schemaId()).findField("note");
        assertThat(then.type()).isEqualTo(org.apache.iceberg.types.Types.LongType.get());
        assertThat(now.type()).isEqualTo(org.apache.iceberg.types.Types.StringType.get());
        assertThat(now.fieldId()).as("a new column, not the old one retyped").isNotEqualTo(then.fieldId());

        assertThat(notesOf(table, first, then.fieldId()))
                .as("the first commit's notes, read by its column's id")
                .isNotEmpty()
                .allSatisfy(v -> assertThat(v).isInstanceOf(Long.class));
        assertThat(notesOf(table, second, now.fieldId()))
                .as("the second commit's notes, read by its column's id")
                .isNotEmpty()
                .allSatisfy(v -> assertThat(v).asString().startsWith("note-"));
    }

    /** Gives every item of the table the attribute {@code note}: {@code value} of its position in a Scan. */
    private static void setNote(java.util.function.IntFunction<AttributeValue> value) {
        int i = 0;
        for (var item : aws.dynamoDb().scanPaginator(b -> b.tableName(TABLE)).items()) {
            Map<String, AttributeValue> key = Map.of(
                    DemoItems.PARTITION_KEY,
                    item.get(DemoItems.PARTITION_KEY),
                    DemoItems.SORT_KEY,
                    item.get(DemoItems.SORT_KEY));
            AttributeValue v = value.apply(i++);
            aws.dynamoDb()
                    .updateItem(b -> b.tableName(TABLE)
                            .key(key)
                            .updateExpression("SET note = :v")
                            .expressionAttributeValues(Map.of(":v", v)));
        }
        assertThat(i).as("items given a note").isPositive();
        // An export holds the table as of a millisecond: one that starts now holds the last of these writes.
        Instant written = Instant.now();
        await().atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> Instant.now()
                        .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                        .isAfter(written));
    }

    private static org.apache.iceberg.Snapshot commitOf(org.apache.iceberg.Table table, String exportId) {
        for (org.apache.iceberg.Snapshot s : table.snapshots()) {
            if (exportId.equals(s.summary().get(lake.IcebergSnapshotTable.EXPORT_ID))) {
                return s;
            }
        }
        throw new AssertionError("no commit of the snapshot table holds the export " + exportId);
    }

    /**
     * The values of the column of Iceberg field id {@code fieldId} in the files the commit reads, each file's column
     * found by that id as an engine finds it, with DuckDB.
     */
    private static List<Object> notesOf(org.apache.iceberg.Table table, org.apache.iceberg.Snapshot commit, int fieldId)
            throws Exception {
        List<Object> values = new java.util.ArrayList<>();
        try (var tasks = table.newScan().useSnapshot(commit.snapshotId()).planFiles();
                java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement st = db.createStatement()) {
            for (var task : tasks) {
                String key = task.file().location().substring(("s3://" + LAKE + "/").length());
                Path file = java.nio.file.Files.createTempFile(work, "part", ".parquet");
                java.nio.file.Files.write(
                        file,
                        aws.s3().getObjectAsBytes(b -> b.bucket(LAKE).key(key)).asByteArray());
                String column = null;
                try (java.sql.ResultSet rs = st.executeQuery(
                        "SELECT name FROM parquet_schema('" + file + "') WHERE field_id = " + fieldId)) {
                    if (rs.next()) {
                        column = rs.getString(1);
                    }
                }
                assertThat(column)
                        .as("the column of field id %s in %s", fieldId, key)
                        .isEqualTo("note");
                try (java.sql.ResultSet rs =
                        st.executeQuery("SELECT note FROM read_parquet('" + file + "') WHERE note IS NOT NULL")) {
                    while (rs.next()) {
                        values.add(rs.getObject(1));
                    }
                }
            }
        }
        return values;
    }

    @Test
    void anExportWhoseManifestIsMissingFailsOnceNamingIt() {
        String id = exported(true);
        aws.s3().deleteObject(b -> b.bucket(EXPORTS).key(exportKey(id, "manifest-files.json")));
        double before = metrics.failures();
        assertThatCode(watcher::poll).doesNotThrowAnyException();
        assertThatCode(watcher::poll).as("the next poll has nothing left to do").doesNotThrowAnyException();
        assertThat(entry(id).phase()).isEqualTo(ExportProgress.Phase.FAILED);
        assertThat(entry(id).failure())
                .contains("s3://" + EXPORTS + "/" + exportKey(id, "manifest-files.json"))
                .contains("missing");
        assertThat(metrics.failures() - before).as("counted once").isEqualTo(1);
    }

    @Test
    void anExportWithoutAManifestInDescribeExportFailsOnce() {
        aws.stack().emulator().faults().completeNextExportWithoutManifest();
        String id = exported(true);
        double before = metrics.failures();
        watcher.poll();
        watcher.poll();
        assertThat(entry(id).phase()).isEqualTo(ExportProgress.Phase.FAILED);
        assertThat(entry(id).failure()).contains("names no ExportManifest");
        assertThat(metrics.failures() - before).isEqualTo(1);
    }

    @Test
    void aDataFileMissingFromTheExportFailsItOnceNamingTheFile() throws Exception {
        String id = exported(true);
        ExportManifest manifest =
                ExportManifest.read(aws.s3(), EXPORTS, description(id).exportManifest());
        String gone = manifest.files().get(1).key();
        aws.s3().deleteObject(b -> b.bucket(EXPORTS).key(gone));
        double before = metrics.failures();
        assertThatCode(watcher::poll)
                .as("the worker reports the file; its message is not thrown back to the queue")
                .doesNotThrowAnyException();
        ExportTask again = new ExportTask(
                id, ExportTask.Step.DISCOVER, EXPORTS, gone, 1, manifest.files().size(), 40, null);
        worker.process(again.toJson()); // a redelivery changes nothing
        assertThat(entry(id).phase()).isEqualTo(ExportProgress.Phase.FAILED);
        assertThat(entry(id).failure()).contains("s3://" + EXPORTS + "/" + gone).contains("missing");
        assertThat(metrics.failures() - before).isEqualTo(1);
    }
}
