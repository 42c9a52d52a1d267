package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import dynamolake.demo.DemoTable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lake.LakeLayout;
import localaws.export.ExportSettings;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import testsupport.Apps;
import testsupport.Deliveries;
import testsupport.DemoOrders;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.Ports;
import testsupport.TrinoServer;
import testsupport.ViewProbe;

/**
 * Views built by Athena ({@code views.engine=athena}), as the application runs them in the aws profile: the merge
 * goes to the local emulator's Athena through camel-aws2-athena, and runs on a Trino server (the engine Athena's
 * version 3 is built on) over the tables the application registered in the emulator's Glue catalog. The current view
 * equals a Scan item for item, with typed columns that agree with the item; an incremental run, duplicated delta
 * objects and a full rebuild give the same table; the view as of a time between two batches of changes is the table
 * as it was then; a delta line that is not an envelope goes to dead letters; the catalog's tables answer the
 * README's queries on Athena; a run whose statement fails leaves the published view, and the next run succeeds; and
 * a table kept current by incremental exports gets its view from their deltas; a statement that outlasts
 * views.athena.query-timeout is stopped. The tests build on each other, in order, on one stack, one Trino and one application.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AthenaViewIT {
    private static final int TRINO_PORT = Ports.free();

    @RegisterExtension
    static final LocalStackExtension aws =
            new LocalStackExtension(s -> s.withAthenaEngine(URI.create("http://127.0.0.1:" + TRINO_PORT))
                    .withExports(new ExportSettings(500, Duration.ofSeconds(1), Duration.ofHours(24), ".checksum")));

    private static final String TABLE = "athena-orders";

    @TempDir
    static Path dir;

    private static TrinoServer trino;
    private static DemoTable demo;
    private static Main app;
    private static Lake lake;
    private static ViewProbe probe;

    @BeforeAll
    static void start() throws Exception {
        Path jdk = TrinoServer.javaOrSkip();
        trino = TrinoServer.start(
                jdk,
                TRINO_PORT,
                aws.stack().emulatorEndpoint(),
                aws.stack().s3Endpoint(),
                Files.createDirectories(dir.resolve("trino")));
        demo = new DemoTable(aws.dynamoDb(), TABLE, 17, 1);
        demo.create();
        demo.seed(1_000, 1);
        app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "views.engine", "athena",
                        "glue.database", "lake",
                        "views.athena.poll-interval", "100ms",
                        "views.athena.query-timeout", "15s",
                        "views.as-of-lag", "2s"));
        app.start();
        lake = Apps.lake(aws, TABLE);
        probe = new ViewProbe(aws, TABLE, Files.createDirectories(dir.resolve("downloads")));
        probe.exportSnapshot(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.stop();
        }
        if (trino != null) {
            trino.close();
        }
    }

    @Test
    @Order(1)
    void athenaBuildsTheCurrentViewEqualToTheTable() throws Exception {
        demo.change(300);
        probe.reinsertDeletedKeys();
        Map<String, JsonNode> table = probe.awaitDeltasLanded();

        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 1 (full)");
        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("engine").asText()).isEqualTo("athena");
        assertThat(pointer.path("itemCount").asLong()).isEqualTo(table.size());
        assertThat(probe.view(pointer)).isEqualTo(table);
        assertThat(current()).isEqualTo(table);
        String folder = pointer.path("location").asText().substring("s3://dynamo-lake/".length());
        // Athena wrote the rows into the version's folder, a file per bucket of Iceberg's bucket transform of the
        // key, as the embedded engine does; the table is partitioned by it.
        assertThat(pointer.path("parts"))
                .isNotEmpty()
                .allMatch(p -> p.path("key")
                        .asText()
                        .matches(".*/current/00000001-[0-9a-f]{8}/data/_key_bucket="
                                + p.path("bucket").asInt() + "/[^/]+\\.parquet"));
        assertThat(athena("SELECT count(DISTINCT partition._key_bucket) FROM"
                        + " dynamo_lake.\"athena_orders_current$partitions\""))
                .containsExactly("16");
        long compared = probe.assertTypedColumnsAgreeWithItems(folder, pointer.path("schema"));
        assertThat(compared).as("typed values compared").isGreaterThan(table.size() * 5L);

        // The run's own tables are gone from glue.database, which holds the deltas' table; the current view is the
        // Iceberg table of the lake's catalog, and only that.
        assertThat(athena("SHOW TABLES"))
                .contains("athena_orders_deltas")
                .doesNotContain("athena_orders_view_out", "athena_orders_view_base", "athena_orders_current");
        assertThat(athena("SELECT count(*) FROM dynamo_lake.athena_orders_current"))
                .containsExactly(Long.toString(table.size()));
    }

    @Test
    @Order(2)
    void anIncrementalRunDuplicatedObjectsAndAFullRebuildGiveTheSameTable() throws Exception {
        update(2, "status", "RETURNED");
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 2 (incremental)");
        assertThat(current()).isEqualTo(table);
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("nothing to do");
        // Athena merged the changes into the table itself: its commit wrote files under the table's location and
        // names no version; the application's commit on top of it records version 2 and changes no rows.
        JsonNode merged = lake.currentView();
        assertThat(merged.path("inPlace").asBoolean()).isTrue();
        assertThat(lake.keys("current/")).noneMatch(k -> k.matches(".*/current/00000002-[0-9a-f]{8}/.*"));
        List<List<String>> line = athenaRows("SELECT operation, element_at(summary, 'dynamo-lake.view-version'),"
                + " element_at(summary, 'added-data-files') FROM dynamo_lake.\"athena_orders_current$snapshots\""
                + " ORDER BY committed_at DESC LIMIT 2");
        assertThat(line.get(0)).containsExactly("append", "2", null);
        assertThat(line.get(1).get(1)).as("Athena's own commit").isNull();
        assertThat(Long.parseLong(line.get(1).get(2))).as("files Athena wrote").isPositive();
        assertThat(lake.keys("iceberg/current/data/")).isNotEmpty();

        // Every delta object again, under a name that sorts first: at-least-once delivery, reordered.
        for (String key : lake.keys("deltas/")) {
            int slash = key.lastIndexOf('/');
            String copy = key.substring(0, slash + 1) + "0-replayed-" + key.substring(slash + 1);
            aws.s3()
                    .copyObject(b -> b.sourceBucket("dynamo-lake")
                            .sourceKey(key)
                            .destinationBucket("dynamo-lake")
                            .destinationKey(copy));
        }
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 3 (incremental)");
        assertThat(current()).isEqualTo(table);
        assertThat(ViewProbe.invokeJmx("rebuildNow")).startsWith("published current view 4 (full)");
        JsonNode rebuilt = lake.currentView();
        assertThat(probe.view(rebuilt)).isEqualTo(table);
        assertThat(current()).isEqualTo(table);
        assertThat(lake.keys("current/"))
                .as("views.keep = 2")
                .noneMatch(k -> k.contains("/00000001/") || k.contains("/00000002/"));
    }

    @Test
    @Order(3)
    void theViewAsOfATimeBetweenTwoChangesIsTheTableAsItWasThen() throws Exception {
        demo.change(80);
        Map<String, JsonNode> then = probe.awaitDeltasLanded();
        Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant between = second.plusMillis(500);
        DemoOrders.awaitClockPast(second.plusSeconds(1));
        demo.change(80);
        assertThat(probe.awaitDeltasLanded()).isNotEqualTo(then);
        DemoOrders.awaitClockPast(between.plusSeconds(2));

        String result = ViewProbe.invokeJmx("materializeAsOf", between.toString());
        String folder = result.substring(result.indexOf(" at s3://dynamo-lake/") + " at s3://dynamo-lake/".length());
        JsonNode view = lake.json(folder.substring(("tables/" + TABLE + "/").length()) + "_view.json");
        assertThat(view.path("engine").asText()).isEqualTo("athena");
        assertThat(view.path("itemCount").asLong()).isEqualTo(then.size());
        assertThat(probe.items(folder)).isEqualTo(then);
    }

    @Test
    @Order(4)
    void aDeltaLineThatIsNotAnEnvelopeIsDeadLetteredAndTheRestApplied() throws Exception {
        String key = LakeLayout.hourFolder("tables/" + TABLE + "/deltas/", Instant.now()) + "/damaged-object";
        List<String> lines = new ArrayList<>(probe.repairedEnvelopes(2));
        lines.add(1, "{\"action\":\"MODIFY\",\"sequenceNumber\":\"9");
        lines.add(2, "{\"action\":\"UPSERT\",\"sequenceNumber\":\"12\",\"keys\":{\"a\":1}}");
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key(key),
                        software.amazon.awssdk.core.sync.RequestBody.fromString(String.join("\n", lines) + "\n"));

        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view");
        assertThat(current()).isEqualTo(table);
        List<JsonNode> letters = new ArrayList<>();
        for (String line : lake.text("dead-letters/views/damaged-object.json").split("\n")) {
            letters.add(Lake.JSON.readTree(line));
        }
        assertThat(letters).hasSize(2).allMatch(l -> l.path("object").asText().endsWith(key));
        assertThat(letters).anyMatch(l -> l.path("reason").asText().contains("not a JSON object"));
        assertThat(letters).anyMatch(l -> l.path("action").asText().equals("UPSERT"));
        // The user's repair: the damaged object goes, its good changes are in the view already.
        aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(key));
    }

    @Test
    @Order(5)
    void theCatalogsTablesAnswerTheReadmesQueriesOnAthena() throws Exception {
        JsonNode pointer = lake.currentView();
        assertThat(athena("SELECT count(*) FROM dynamo_lake.athena_orders_current"))
                .containsExactly(pointer.path("itemCount").asText());
        JsonNode someone = lake.envelopes().get(0).path("keys");
        long history = lake.envelopes().stream()
                .filter(e -> DemoOrders.key(e.path("keys")).equals(DemoOrders.key(someone)))
                .count();
        List<String> actions = athena("SELECT action FROM athena_orders_deltas"
                + " WHERE json_extract_scalar(keys, '$.customerId') = '"
                + someone.path(DemoItems.PARTITION_KEY).asText() + "'"
                + " AND json_extract_scalar(keys, '$.orderId') = '"
                + someone.path(DemoItems.SORT_KEY).asText() + "'"
                + " ORDER BY length(sequenceNumber), sequenceNumber");
        assertThat(actions).hasSize((int) history).isNotEmpty();
    }

    @Test
    @Order(6)
    void aRunThatFailsLeavesThePublishedViewAndTheNextRunSucceeds() throws Exception {
        JsonNode published = lake.currentView();
        long next = published.path("version").asLong() + 1;
        demo.change(20);
        Map<String, JsonNode> table = probe.awaitDeltasLanded();

        aws.stack().emulator().faults().failNextAthenaQuery("CREATE TABLE", "HIVE_CANNOT_OPEN_SPLIT: worker lost");
        assertThatThrownBy(() -> ViewProbe.invokeJmx("compactNow"))
                .hasMessageContaining("FAILED")
                .hasMessageContaining("HIVE_CANNOT_OPEN_SPLIT: worker lost");
        assertThat(lake.currentView()).isEqualTo(published);

        // What a run that died while Athena wrote leaves in its folder for the next version: the next run writes a
        // folder of its own (Athena writes only into an empty one).
        String stale = String.format("tables/%s/current/%08d-deadbeef/20261126_000000_00000_dead", TABLE, next);
        aws.s3()
                .copyObject(b -> b.sourceBucket("dynamo-lake")
                        .sourceKey(lake.keys("current/").stream()
                                .filter(k -> k.endsWith(".parquet"))
                                .findFirst()
                                .orElseThrow())
                        .destinationBucket("dynamo-lake")
                        .destinationKey(stale));
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view " + next);
        assertThat(current()).isEqualTo(table);
        JsonNode rebuilt = lake.currentView();
        assertThat(lake.keys(rebuilt.path("tombstones")
                        .path("location")
                        .asText()
                        .substring(("s3://dynamo-lake/tables/" + TABLE + "/").length())))
                .isNotEmpty()
                .allMatch(k -> k.matches(".*/part-\\d{5}\\.parquet"));
    }

    @Test
    @Order(7)
    void incrementalExportsDeltasMakeTheViewOfATableWithoutItsStream() throws Exception {
        String table = "exported-athena-orders";
        DemoTable exported = new DemoTable(aws.dynamoDb(), table, 29, 3600);
        exported.create();
        exported.seed(500, 0);
        Main second = Apps.against(
                aws,
                table,
                Map.of(
                        "views.engine", "athena",
                        "views.deltas", "export",
                        "glue.database", "lake",
                        "views.athena.poll-interval", "100ms",
                        "export.min-incremental-window", "1s",
                        "export.visibility-timeout", "30",
                        // the first application takes the files of the default queue
                        "export.queue", table + "-files"));
        second.start();
        try {
            Lake secondLake = Apps.lake(aws, table);
            ViewProbe secondProbe = new ViewProbe(aws, table, Files.createDirectories(dir.resolve("exported")));
            secondProbe.exportSnapshot(second);
            DemoOrders.awaitClockPast(Instant.now().plusMillis(1100)); // export.min-incremental-window
            exported.change(200);
            Map<String, JsonNode> now = DemoOrders.scan(aws.dynamoDb(), table);
            DemoOrders.awaitClockPast(Instant.now().plusMillis(1100));
            secondProbe.exportDeltas(second);

            views.Views views =
                    second.getCamelContext().getRegistry().lookupByNameAndType("viewBuilder", views.Views.class);
            assertThat(views.compact().orElseThrow().mode()).isEqualTo("full");
            JsonNode pointer = secondLake.currentView();
            assertThat(pointer.path("engine").asText()).isEqualTo("athena");
            assertThat(secondProbe.view(pointer)).isEqualTo(now);
        } finally {
            second.stop();
        }
    }

    @Test
    @Order(8)
    void aStatementThatOutlastsTheQueryTimeoutIsStoppedAndThePublishedViewStays() throws Exception {
        JsonNode published = lake.currentView();
        demo.change(10);
        probe.awaitDeltasLanded();
        aws.stack().emulator().faults().hangNextAthenaQuery("CREATE TABLE");

        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> ViewProbe.invokeJmx("compactNow"));
        assertThat(failure).hasMessageContaining("did not end within views.athena.query-timeout; it was stopped");
        assertThat(lake.currentView()).isEqualTo(published);
        String id = failure.getMessage().replaceAll("(?s).*Athena query (\\S+) did not end.*", "$1");
        try (AthenaClient client = aws.clients().athena()) {
            assertThat(client.getQueryExecution(b -> b.queryExecutionId(id))
                            .queryExecution()
                            .status()
                            .state())
                    .as("stopped, so it writes no more into the folder the next run empties")
                    .isEqualTo(QueryExecutionState.CANCELLED);
        }
        assertThat(ViewProbe.invokeJmx("compactNow"))
                .startsWith(
                        "published current view " + (published.path("version").asLong() + 1));
    }

    @Test
    @Order(9)
    void aDeletedKeyStaysDeletedAndTheViewAsOfTHoldsChangesThatLandedHoursAfterT() throws Exception {
        Deliveries deliveries = new Deliveries(aws, TABLE);
        Map<String, AttributeValue> deleted = deliveries.existing(301);
        Map<String, AttributeValue> late =
                deliveries.existing(Long.parseLong(deleted.get("orderId").n()) + 1);
        deliveries.set(deleted, "status", "PACKED");
        deliveries.set(late, "status", "BEFORE-T");
        Map<String, JsonNode> then = probe.awaitDeltasLanded();
        Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant t = second.plusMillis(500);
        DemoOrders.awaitClockPast(second.plusSeconds(1));
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(deleted));
        deliveries.set(late, "status", "AFTER-T");
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view");
        assertThat(current()).isEqualTo(table);

        // The update before the delete, delivered again: the key stays deleted.
        deliveries.redeliver(deliveries.changesOf(deleted, "MODIFY"), LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view");
        assertThat(current())
                .doesNotContainKey(DemoOrders.key(Deliveries.plain(deleted)))
                .isEqualTo(table);

        // A change made before T that reached Firehose three hours after T still counts for T.
        for (String object : deliveries.objectsWith(late, "MODIFY", "BEFORE-T")) {
            deliveries.move(object, LakeLayout.hourFolder("deltas/", t.plus(3, ChronoUnit.HOURS)));
        }
        String result = ViewProbe.invokeJmx("materializeAsOf", t.toString());
        String folder = result.substring(result.indexOf(" at s3://dynamo-lake/") + " at s3://dynamo-lake/".length());
        assertThat(probe.items(folder)).isEqualTo(then);
    }

    @Test
    @Order(10)
    void theSnapshotIsAnIcebergTableAnIndependentEngineReadsByNameAsTheExportHeldIt() throws Exception {
        JsonNode pointer = lake.snapshot();
        String exportId = pointer.path("exportId").asText();
        Map<String, JsonNode> parts =
                probe.items(pointer.path("location").asText().substring("s3://dynamo-lake/".length()));

        // Trino's Iceberg connector reads the table through the Glue catalog by its name, as Athena does.
        String table = "dynamo_lake.athena_orders_snapshot";
        Map<String, JsonNode> read = new HashMap<>();
        int typed = 0;
        for (List<String> row : athenaRows("SELECT _item, CAST(total AS varchar), _export_id FROM " + table)) {
            JsonNode item = Lake.JSON.readTree(row.get(0));
            assertThat(read.put(DemoOrders.key(item), item)).as("a key twice").isNull();
            assertThat(row.get(2)).isEqualTo(exportId);
            if (row.get(1) != null && item.path("total").isNumber()) {
                assertThat(new java.math.BigDecimal(row.get(1)))
                        .as("the typed total of %s, to the last digit", DemoOrders.key(item))
                        .isEqualByComparingTo(item.path("total").decimalValue());
                typed++;
            }
        }
        assertThat(read).isEqualTo(parts);
        assertThat(typed).as("typed totals compared").isGreaterThan(parts.size() / 2);

        // The export time column reads as the export's time (a timestamp with time zone in Iceberg's types).
        assertThat(exportTime(table))
                .isEqualTo(Instant.parse(pointer.path("exportTime").asText()));

        // The commit says which export it published; the table's history is Iceberg's own.
        assertThat(athena(
                        "SELECT summary['dynamo-lake.export-id'] FROM dynamo_lake.\"athena_orders_snapshot$snapshots\""
                                + " ORDER BY committed_at DESC LIMIT 1"))
                .containsExactly(exportId);
    }

    @Test
    @Order(11)
    void theCurrentViewIsAnIcebergTableAnIndependentEngineReadsByNameAsPublished() throws Exception {
        JsonNode pointer = lake.currentView();
        Map<String, JsonNode> published = DemoOrders.scan(aws.dynamoDb(), TABLE);

        Map<String, JsonNode> read = new HashMap<>();
        for (List<String> row :
                athenaRows("SELECT _item, CAST(total AS varchar) FROM dynamo_lake.athena_orders_current")) {
            JsonNode item = Lake.JSON.readTree(row.get(0));
            assertThat(read.put(DemoOrders.key(item), item)).as("a key twice").isNull();
            if (row.get(1) != null && item.path("total").isNumber()) {
                assertThat(new java.math.BigDecimal(row.get(1)))
                        .as("the typed total of %s, to the last digit", DemoOrders.key(item))
                        .isEqualByComparingTo(item.path("total").decimalValue());
            }
        }
        assertThat(read).isEqualTo(published);
        assertThat(exportTime("dynamo_lake.athena_orders_current"))
                .isEqualTo(Instant.parse(pointer.path("snapshotExportTime").asText()));
        // Time travel, in Athena's and Trino's syntax: the version before reads as it was published.
        List<List<String>> commits = athenaRows("SELECT CAST(snapshot_id AS varchar),"
                + " summary['dynamo-lake.view-state'] FROM dynamo_lake.\"athena_orders_current$snapshots\""
                + " WHERE summary['dynamo-lake.view-version'] IS NOT NULL ORDER BY committed_at");
        assertThat(commits).as("views.keep versions kept").hasSize(2);
        JsonNode before =
                lake.json(commits.get(0).get(1).substring(("s3://dynamo-lake/tables/" + TABLE + "/").length()));
        assertThat(athena("SELECT count(*) FROM dynamo_lake.athena_orders_current FOR VERSION AS OF "
                        + commits.get(0).get(0)))
                .containsExactly(before.path("itemCount").asText());
        // Its newest commit is the published version, built by Athena's merge on the same snapshot.
        assertThat(athenaRows("SELECT summary['dynamo-lake.view-version'], summary['dynamo-lake.export-id'] FROM"
                        + " dynamo_lake.\"athena_orders_current$snapshots\" ORDER BY committed_at DESC LIMIT 1"))
                .containsExactly(List.of(
                        pointer.path("version").asText(),
                        pointer.path("snapshot").asText()));

        // The files Athena's merges wrote under the table's location: those a kept commit reads, and no others (the
        // earlier versions' went when their last commit expired).
        org.apache.iceberg.Table iceberg = testsupport.IcebergTables.load(aws, "athena_orders_current");
        java.util.Set<String> kept = new java.util.TreeSet<>();
        for (org.apache.iceberg.Snapshot commit : iceberg.snapshots()) {
            try (var tasks = iceberg.newScan().useSnapshot(commit.snapshotId()).planFiles()) {
                tasks.forEach(t -> {
                    kept.add(t.file().location());
                    t.deletes().forEach(d -> kept.add(d.location()));
                });
            }
        }
        String data = "s3://dynamo-lake/tables/" + TABLE + "/iceberg/current/data/";
        kept.removeIf(uri -> !uri.startsWith(data));
        assertThat(kept).as("Athena's files the kept commits read").isNotEmpty();
        assertThat(new java.util.TreeSet<>(lake.keys("iceberg/current/data/").stream()
                        .map(k -> "s3://dynamo-lake/" + k)
                        .toList()))
                .isEqualTo(kept);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** The current view as an independent engine reads it: Trino's Iceberg connector, by the table's name. */
    private static Map<String, JsonNode> current() throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        for (String text : athena("SELECT _item FROM dynamo_lake.athena_orders_current")) {
            JsonNode item = Lake.JSON.readTree(text);
            assertThat(out.put(DemoOrders.key(item), item)).as("a key twice").isNull();
        }
        return out;
    }

    /** The newest {@code _export_time} of a table, read by Trino. */
    private static Instant exportTime(String table) {
        return Instant.parse(athena("SELECT to_iso8601(max(_export_time) AT TIME ZONE 'UTC') FROM " + table)
                .get(0));
    }

    private static void update(int items, String attribute, String value) {
        for (Map<String, AttributeValue> item :
                aws.dynamoDb().scan(b -> b.tableName(TABLE).limit(items)).items()) {
            Map<String, AttributeValue> changed = new HashMap<>(item);
            changed.put(attribute, AttributeValue.fromS(value));
            aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(changed));
        }
    }

    /** The first column of a query's rows, run on the emulator's Athena in the database the app registers in. */
    private static List<String> athena(String sql) {
        return athenaRows(sql).stream().map(r -> r.get(0)).toList();
    }

    /** The rows of a query, every column as text, run on the emulator's Athena. */
    private static List<List<String>> athenaRows(String sql) {
        try (AthenaClient client = aws.clients().athena()) {
            String id = client.startQueryExecution(b -> b.queryString(sql)
                            .queryExecutionContext(c -> c.database("lake"))
                            .resultConfiguration(r -> r.outputLocation("s3://dynamo-lake/test-athena-results/")))
                    .queryExecutionId();
            QueryExecutionState state = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> client.getQueryExecution(b -> b.queryExecutionId(id))
                                    .queryExecution()
                                    .status()
                                    .state(),
                            s -> s != QueryExecutionState.QUEUED && s != QueryExecutionState.RUNNING);
            assertThat(state)
                    .as(sql + ": "
                            + client.getQueryExecution(b -> b.queryExecutionId(id))
                                    .queryExecution()
                                    .status()
                                    .stateChangeReason())
                    .isEqualTo(QueryExecutionState.SUCCEEDED);
            List<List<String>> out = new ArrayList<>();
            client.getQueryResultsPaginator(b -> b.queryExecutionId(id))
                    .forEach(page -> page.resultSet()
                            .rows()
                            .forEach(r -> out.add(
                                    r.data().stream().map(d -> d.varCharValue()).toList())));
            return sql.startsWith("SHOW") ? out : out.subList(1, out.size()); // a SELECT's first row: its header
        }
    }
}
