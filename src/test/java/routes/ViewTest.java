package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.DemoOrders.key;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lake.IcebergCurrentTable;
import lake.IcebergSnapshotTable;
import lake.IcebergTable;
import lake.LakeLayout;
import lake.SnapshotSchema;
import org.apache.camel.main.Main;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.Apps;
import testsupport.DemoOrders;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.ViewProbe;

/**
 * Views as they run in the application: after a snapshot and a stream of inserts, updates, deletes, time-to-live
 * deletes and re-inserts of the same keys, the current view equals a Scan of the table item for item; the next run
 * patches only the buckets with changed keys (new rows beside the parts, position deletes for the rows they replace); duplicated and reordered delta objects change nothing; the view as of a
 * time between two changes equals the table as it was then; a run that died leaves the published view, and the next
 * run succeeds. One stack and one application; the first view is built before the tests, and each test holds what it
 * reads against what was published when it began, so they run in any order.
 */
class ViewTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "view-orders";
    private static final int BUCKETS = 8;

    @TempDir
    static Path downloads;

    private static DemoTable demo;
    private static Main app;
    private static Lake lake;
    private static Instant between;
    private static ViewProbe probe;
    private static Map<String, JsonNode> tableBetween;

    @BeforeAll
    static void start() throws Exception {
        demo = new DemoTable(aws.dynamoDb(), TABLE, 11, 1);
        demo.create();
        demo.seed(2_000, 1);
        // Files of 32 KB: each bucket's rows roll over several files, as a table's do at lake.target-file-size.
        app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "views.buckets",
                        Integer.toString(BUCKETS),
                        "views.as-of-lag",
                        "2s",
                        "lake.target-file-size",
                        "32KB",
                        "views.max-patches",
                        "2"));
        app.start();
        lake = Apps.lake(aws, TABLE);
        probe = new ViewProbe(aws, TABLE, downloads);
        probe.exportSnapshot(app);
        // The first view, over inserts, updates, deletes and re-inserts of the same keys.
        demo.change(400);
        reinsertDeletedKeys();
        awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view 1 (full)");
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    void theCurrentViewEqualsTheTableAfterInsertsUpdatesDeletesAndReinserts() throws Exception {
        demo.change(100);
        reinsertDeletedKeys();
        Map<String, JsonNode> table = awaitDeltasLanded();

        // A full build: every bucket from the snapshot and every delta since.
        String result = invokeJmx("rebuildNow");
        assertThat(result).startsWith("published current view ").contains(" (full)");

        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("itemCount").asLong()).isEqualTo(table.size());
        assertThat(view(pointer)).isEqualTo(table);
        assertThat(buckets(pointer.path("parts"))).hasSize(BUCKETS);
        assertThat(pointer.path("parts").size()).as("files rolled at 32 KB").isGreaterThan(2 * BUCKETS);
        for (JsonNode part : pointer.path("parts")) {
            assertThat(aws.s3()
                            .headObject(b ->
                                    b.bucket("dynamo-lake").key(part.path("key").asText()))
                            .contentLength())
                    .as("the size of " + part.path("key").asText())
                    .isLessThan(400 << 10); // 32 KB of rows, compressed, or one item close to 400 KB
        }

        // Typed columns, to the last digit: total is exact in DuckDB's decimal as in the item.
        try (Connection db = open(pointer);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT _item, CAST(total AS VARCHAR), _seq FROM v")) {
            int rows = 0;
            while (rs.next()) {
                JsonNode item = Lake.JSON.readTree(rs.getString(1));
                assertThat(item.path("total").decimalValue())
                        .isEqualByComparingTo(new java.math.BigDecimal(rs.getString(2)));
                rows++;
            }
            assertThat(rows).isEqualTo(table.size());
        }
        // The snapshot's rows that won were copied with their typed columns; the changes that won were typed from
        // their JSON: every row's typed values are what its item gives.
        assertThat(probe.rowsNotTheirItems(pointer)).isZero();
        assertThat(lake.text("_catalog/current.sql"))
                .contains("CREATE EXTERNAL TABLE", pointer.path("location").asText());
        assertIcebergTableIs(pointer);
    }

    @Test
    void theNextRunPatchesOnlyTheBucketsWithChangedKeys() throws Exception {
        // From a full build, every bucket without patches. Two updates of existing attributes: at most two of the
        // eight buckets hold those keys.
        assertThat(invokeJmx("rebuildNow")).contains(" (full)");
        JsonNode pointer1 = lake.currentView();
        long v = pointer1.path("version").asLong();
        update(2, "status", "RETURNED");
        Map<String, JsonNode> table = awaitDeltasLanded();
        String result = invokeJmx("compactNow");
        assertThat(result)
                .startsWith("published current view " + (v + 1) + " (incremental)")
                .contains(" 0 buckets rewritten, ")
                .containsPattern(" [12] patched");
        JsonNode after = lake.currentView();
        assertThat(view(after)).isEqualTo(table);
        assertThat(after.path("itemCount").asLong()).isEqualTo(table.size());

        // Nothing kept is read or copied: every part of the version before is named where it lies. The new version's
        // folder holds, for each patched bucket, a part of the updated rows and a position delete file of the rows they
        // replace.
        assertThat(folderOf(after)).startsWith(String.format("current/%08d-", v + 1));
        List<String> added = partsIn(after, folderOf(after));
        List<String> kept = partsIn(after, folderOf(pointer1));
        assertThat(kept).containsExactlyInAnyOrderElementsOf(partsIn(pointer1, ""));
        assertThat(added).hasSizeBetween(1, 2);
        assertThat(added.size() + kept.size()).isEqualTo(after.path("parts").size());
        List<String> deletes = new ArrayList<>();
        long deleted = 0;
        Map<Integer, String> deletesOf = new java.util.TreeMap<>();
        for (JsonNode file : after.path("deletes")) {
            deletes.add(file.path("key").asText());
            deleted += file.path("rows").asLong();
            assertThat(deletesOf.put(
                            file.path("bucket").asInt(), file.path("key").asText()))
                    .as("one delete file a bucket")
                    .isNull();
        }
        java.util.Set<Integer> patched = deletesOf.keySet();
        assertThat(deleted).as("one row replaced a key").isEqualTo(2);
        for (JsonNode part : after.path("parts")) {
            if (added.contains(part.path("key").asText())) {
                assertThat(patched).contains(part.path("bucket").asInt());
            }
        }
        assertThat(patched).hasSize(added.size());
        List<String> written = new ArrayList<>(added);
        written.addAll(deletes);
        assertThat(lake.keys(folderOf(after))).containsExactlyInAnyOrderElementsOf(written);
        Map<String, String> commit =
                IcebergTables.load(aws, "view_orders_current").currentSnapshot().summary();
        assertThat(commit)
                .containsEntry("added-data-files", Integer.toString(added.size()))
                .containsEntry("added-position-delete-files", Integer.toString(deletes.size()))
                .containsEntry("added-position-deletes", "2")
                .doesNotContainKey("deleted-data-files");
        assertIcebergTableIs(after);
        // Iceberg's own planning applies each delete file to the part holding the row it removes, and to no other:
        // its commit records the parts it names (here one, the updated key's row) as the bounds of its file_path.
        Map<String, String> deleteOf = new java.util.HashMap<>();
        for (JsonNode file : after.path("deletes")) {
            assertThat(file.path("firstPart").asText())
                    .as("one row removed: one part named")
                    .isEqualTo(file.path("lastPart").asText());
            assertThat(kept).contains(file.path("firstPart").asText().substring("s3://dynamo-lake/".length()));
            deleteOf.put(file.path("firstPart").asText(), file.path("key").asText());
        }
        Table current = IcebergTables.load(aws, "view_orders_current");
        try (var tasks = current.newScan().planFiles()) {
            for (org.apache.iceberg.FileScanTask task : tasks) {
                String uri = task.file().location();
                assertThat(task.deletes().stream()
                                .map(d -> d.location().substring("s3://dynamo-lake/".length()))
                                .toList())
                        .as("the delete files of %s", uri)
                        .isEqualTo(deleteOf.containsKey(uri) ? List.of(deleteOf.get(uri)) : List.of());
            }
        }

        // A new attribute widens the schema: it gets a typed column, so every part is rewritten once.
        update(1, "returnReason", "changed after the first view");
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow"))
                .startsWith("published current view " + (v + 2) + " (incremental, schema widened)")
                .contains(" " + BUCKETS + " buckets rewritten");
        JsonNode widened = lake.currentView();
        assertThat(view(widened)).isEqualTo(table);
        assertThat(widened.path("deletes")).as("rewritten: no delete file left").isEmpty();
        try (Connection db = open(widened);
                Statement st = db.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM v WHERE returnReason = 'changed after the first view'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        // The kept rows were copied into the wider schema, null in the new column, as their items give.
        assertThat(probe.rowsNotTheirItems(widened)).isZero();

        // The Iceberg table evolved its schema: the new attribute is a column of its own.
        assertIcebergTableIs(widened);
        assertThat(IcebergTables.load(aws, "view_orders_current").schema().findField("returnReason"))
                .isNotNull();

        // The first of the three is past views.keep (2): its folder keeps only the parts the second, still kept, names.
        assertThat(lake.keys(folderOf(pointer1))).containsExactlyInAnyOrderElementsOf(kept);

        // With nothing new, a run publishes nothing.
        assertThat(invokeJmx("compactNow")).startsWith("nothing to do");
        assertThat(lake.currentView().path("version").asLong()).isEqualTo(v + 2);
        assertIcebergTableIs(widened);
    }

    /**
     * The Iceberg table view_orders_current, read from the catalog by name, holds the published version: its current
     * commit names the version and its snapshot, reads exactly the version's parts, and older commits are expired
     * beyond views.keep (2 by default).
     */
    private static void assertIcebergTableIs(JsonNode pointer) throws Exception {
        Table table = IcebergTables.load(aws, "view_orders_current");
        assertThat(table.currentSnapshot().summary())
                .containsEntry(
                        IcebergCurrentTable.VIEW_VERSION,
                        pointer.path("version").asText())
                .containsEntry(
                        IcebergSnapshotTable.EXPORT_ID, pointer.path("snapshot").asText())
                // Iceberg counts the parts' rows, and apart the rows position delete files remove.
                .containsEntry(
                        "total-records", Long.toString(pointer.path("itemCount").asLong() + deleted(pointer)))
                .containsEntry("total-position-deletes", Long.toString(deleted(pointer)))
                .containsEntry(
                        IcebergCurrentTable.LAST_CHANGE_TIME,
                        pointer.path("lastChangeTime").asText())
                .containsEntry(
                        IcebergCurrentTable.DELTAS_LISTED_AT,
                        pointer.path("deltas").path("listedAt").asText());
        assertThat(IcebergTables.dataFiles(table)).isEqualTo(IcebergTables.partUris(pointer));
        assertThat(table.snapshots()).hasSizeLessThanOrEqualTo(2);
        assertPartitionedByTheKeysBucket(table, pointer);
        assertPartsCarryTheTablesColumnIds(
                table,
                pointer.path("location").asText(),
                pointer.path("parts"),
                pointer.path("schema").path("columns").size());
    }

    /**
     * The published snapshot's parts carry each column's Iceberg field id as the table view_orders_snapshot has it:
     * every engine reads them by id, so a column dropped and added again with another type reads right in every commit.
     */
    @Test
    void theSnapshotsPartsCarryTheSnapshotTablesColumnIds() throws Exception {
        lake.SnapshotRecord published = app.getCamelContext()
                .getRegistry()
                .lookupByNameAndType("snapshotPublisher", export.SnapshotPublisher.class)
                .current()
                .orElseThrow();
        Table snapshot = IcebergTables.load(aws, "view_orders_snapshot");
        assertThat(snapshot.currentSnapshot().summary())
                .containsEntry(IcebergSnapshotTable.EXPORT_ID, published.exportId());
        String schemaKey = published.schema();
        JsonNode schema = Lake.JSON.readTree(aws.s3()
                .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(schemaKey))
                .asByteArray());
        assertPartsCarryTheTablesColumnIds(
                snapshot,
                published.location(),
                Lake.JSON.valueToTree(published.parts()),
                schema.path("columns").size());
    }

    /**
     * The parts this version wrote (by the project's writer or, patched, by DuckDB) carry each column's Iceberg field
     * id as the table's schema has it, so readers match columns by id, not by name.
     */
    private static void assertPartsCarryTheTablesColumnIds(Table table, String own, JsonNode parts, int columnCount)
            throws Exception {
        int checked = 0;
        for (JsonNode part : parts) {
            String key = part.path("key").asText();
            if (!("s3://dynamo-lake/" + key).startsWith(own) || checked >= 3) {
                continue; // named where an earlier version wrote it
            }
            Path file = java.nio.file.Files.createTempFile(downloads, "part", ".parquet");
            java.nio.file.Files.write(
                    file,
                    aws.s3()
                            .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(key))
                            .asByteArray());
            int columns = 0;
            try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                    Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT name, field_id FROM parquet_schema('" + file + "') WHERE num_children IS NULL")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    assertThat(rs.getObject(2))
                            .as("the field id of %s in %s", name, key)
                            .isNotNull();
                    assertThat(rs.getInt(2))
                            .as("the field id of %s in %s", name, key)
                            .isEqualTo(table.schema().findField(name).fieldId());
                    columns++;
                }
            }
            assertThat(columns).isEqualTo(columnCount);
            checked++;
        }
        assertThat(checked).as("parts this version wrote").isPositive();
    }

    /**
     * The table is partitioned by Iceberg's bucket transform of {@code _key}, each file in the partition of every
     * row it holds, so an engine looking up a key plans only the files of the key's bucket.
     */
    private static void assertPartitionedByTheKeysBucket(Table table, JsonNode pointer) throws Exception {
        int buckets = pointer.path("buckets").asInt();
        assertThat(table.spec().fields()).singleElement().satisfies(f -> {
            assertThat(f.transform()).hasToString("bucket[" + buckets + "]");
            assertThat(table.schema().findColumnName(f.sourceId())).isEqualTo("_key");
        });
        var bucketOf = org.apache.iceberg.transforms.Transforms.bucket(buckets)
                .bind(org.apache.iceberg.types.Types.StringType.get());
        java.util.Map<String, Integer> partitions = new java.util.TreeMap<>();
        try (var tasks = table.newScan().planFiles()) {
            tasks.forEach(t ->
                    partitions.put(t.file().location(), t.file().partition().get(0, Integer.class)));
        }
        String someKey = null;
        for (var e : probe.keysByPart(pointer).entrySet()) {
            int partition = partitions.get("s3://dynamo-lake/" + e.getKey());
            for (String key : e.getValue()) {
                assertThat(bucketOf.apply(key))
                        .as("the bucket of %s in %s", key, e.getKey())
                        .isEqualTo(partition);
                someKey = key;
            }
        }
        java.util.Set<Integer> planned = new java.util.TreeSet<>();
        try (var tasks = table.newScan()
                .filter(org.apache.iceberg.expressions.Expressions.equal("_key", someKey))
                .planFiles()) {
            tasks.forEach(t -> planned.add(t.file().partition().get(0, Integer.class)));
        }
        assertThat(planned).as("the files planned for one key").containsExactly(bucketOf.apply(someKey));
    }

    /** The rows a version's position delete files remove. */
    private static long deleted(JsonNode pointer) {
        long out = 0;
        for (JsonNode file : pointer.path("deletes")) {
            out += file.path("rows").asLong();
        }
        return out;
    }

    /** The bucket a version names a part of. */
    private static int bucketOf(JsonNode pointer, String key) {
        for (JsonNode part : pointer.path("parts")) {
            if (part.path("key").asText().equals(key)) {
                return part.path("bucket").asInt();
            }
        }
        throw new AssertionError("no part " + key);
    }

    private static java.util.Set<Integer> buckets(JsonNode parts) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        parts.forEach(p -> out.add(p.path("bucket").asInt()));
        return out;
    }

    /** The parts of the version a version was built on: the first list it retains. */
    private static List<String> builtOn(JsonNode pointer) {
        List<String> out = new ArrayList<>();
        pointer.path("retained").get(0).forEach(k -> {
            if (!k.asText().contains("/_tombstones/")) { // its tombstone files are kept too
                out.add(k.asText());
            }
        });
        return out;
    }

    /** The folder of a version, below the table's prefix: {@code current/00000002-1a2b3c4d/}. */
    private static String folderOf(JsonNode pointer) {
        return probe.folderOf(pointer);
    }

    /** The keys of a version's parts that lie in a folder (below the table's prefix) of the lake. */
    private static List<String> partsIn(JsonNode pointer, String folder) {
        List<String> out = new java.util.ArrayList<>();
        pointer.path("parts").forEach(p -> {
            String key = p.path("key").asText();
            if (key.startsWith("tables/" + TABLE + "/" + folder)) {
                out.add(key);
            }
        });
        return out;
    }

    private static void update(int items, String attribute, String value) {
        update(0, items, attribute, value);
    }

    /** Sets an attribute of the items a Scan meets after its first {@code skip}. */
    private static void update(int skip, int items, String attribute, String value) {
        probe.update(skip, items, attribute, value);
    }

    @Test
    void duplicatedAndReorderedDeltaObjectsChangeNothing() throws Exception {
        Map<String, JsonNode> table = scan(aws.dynamoDb(), TABLE);
        // Every delta object again, under a name that sorts before the original: at-least-once delivery, reordered.
        List<String> objects = lake.keys("deltas/");
        for (String key : objects) {
            int slash = key.lastIndexOf('/');
            String copy = key.substring(0, slash + 1) + "0-replayed-" + key.substring(slash + 1);
            aws.s3()
                    .copyObject(b -> b.sourceBucket("dynamo-lake")
                            .sourceKey(key)
                            .destinationBucket("dynamo-lake")
                            .destinationKey(copy));
        }
        assertThat(invokeJmx("compactNow"))
                .startsWith("published current view ")
                .contains(" (incremental");
        assertThat(view(lake.currentView())).isEqualTo(table);

        // A full rebuild over the originals and the copies gives the same table.
        assertThat(invokeJmx("rebuildNow"))
                .startsWith("published current view ")
                .contains(" (full)");
        assertThat(view(lake.currentView())).isEqualTo(table);
    }

    @Test
    void theViewAsOfATimeBetweenTwoChangesIsTheTableAsItWasThen() throws Exception {
        demo.change(100);
        tableBetween = awaitDeltasLanded();
        // DynamoDB Streams gives a change's time to the second: the time asked for falls inside a second with no
        // change at all, after every change of the first batch and before every change of the second.
        Instant second =
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
        between = second.plusMillis(500);
        DemoOrders.awaitClockPast(second.plusSeconds(1));
        demo.change(100);
        Map<String, JsonNode> later = awaitDeltasLanded();
        assertThat(later).isNotEqualTo(tableBetween);
        DemoOrders.awaitClockPast(between.plusSeconds(2)); // views.as-of-lag: the lake can answer for it now

        String result = invokeJmx("materializeAsOf", between.toString());
        assertThat(result).contains("as of " + between);
        String folder = result.substring(result.indexOf(" at s3://dynamo-lake/") + " at s3://dynamo-lake/".length());
        JsonNode view = Lake.JSON.readTree(aws.s3()
                .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(folder + "_view.json"))
                .asByteArray());
        assertThat(view.path("itemCount").asLong()).isEqualTo(tableBetween.size());
        assertThat(items(folder)).isEqualTo(tableBetween);

        // The view is also the Iceberg table view_orders_asof_<time>, read by name: exactly the folder's parts.
        String asOfTable = "view_orders_asof_"
                + LakeLayout.asOfStamp(between)
                        .toLowerCase(java.util.Locale.ROOT)
                        .replace('.', '_');
        Table asOf = IcebergTables.load(aws, asOfTable);
        assertThat(asOf.currentSnapshot().summary())
                .containsEntry("dynamo-lake.as-of", between.toString())
                .containsEntry("total-records", Integer.toString(tableBetween.size()));
        assertThat(IcebergTables.dataFiles(asOf))
                .isEqualTo(new java.util.TreeSet<>(
                        aws.s3().listObjectsV2(b -> b.bucket("dynamo-lake").prefix(folder)).contents().stream()
                                .map(o -> o.key())
                                .filter(k -> k.endsWith(".parquet"))
                                .map(k -> "s3://dynamo-lake/" + k)
                                .toList()));

        // Materialised again: each build writes a folder of its own, the build the new commit replaced stays for the
        // queries still reading it until the next build, and a build that died goes then too.
        String timeFolder = folder.substring(0, folder.length() - 1).replaceAll("[^/]+$", "");
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key(timeFolder + "deadbeef/part-00000.parquet"),
                        software.amazon.awssdk.core.sync.RequestBody.fromString("a build that died"));
        String last = folder;
        String previous = folder;
        for (int again = 0; again < 2; again++) {
            String r = invokeJmx("materializeAsOf", between.toString());
            previous = last;
            last = r.substring(r.indexOf(" at s3://dynamo-lake/") + " at s3://dynamo-lake/".length());
            assertThat(last).isNotEqualTo(folder);
        }
        String lastFolder = last;
        String replacedFolder = previous;
        assertThat(replacedFolder).isNotEqualTo(folder);
        Table again = IcebergTables.load(aws, asOfTable);
        assertThat(again.snapshots()).hasSize(1);
        assertThat(again.currentSnapshot().summary())
                .containsEntry(IcebergCurrentTable.VIEW_STATE, "s3://dynamo-lake/" + lastFolder + "_view.json");
        String asOfFolder = folder.substring(0, folder.length() - 1).replaceAll("[^/]+$", "");
        assertThat(aws.s3()
                        .listObjectsV2(b -> b.bucket("dynamo-lake").prefix(asOfFolder))
                        .contents())
                .as("only the published build's files and the one it replaced")
                .isNotEmpty()
                .allMatch(o -> o.key().startsWith(lastFolder) || o.key().startsWith(replacedFolder))
                .anyMatch(o -> o.key().startsWith(replacedFolder));
        for (String file : IcebergTables.dataFiles(again)) {
            String key = file.substring("s3://dynamo-lake/".length());
            assertThat(aws.s3()
                            .headObject(b -> b.bucket("dynamo-lake").key(key))
                            .contentLength())
                    .as("%s, which the table reads", file)
                    .isPositive();
        }
        assertThat(items(lastFolder)).isEqualTo(tableBetween);

        // A build that started when the table named the replaced build (it paused past its lease while the last
        // build committed and deleted the older folders) commits nothing.
        views.ViewCatalog catalog =
                app.getCamelContext().getRegistry().lookupByNameAndType("viewCatalog", views.ViewCatalog.class);
        String stale = timeFolder + "cafebabe/";
        catalog.registerAsOf(new views.ViewCatalog.AsOf(
                between,
                SnapshotSchema.fromJson(
                        lake.json(lastFolder.substring(("tables/" + TABLE + "/").length()) + "_view.json")
                                .path("schema")),
                "s3://dynamo-lake/" + stale,
                Map.of(),
                views.ViewCatalog.Buckets.NONE,
                lake.snapshot().path("exportId").asText(),
                stale + "_view.json",
                replacedFolder + "_view.json"));
        assertThat(IcebergTables.load(aws, asOfTable).currentSnapshot().summary())
                .containsEntry(IcebergCurrentTable.VIEW_STATE, "s3://dynamo-lake/" + lastFolder + "_view.json");
    }

    @Test
    void aTimeTheLakeCannotAnswerForIsAClearError() throws Exception {
        assertThatThrownBy(() -> invokeJmx("materializeAsOf", "2001-01-01T00:00:00Z"))
                .hasMessageContaining("can answer for times from")
                .hasMessageContaining("2001-01-01T00:00:00Z is before that");
        assertThatThrownBy(() -> invokeJmx(
                        "materializeAsOf", Instant.now().plusSeconds(3600).toString()))
                .hasMessageContaining("is after that");
        assertThatThrownBy(() -> invokeJmx("materializeAsOf", "yesterday"))
                .hasMessageContaining("expected an ISO-8601 instant");
    }

    @Test
    void aRunThatDiedLeavesThePublishedViewAndTheNextRunSucceeds() throws Exception {
        JsonNode published = lake.currentView();
        long next = published.path("version").asLong() + 1;
        // What a run killed while writing leaves: parts of the next version, some with rows no view should have.
        String stale = String.format("tables/%s/current/%08d-deadbeef/", TABLE, next);
        aws.s3()
                .copyObject(b -> b.sourceBucket("dynamo-lake")
                        .sourceKey(published.path("parts").get(0).path("key").asText())
                        .destinationBucket("dynamo-lake")
                        .destinationKey(stale + "part-00099.parquet"));
        assertThat(lake.currentView()).isEqualTo(published);

        demo.change(20);
        Map<String, JsonNode> table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + next);
        JsonNode after = lake.currentView();
        assertThat(view(after)).isEqualTo(table);
        assertThat(folderOf(after)).as("a folder of its own").startsWith(String.format("current/%08d-", next));
        assertThat(lake.keys(folderOf(after))).noneMatch(k -> k.endsWith("part-00099.parquet"));

        // A commit of the table that names no state (another tool's, or one of a release before the states): the
        // table holds version next + 1, whose folder holds the files it reads. The next run cannot continue it, so it
        // builds every bucket from the snapshot as version next + 2 and leaves that folder alone.
        String orphan = String.format("tables/%s/current/%08d/part-00000.parquet", TABLE, next + 1);
        aws.s3()
                .copyObject(b -> b.sourceBucket("dynamo-lake")
                        .sourceKey(after.path("parts").get(0).path("key").asText())
                        .destinationBucket("dynamo-lake")
                        .destinationKey(orphan));
        commitWithoutState(
                next + 1,
                after,
                List.of(((com.fasterxml.jackson.databind.node.ObjectNode)
                                after.path("parts").get(0).deepCopy())
                        .put("key", orphan)));
        demo.change(5);
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 2) + " (full)");
        JsonNode last = lake.currentView();
        assertThat(view(last)).isEqualTo(table);
        assertIcebergTableIs(last);
        assertThat(lake.keys(String.format("current/%08d/", next + 1)))
                .as("the folder of the version the table took, which the previous commit still reads")
                .contains(orphan);

        // The commit is the publish: it names the version's state, the next run starts from it, and no pointer file
        // is written beside it.
        assertThat(IcebergTables.load(aws, "view_orders_current")
                        .currentSnapshot()
                        .summary())
                .containsEntry(
                        IcebergCurrentTable.VIEW_STATE,
                        "s3://dynamo-lake/" + last.path("state").asText());
        demo.change(5);
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 3) + " (incremental)");
        JsonNode resumed = lake.currentView();
        assertThat(view(resumed)).isEqualTo(table);
        assertThat(builtOn(resumed))
                .as("the parts of the version it built on: the table's, next + 2")
                .containsExactlyInAnyOrderElementsOf(partsIn(last, ""));
        assertIcebergTableIs(resumed);
        assertThat(lake.keys("current/_current.json")).as("no pointer file").isEmpty();
        assertThat(lake.keys("snapshots/_current.json")).as("no pointer file").isEmpty();

        // The table rolled back to the version before (an operator's rollback_to_snapshot): the next run builds on
        // the version the table holds now, under a new number: never one the table's history holds already.
        Table rolledBack = IcebergTables.load(aws, "view_orders_current");
        rolledBack
                .manageSnapshots()
                .rollbackTo(rolledBack.currentSnapshot().parentId())
                .commit();
        assertThat(lake.currentView()).isEqualTo(last);
        demo.change(5);
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 4) + " (incremental)");
        JsonNode onRolledBack = lake.currentView();
        assertThat(view(onRolledBack)).isEqualTo(table);
        assertThat(builtOn(onRolledBack)).containsExactlyInAnyOrderElementsOf(partsIn(last, ""));
        assertIcebergTableIs(onRolledBack);
        assertThat(lake.keys("current/_state/"))
                .as("the states of the versions views.keep keeps, and of the commit the table keeps beside them")
                .containsExactlyInAnyOrder(
                        last.path("state").asText(),
                        resumed.path("state").asText(),
                        onRolledBack.path("state").asText());
        assertEveryKeptCommitReadsFilesThatExist();
        assertThat(lake.keys(stale.substring(("tables/" + TABLE + "/").length())))
                .as("the folder the killed run left, once its version expired")
                .isEmpty();

        // Rolled back once more, to the same commit (an operator's undo): it is still whole, and the next run builds
        // on it again; every commit the table keeps still reads files that exist.
        Table again = IcebergTables.load(aws, "view_orders_current");
        again.manageSnapshots().rollbackTo(again.currentSnapshot().parentId()).commit();
        assertThat(lake.currentView()).isEqualTo(last);
        demo.change(5);
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 5) + " (incremental)");
        JsonNode afterUndo = lake.currentView();
        assertThat(view(afterUndo)).isEqualTo(table);
        assertThat(builtOn(afterUndo)).containsExactlyInAnyOrderElementsOf(partsIn(last, ""));
        assertEveryKeptCommitReadsFilesThatExist();

        // Another tool commits on top (a compaction that kept every file): its commit names no state, so the next run
        // builds every bucket from the snapshot. Rolled back to that commit, every file it reads is still there,
        // though its files lie in the folders of versions past views.keep.
        List<JsonNode> toolsFiles = new java.util.ArrayList<>();
        afterUndo.path("parts").forEach(toolsFiles::add);
        commitWithoutState(next + 6, afterUndo, toolsFiles);
        demo.change(5);
        awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 7) + " (full)");
        Table tools = IcebergTables.load(aws, "view_orders_current");
        tools.manageSnapshots().rollbackTo(tools.currentSnapshot().parentId()).commit();
        assertEveryKeptCommitReadsFilesThatExist();
        demo.change(5);
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (next + 8) + " (full)");
        assertThat(view(lake.currentView())).isEqualTo(table);
    }

    /**
     * Commits {@code version} to view_orders_current as another tool would: no state named, reading {@code parts}
     * ({key, rows, bucket} as a state lists them) with the schema, snapshot and buckets of {@code like}.
     */
    private static void commitWithoutState(long version, JsonNode like, List<JsonNode> parts) {
        List<IcebergTable.Part> files = new java.util.ArrayList<>();
        for (JsonNode part : parts) {
            String key = part.path("key").asText();
            files.add(new IcebergTable.Part(
                            "s3://dynamo-lake/" + key,
                            aws.s3()
                                    .headObject(b -> b.bucket("dynamo-lake").key(key))
                                    .contentLength(),
                            part.path("rows").asLong())
                    .inBucket(part.path("bucket").asInt()));
        }
        new IcebergCurrentTable(new IcebergTable(
                        IcebergTables.catalog(aws),
                        IcebergTables.NAMESPACE,
                        "view_orders_current",
                        "s3://dynamo-lake/tables/" + TABLE + "/iceberg/current"))
                .publish(
                        new IcebergCurrentTable.Version(
                                version, like.path("snapshot").asText(), 0, null, null, null),
                        SnapshotSchema.fromJson(like.path("schema")),
                        files,
                        like.path("buckets").asInt(),
                        2);
    }

    /** Time travel to any commit the table keeps reads files the lake holds. */
    private static void assertEveryKeptCommitReadsFilesThatExist() throws Exception {
        Table t = IcebergTables.load(aws, "view_orders_current");
        for (var snapshot : t.snapshots()) {
            try (var tasks = t.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
                for (var task : tasks) {
                    String key = task.file().location().substring("s3://dynamo-lake/".length());
                    assertThat(aws.s3()
                                    .listObjectsV2(b -> b.bucket("dynamo-lake").prefix(key))
                                    .keyCount())
                            .as(
                                    "%s, read by the kept commit %s",
                                    key, snapshot.summary().get("dynamo-lake.view-version"))
                            .isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aColumnDroppedFromTheTableByHandIsWrittenAnewInEveryBucket() throws Exception {
        // Someone drops a column of view_orders_current with their own Iceberg tool: the next version adds it back
        // under a new id, so the parts a patch would keep (with the old id) would read it as null.
        Table table = IcebergTables.load(aws, "view_orders_current");
        int before = table.schema().findField("status").fieldId();
        table.updateSchema().deleteColumn("status").commit();
        demo.change(5);
        Map<String, JsonNode> now = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow"))
                .startsWith("published current view")
                .contains(BUCKETS + " buckets rewritten");
        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("mode").asText()).isEqualTo("incremental, columns renumbered");
        assertThat(view(pointer)).isEqualTo(now);
        Table after = IcebergTables.load(aws, "view_orders_current");
        assertThat(after.schema().findField("status").fieldId()).isNotEqualTo(before);
        assertThat(partsIn(pointer, folderOf(pointer)))
                .hasSize(pointer.path("parts").size());
        assertIcebergTableIs(pointer);
    }

    @Test
    void aBucketIsPatchedUntilItTookViewsMaxPatchesOrLostTooManyRowsThenRewritten() throws Exception {
        // One key (the first a Scan meets) changed run after run: its bucket is patched (views.max-patches is 2
        // here), then rewritten. A new value each run: an update that changes nothing is no change.
        int bucket = -1;
        boolean rewritten = false;
        for (int run = 0; run < 4 && !rewritten; run++) {
            JsonNode before = lake.currentView();
            update(1, "status", "PATCHED-" + run);
            Map<String, JsonNode> table = awaitDeltasLanded();
            String result = invokeJmx("compactNow");
            JsonNode after = lake.currentView();
            assertThat(view(after)).isEqualTo(table);
            assertIcebergTableIs(after);
            if (bucket < 0) {
                bucket = bucketsWithNewFiles(after).iterator().next();
            }
            int taken = before.path("patches").path(bucket).asInt();
            if (taken < 2) {
                assertThat(result).contains(" 0 buckets rewritten, 1 patched, ");
                assertThat(after.path("patches").path(bucket).asInt()).isEqualTo(taken + 1);
                assertThat(deleteFilesOf(after, bucket))
                        .hasSize(deleteFilesOf(before, bucket).size() + 1);
            } else {
                assertThat(result).contains(" 1 buckets rewritten, 0 patched, ");
                assertThat(after.path("patches").path(bucket).asInt()).isZero();
                assertThat(deleteFilesOf(after, bucket))
                        .as("its delete files gone with it")
                        .isEmpty();
                for (JsonNode part : after.path("parts")) {
                    if (part.path("bucket").asInt() == bucket) {
                        assertThat(part.path("key").asText()).startsWith("tables/" + TABLE + "/" + folderOf(after));
                    }
                }
                rewritten = true;
            }
        }
        assertThat(rewritten).as("rewritten after two patches").isTrue();
        // Changes that would leave more than views.max-deleted-percent (30) of a bucket's rows deleted rewrite it.
        update(1_000, "status", "MOSTLY-CHANGED");
        Map<String, JsonNode> table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).contains(" " + BUCKETS + " buckets rewritten, 0 patched, ");
        JsonNode after = lake.currentView();
        assertThat(after.path("deletes")).isEmpty();
        assertThat(view(after)).isEqualTo(table);
        assertIcebergTableIs(after);
        // And a few changes patch again.
        update(3, "status", "PATCHED-AGAIN");
        table = awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).contains(" 0 buckets rewritten, ");
        assertThat(lake.currentView().path("deletes")).isNotEmpty();
        assertThat(view(lake.currentView())).isEqualTo(table);
    }

    /** The buckets a version wrote files of. */
    private static java.util.Set<Integer> bucketsWithNewFiles(JsonNode pointer) {
        return probe.bucketsWithNewFiles(pointer);
    }

    private static List<String> deleteFilesOf(JsonNode pointer, int bucket) {
        return ViewProbe.deleteFilesOf(pointer, bucket);
    }

    @Test
    void theCatalogNamesTheCurrentViewAndTheDeltasForDuckDb() throws Exception {
        // A patched version, from a full build and one change.
        invokeJmx("rebuildNow");
        update(5, 1, "status", "FOR-DUCKDB");
        awaitDeltasLanded();
        assertThat(invokeJmx("compactNow")).contains(" 1 patched, ");
        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("deletes"))
                .as("a patched version: DuckDB's SQL applies its deletes")
                .isNotEmpty();
        String localLake = aws.dataDir().resolve("dynamo-lake") + "/";
        JsonNode someone = lake.envelopes().get(0).path("keys");
        long history = lake.envelopes().stream()
                .filter(e -> key(e.path("keys")).equals(key(someone)))
                .count();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            for (String file : List.of("_catalog/current.sql", "_catalog/deltas.sql")) {
                String sql = lake.text(file);
                st.execute(
                        sql.substring(sql.indexOf("CREATE OR REPLACE VIEW")).replace("s3://dynamo-lake/", localLake));
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM view_orders_current")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(pointer.path("itemCount").asLong());
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), min(action) FROM view_orders_deltas"
                    + " WHERE json_extract_string(keys, '$.customerId') = '"
                    + someone.path(DemoItems.PARTITION_KEY).asText() + "'"
                    + " AND json_extract_string(keys, '$.orderId') = '"
                    + someone.path(DemoItems.SORT_KEY).asText() + "'")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("the key's history")
                        .isEqualTo(history)
                        .isPositive();
            }
        }
        assertThat(lake.text("_catalog/deltas.sql"))
                .contains("CREATE EXTERNAL TABLE IF NOT EXISTS `view_orders_deltas`");
    }

    @Test
    void oneReplicaBuildsAtATime() throws Exception {
        var store = new ddbstream.checkpoint.CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints");
        var other = store.leases()
                .acquire("dynamo-lake", "views|" + TABLE, "other-replica", Duration.ofMinutes(1), Instant.now())
                .orElseThrow();
        long version = lake.currentView().path("version").asLong();
        try {
            demo.change(10);
            awaitDeltasLanded();
            assertThatThrownBy(() -> invokeJmx("compactNow")).hasMessageContaining("Another replica is building");
            assertThat(lake.currentView().path("version").asLong()).isEqualTo(version);
            assertThat(IcebergTables.load(aws, "view_orders_current")
                            .currentSnapshot()
                            .summary())
                    .containsEntry(IcebergCurrentTable.VIEW_VERSION, Long.toString(version));
        } finally {
            store.leases().release("dynamo-lake", "views|" + TABLE, other);
        }
        assertThat(invokeJmx("compactNow")).startsWith("published current view " + (version + 1));
        assertThat(store.leases()
                        .currentLease("dynamo-lake", "views|" + TABLE)
                        .orElseThrow()
                        .expiresAt())
                .as("given up after the run")
                .isBefore(Instant.now());
    }

    @Test
    void aDeltaLineThatIsNotAnEnvelopeIsDeadLetteredAndTheRestApplied() throws Exception {
        Map<String, JsonNode> before = scan(aws.dynamoDb(), TABLE);
        // One object with a good change, a line cut off, and another good change, as a damaged object would be.
        String hour = LakeLayout.hourFolder("tables/" + TABLE + "/deltas/", Instant.now()) + "/";
        String key = hour + "damaged-object";
        List<String> lines = new ArrayList<>(probe.repairedEnvelopes(2));
        lines.add(1, "{\"action\":\"MODIFY\",\"sequenceNumber\":\"9");
        Map<String, JsonNode> table = awaitDeltasLanded(); // the stream's own deltas of the two puts
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key(key),
                        software.amazon.awssdk.core.sync.RequestBody.fromString(String.join("\n", lines) + "\n"));

        try {
            assertThat(invokeJmx("compactNow")).startsWith("published current view");
            assertThat(view(lake.currentView())).isEqualTo(table).isNotEqualTo(before);
            JsonNode letter = Lake.JSON.readTree(
                    lake.text("dead-letters/views/damaged-object.json").trim());
            assertThat(letter.path("object").asText()).isEqualTo(key);
            assertThat(letter.path("line").asInt()).isEqualTo(2);
            assertThat(letter.path("reason").asText()).contains("not JSON");
            assertThat(letter.path("raw").asText()).isEqualTo("{\"action\":\"MODIFY\",\"sequenceNumber\":\"9");
        } finally {
            // The other tests read every delta object as envelopes: the damaged one goes once its run is proven.
            aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(key));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static void reinsertDeletedKeys() {
        probe.reinsertDeletedKeys();
    }

    private static Map<String, JsonNode> awaitDeltasLanded() {
        return probe.awaitDeltasLanded();
    }

    private static Map<String, JsonNode> view(JsonNode pointer) throws Exception {
        return probe.view(pointer);
    }

    private static Connection open(JsonNode pointer) throws Exception {
        return probe.open(pointer);
    }

    private static Map<String, JsonNode> items(String folder) throws Exception {
        return probe.items(folder);
    }

    private static String invokeJmx(String operation, String... args) throws Exception {
        return ViewProbe.invokeJmx(operation, args);
    }
}
