package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.DemoOrders.key;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoTable;
import export.ExportManifest;
import export.ExportProgress;
import export.ExportTask;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import lake.IcebergSnapshotTable;
import localaws.export.ExportSettings;
import org.apache.camel.main.Main;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import testsupport.Apps;
import testsupport.DemoOrders;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.SnapshotReader;

/**
 * Snapshots as they run in the application: a full export of 50,000 demo orders over ten data files lands as one
 * published snapshot that DuckDB reads back as exactly the table; redelivered file messages change nothing; a
 * corrupted line is dead-lettered; a checksum mismatch blocks publishing; a failed export is reported with AWS's code
 * and message; an incremental export lands as deltas.
 * One stack and one application; the first export is published before the tests, and each test holds whatever it
 * reads against what was published when it began, so they run in any order. The corrupted export publishes a
 * snapshot of its own table, beside the first.
 */
class SnapshotTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(
            s -> s.withExports(new ExportSettings(5_000, Duration.ofSeconds(1), Duration.ofHours(24), ".checksum")));

    private static final String TABLE = "orders";
    private static final int ITEMS = 50_000;
    private static final String BUCKET = "dynamo-lake";
    private static final String PREFIX = "tables/" + TABLE + "/";

    @TempDir
    static Path downloads;

    private static DemoTable demo;
    private static Main app;
    private static Lake lake;
    private static String firstSnapshot;
    private static ExportManifest firstManifest;
    private static JsonNode firstPointer;

    @BeforeAll
    static void start() throws Exception {
        demo = new DemoTable(aws.dynamoDb(), TABLE, 7, 3600);
        demo.create();
        demo.seed(ITEMS, 0);
        app = Apps.against(
                aws,
                TABLE,
                Map.of("export.min-incremental-window", "1s", "export.visibility-timeout", "30", "snapshot.keep", "1"));
        app.start();
        lake = Apps.lake(aws, TABLE);

        // The first export, started as an operator would (JMX), every file's message delivered two more times, as SQS
        // may: the snapshot must not change.
        String id = invokeJmx("startFullExportNow");
        assertThat(id).startsWith("started export ");
        firstSnapshot = id.substring("started export ".length());
        firstManifest = awaitExportWritten(TABLE, firstSnapshot);
        List<ExportTask> discover = tasks(firstSnapshot, firstManifest, ExportTask.Step.DISCOVER);
        sendAll(discover);
        sendAll(discover);
        firstPointer = awaitPublished(lake, firstSnapshot);
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    // ---- the tests -----------------------------------------------------------------------------------------------

    @Test
    void aFullExportLandsAsOnePublishedSnapshotThatReadsBackAsTheTable() throws Exception {
        String exportId = firstSnapshot;
        ExportManifest manifest = firstManifest;
        assertThat(manifest.files()).hasSize(ITEMS / 5_000);
        JsonNode pointer = firstPointer;
        assertThat(pointer.path("itemCount").asLong()).isEqualTo(ITEMS);

        // The route shows the export's steps with their counts, as Hawtio does: every file discovered and converted,
        // the schema written and the snapshot published by the steps the last file started.
        var managed = app.getCamelContext()
                .getCamelContextExtension()
                .getContextPlugin(org.apache.camel.api.management.ManagedCamelContext.class);
        int files = manifest.files().size();
        // The last step's exchange completes just after the publish it made visible.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String step : List.of("discover", "convert")) {
                assertThat(managed.getManagedProcessor(step).getExchangesCompleted())
                        .as("the files through the step %s", step)
                        .isGreaterThanOrEqualTo(files);
            }
            for (String step : List.of("schema-and-convert-tasks", "publish-snapshot")) {
                assertThat(managed.getManagedProcessor(step).getExchangesCompleted())
                        .as("the exports through the step %s", step)
                        .isPositive();
            }
        });
        assertThat(managed.getManagedProcessor("land-deltas").getExchangesTotal())
                .as("a full export lands no deltas")
                .isZero();
        assertThat(pointer.path("parts")).hasSize(manifest.files().size());
        assertThat(lake.keys("snapshots/" + exportId + "/data/"))
                .hasSize(manifest.files().size());

        // The same snapshot is the Iceberg table orders_snapshot, read by name from the catalog: one commit that
        // names the export and reads exactly the published parts.
        Table iceberg = IcebergTables.load(aws, "orders_snapshot");
        assertThat(iceberg.currentSnapshot().summary())
                .containsEntry(IcebergSnapshotTable.EXPORT_ID, exportId)
                .containsEntry("total-records", Integer.toString(ITEMS));
        assertThat(IcebergTables.dataFiles(iceberg)).isEqualTo(partUris(pointer));

        Map<String, JsonNode> table = scan(aws.dynamoDb(), TABLE);
        Map<String, JsonNode> snapshot = SnapshotReader.items(lake, exportId, downloads, DemoOrders::key);
        assertThat(snapshot).hasSize(ITEMS);
        assertThat(snapshot).isEqualTo(table);

        // Typed columns, numbers to the last digit, for the orders with the rare exact attributes.
        try (Connection db = SnapshotReader.open(lake, exportId, downloads);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT customerId, orderId, CAST(total AS VARCHAR),"
                        + " CAST(exactAmount AS VARCHAR), status, gift, ref, _export_id FROM snapshot"
                        + " WHERE exactAmount IS NOT NULL ORDER BY orderId")) {
            int rows = 0;
            while (rs.next()) {
                rows++;
                JsonNode item = table.get(rs.getString(1) + "|" + rs.getLong(2));
                assertThat(item).isNotNull();
                assertThat(new BigDecimal(rs.getString(3)))
                        .isEqualByComparingTo(item.get("total").decimalValue());
                assertThat(rs.getString(4)).isEqualTo("12345678901234567890123456789012345678");
                assertThat(rs.getString(5)).isEqualTo(item.get("status").asText());
                assertThat(rs.getBoolean(6)).isEqualTo(item.get("gift").asBoolean());
                assertThat(rs.getString(7)).isEqualTo(item.get("ref").asText());
                assertThat(rs.getString(8)).isEqualTo(exportId);
            }
            assertThat(rows).isEqualTo((ITEMS + 16) / 17);
        }

        // The catalog describes the snapshot; the DDL names its columns.
        String ddl = lake.text("_catalog/snapshot.sql");
        assertThat(ddl)
                .contains("CREATE EXTERNAL TABLE IF NOT EXISTS `orders_snapshot`")
                .contains("`total` decimal(38,2)")
                .contains("`exactAmount` decimal(38,0)")
                .contains("s3://" + BUCKET + "/" + PREFIX + "snapshots/" + exportId + "/data/");
    }

    @Test
    void redeliveringFileMessagesAfterPublishingChangesNothing() throws Exception {
        long commit =
                IcebergTables.load(aws, "orders_snapshot").currentSnapshot().snapshotId();
        Map<String, String> etags = etags("snapshots/" + firstSnapshot + "/");
        String pointer = lake.snapshot().toString();
        sendAll(tasks(firstSnapshot, firstManifest, ExportTask.Step.CONVERT));
        sendAll(tasks(firstSnapshot, firstManifest, ExportTask.Step.DISCOVER));
        awaitQueueEmpty();
        assertThat(etags("snapshots/" + firstSnapshot + "/")).isEqualTo(etags);
        assertThat(lake.snapshot().toString()).isEqualTo(pointer);
        assertThat(IcebergTables.load(aws, "orders_snapshot").currentSnapshot().snapshotId())
                .as("a publish repeated by redelivery commits nothing")
                .isEqualTo(commit);
    }

    @Test
    void aCorruptedLineIsDeadLetteredAndTheRestPublished() throws Exception {
        // A table of its own, so that the snapshot it publishes replaces no other test's.
        String table = "corrupt";
        int items = 10_000;
        new DemoTable(aws.dynamoDb(), table, 11, 3600).create();
        new DemoTable(aws.dynamoDb(), table, 11, 3600).seed(items, 0);
        Main other = Apps.against(
                aws,
                table,
                Map.of(
                        "export.queue",
                        table + "-export-files",
                        "export.visibility-timeout",
                        "30",
                        "snapshot.keep",
                        "1"));
        other.start();
        try {
            Lake otherLake = Apps.lake(aws, table);
            String previous = requestFull(other);
            awaitPublished(otherLake, previous);

            aws.stack().emulator().faults().tamperNextExport(7, false);
            String exportId = requestFull(other);
            JsonNode pointer = awaitPublished(otherLake, exportId);
            assertThat(pointer.path("itemCount").asLong()).isEqualTo(items - 1);

            List<String> dead = otherLake.keys("dead-letters/export/" + exportId + "/");
            assertThat(dead).hasSize(1);
            List<JsonNode> letters = otherLake.lines(dead.get(0));
            assertThat(letters).hasSize(1);
            JsonNode letter = letters.get(0);
            ExportManifest manifest = awaitExportWritten(table, exportId);
            assertThat(letter.path("exportId").asText()).isEqualTo(exportId);
            assertThat(letter.path("file").asText())
                    .isEqualTo("s3://" + manifest.bucket() + "/"
                            + manifest.files().get(0).key());
            assertThat(letter.path("line").asInt()).isEqualTo(7);
            assertThat(letter.path("raw").asText()).isEqualTo("{\"Item\":{\"pk\":{\"S\":\"cut off");
            assertThat(letter.path("reason").asText()).contains("not JSON");

            // One snapshot is kept (snapshot.keep = 1): the previous one is deleted once this one is published (just
            // after its pointer, which the wait above saw).
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> otherLake.keys("snapshots/" + previous + "/").isEmpty());
            // In the Iceberg table, snapshot.keep = 1 is snapshot expiry: only the new export's commit is left, and it
            // reads only the new parts.
            Table iceberg = IcebergTables.load(aws, table + "_snapshot");
            assertThat(IcebergTables.exports(iceberg)).containsExactly(exportId);
            assertThat(IcebergTables.dataFiles(iceberg)).isEqualTo(partUris(pointer));
        } finally {
            other.stop();
        }
    }

    @Test
    void aChecksumMismatchBlocksPublishingAndKeepsThePreviousSnapshot() throws Exception {
        String before = lake.snapshot().path("exportId").asText();
        aws.stack().emulator().faults().tamperNextExport(0, true);
        String exportId = requestFull(app);
        ExportProgress progress =
                app.getCamelContext().getRegistry().lookupByNameAndType("exportProgress", ExportProgress.class);
        ExportProgress.Entry failed = await().atMost(Duration.ofSeconds(60))
                .until(() -> progress.get(exportId).orElseThrow(), e -> e.phase() == ExportProgress.Phase.FAILED);
        assertThat(failed.failure()).contains("does not match the manifest").contains("MD5");
        awaitQueueEmpty();
        assertThat(lake.snapshot().path("exportId").asText()).isEqualTo(before);
        assertThat(lake.keys("snapshots/" + before + "/data/")).isNotEmpty();
        assertThat(lake.keys("snapshots/" + exportId + "/data/")).isEmpty();
        assertThat(IcebergTables.exports(IcebergTables.load(aws, "orders_snapshot")))
                .containsExactly(before);
    }

    @Test
    void anExportThatFailsInDynamoDbIsReportedWithItsCodeAndMessage() {
        String before = lake.snapshot().path("exportId").asText();
        aws.stack().emulator().faults().failNextExport("S3AccessDenied", "Access Denied");
        String exportId = requestFull(app);
        ExportProgress progress =
                app.getCamelContext().getRegistry().lookupByNameAndType("exportProgress", ExportProgress.class);
        ExportProgress.Entry failed = await().atMost(Duration.ofSeconds(60))
                .until(() -> progress.get(exportId).orElseThrow(), e -> e.phase() == ExportProgress.Phase.FAILED);
        assertThat(failed.failure()).isEqualTo("DynamoDB export failed: S3AccessDenied: Access Denied");
        assertThat(lake.snapshot().path("exportId").asText()).isEqualTo(before);
    }

    @Test
    void anIncrementalExportLandsAsDeltasInWriteOrder() throws Exception {
        Map<String, JsonNode> before = scan(aws.dynamoDb(), TABLE);
        DemoOrders.awaitClockPast(Instant.now().plusMillis(1100)); // export.min-incremental-window
        demo.change(300);
        Map<String, JsonNode> after = scan(aws.dynamoDb(), TABLE);
        DemoOrders.awaitClockPast(Instant.now().plusMillis(1100)); // export.min-incremental-window
        var requester = app.getCamelContext()
                .getRegistry()
                .lookupByNameAndType("exportRequester", export.ExportRequester.class);
        String exportId = requester.request("test", Instant.now(), false).orElseThrow();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lake.keys("deltas-export/" + exportId + "/")
                        .contains(PREFIX + "deltas-export/" + exportId + "/_published.json"));

        Map<String, JsonNode> last = new HashMap<>();
        for (String key : lake.keys("deltas-export/" + exportId + "/part-")) {
            long previous = 0;
            for (JsonNode e : lake.lines(key)) {
                long seq = Long.parseLong(e.path("sequenceNumber").asText());
                assertThat(seq).as("write order in " + key).isGreaterThanOrEqualTo(previous);
                previous = seq;
                assertThat(e.path("shardId").asText()).isEqualTo("export:" + exportId);
                last.put(key(e.path("keys")), e);
            }
        }
        Set<String> changed = new java.util.HashSet<>(before.keySet());
        changed.addAll(after.keySet());
        changed.removeIf(k -> java.util.Objects.equals(before.get(k), after.get(k)));
        assertThat(changed).isNotEmpty();
        assertThat(last.keySet()).containsAll(changed);
        for (var e : last.entrySet()) {
            JsonNode envelope = e.getValue();
            if (envelope.path("action").asText().equals("REMOVE")) {
                assertThat(after).doesNotContainKey(e.getKey());
            } else {
                assertThat(envelope.path("object")).isEqualTo(after.get(e.getKey()));
                assertThat(envelope.path("action").asText())
                        .isEqualTo(before.containsKey(e.getKey()) ? "MODIFY" : "INSERT");
            }
        }
        // Deltas do not replace the snapshot.
        assertThat(lake.snapshot().path("exportId").asText()).isNotEqualTo(exportId);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static String invokeJmx(String operation) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = server.queryNames(new ObjectName("org.apache.camel:type=services,*"), null);
        ObjectName control = names.stream()
                .filter(n -> n.getKeyProperty("name").contains("ExportControl"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ExportControl in JMX among " + names));
        return (String) server.invoke(control, operation, new Object[0], new String[0]);
    }

    private static String requestFull(Main app) {
        var requester = app.getCamelContext()
                .getRegistry()
                .lookupByNameAndType("exportRequester", export.ExportRequester.class);
        return requester.request("test", Instant.now(), true).orElseThrow();
    }

    private static ExportManifest awaitExportWritten(String table, String exportId) {
        String arn = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> aws.dynamoDb().listExports(b -> b.tableArn(tableArn(table))).exportSummaries().stream()
                                .filter(s -> s.exportArn().endsWith("/" + exportId)
                                        && s.exportStatus() == ExportStatus.COMPLETED)
                                .map(s -> s.exportArn())
                                .findFirst()
                                .orElse(null),
                        a -> a != null);
        var d = aws.dynamoDb().describeExport(b -> b.exportArn(arn)).exportDescription();
        return ExportManifest.read(aws.s3(), d.s3Bucket(), d.exportManifest());
    }

    private static String tableArn(String table) {
        return aws.dynamoDb().describeTable(b -> b.tableName(table)).table().tableArn();
    }

    private static List<ExportTask> tasks(String exportId, ExportManifest manifest, ExportTask.Step step) {
        List<ExportTask> out = new ArrayList<>();
        for (int i = 0; i < manifest.files().size(); i++) {
            var f = manifest.files().get(i);
            out.add(new ExportTask(
                    exportId,
                    step,
                    manifest.bucket(),
                    f.key(),
                    i,
                    manifest.files().size(),
                    f.itemCount(),
                    f.md5()));
        }
        return out;
    }

    private static void sendAll(List<ExportTask> tasks) {
        String url = aws.sqs()
                .getQueueUrl(b -> b.queueName("dynamo-lake-export-files"))
                .queueUrl();
        for (ExportTask t : tasks) {
            aws.sqs().sendMessage(b -> b.queueUrl(url).messageBody(t.toJson()));
        }
    }

    private static void awaitQueueEmpty() {
        String url = aws.sqs()
                .getQueueUrl(b -> b.queueName("dynamo-lake-export-files"))
                .queueUrl();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var a = aws.sqs()
                            .getQueueAttributes(b -> b.queueUrl(url)
                                    .attributeNames(
                                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                            .attributes();
                    return a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                                    .equals("0")
                            && a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
                                    .equals("0");
                });
    }

    private static JsonNode awaitPublished(Lake lake, String exportId) {
        return await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(300))
                .ignoreExceptions()
                .until(() -> lake.snapshot(), p -> p.path("exportId").asText().equals(exportId));
    }

    /** The URIs of the parts a snapshot pointer names. */
    private static Set<String> partUris(JsonNode pointer) {
        Set<String> uris = new TreeSet<>();
        pointer.path("parts")
                .forEach(p -> uris.add("s3://" + BUCKET + "/" + p.path("key").asText()));
        return uris;
    }

    private static Map<String, String> etags(String folder) {
        return lake.objects(folder).stream().collect(Collectors.toMap(S3Object::key, S3Object::eTag));
    }
}
