package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lake.IcebergCurrentTable;
import lake.IcebergSnapshotTable;
import org.apache.camel.main.Main;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import testsupport.Apps;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.ViewProbe;

/**
 * A lake an earlier release wrote (pointer files, buckets by MD5, no Iceberg tables) is taken over on the first start:
 * the tables are committed from what its pointers publish, a second start commits nothing again, the next run
 * rebuilds the view into the partitioned table, and from then on the table, not the old pointer, says what is
 * published.
 */
class IcebergTakeoverTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "takeover-orders";

    @TempDir
    static Path downloads;

    @Test
    void aLakeOfPointerFilesBecomesIcebergTablesOnTheFirstStart() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 13, 1);
        demo.create();
        demo.seed(600, 1);
        ViewProbe probe = new ViewProbe(aws, TABLE, downloads);
        Main before = Apps.against(aws, TABLE, Map.of());
        before.start();
        try {
            probe.exportSnapshot(before);
            demo.change(60);
            probe.awaitDeltasLanded();
            assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 1");
        } finally {
            before.stop();
        }
        Lake lake = Apps.lake(aws, TABLE);
        JsonNode snapshot = lake.snapshot();
        JsonNode current = lake.currentView();

        // What the earlier release left: the pointers (the snapshot's is its _published.json; the view's names no
        // state and says nothing of the bucketing, its buckets were MD5's), no states, no Iceberg tables.
        ObjectNode earlier = current.deepCopy();
        earlier.remove("bucketing");
        earlier.remove("state");
        put("snapshots/_current.json", snapshot.toString());
        put("current/_current.json", earlier.toString());
        for (String key : lake.keys("current/_state/")) {
            aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(key));
        }
        for (String name : List.of("takeover_orders_snapshot", "takeover_orders_current")) {
            IcebergTables.catalog(aws).dropTable(TableIdentifier.of(IcebergTables.NAMESPACE, name), false);
        }

        for (int start = 0; start < 2; start++) {
            Main after = Apps.against(aws, TABLE, Map.of());
            after.start();
            after.stop();
            Table snapshotTable = IcebergTables.load(aws, "takeover_orders_snapshot");
            assertThat(IcebergTables.exports(snapshotTable))
                    .as("one commit, however often the application starts")
                    .containsExactly(snapshot.path("exportId").asText());
            assertThat(IcebergTables.dataFiles(snapshotTable)).isEqualTo(IcebergTables.partUris(snapshot));
            Table currentTable = IcebergTables.load(aws, "takeover_orders_current");
            assertThat(currentTable.snapshots()).hasSize(1);
            assertThat(currentTable.currentSnapshot().summary())
                    .containsEntry(IcebergCurrentTable.VIEW_VERSION, "1")
                    .containsEntry(
                            IcebergSnapshotTable.EXPORT_ID,
                            snapshot.path("exportId").asText())
                    .containsEntry("total-records", current.path("itemCount").asText())
                    .doesNotContainKey(IcebergCurrentTable.VIEW_STATE);
            assertThat(IcebergTables.dataFiles(currentTable)).isEqualTo(IcebergTables.partUris(current));
            assertThat(currentTable.spec().isUnpartitioned())
                    .as("MD5's buckets are not Iceberg's")
                    .isTrue();
        }

        // The next run rebuilds every bucket, and the table becomes partitioned by Iceberg's buckets. The run after
        // it continues the table's version, not the old pointer's (which the lake still holds until its owner
        // removes it).
        Main upgraded = Apps.against(aws, TABLE, Map.of());
        upgraded.start();
        try {
            demo.change(10);
            probe.awaitDeltasLanded();
            assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 2 (full)");
            demo.change(10);
            probe.awaitDeltasLanded();
            assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 3 (incremental)");
        } finally {
            upgraded.stop();
        }
        JsonNode rebuilt = lake.currentView();
        assertThat(rebuilt.path("version").asLong()).isEqualTo(3);
        assertThat(probe.view(rebuilt)).isEqualTo(probe.awaitDeltasLanded());
        Table currentTable = IcebergTables.load(aws, "takeover_orders_current");
        assertThat(IcebergTables.dataFiles(currentTable)).isEqualTo(IcebergTables.partUris(rebuilt));
        assertThat(currentTable.spec().isPartitioned()).isTrue();
        assertThat(lake.json("current/_current.json").path("version").asLong())
                .as("the old pointer, left alone")
                .isEqualTo(1);
    }

    /**
     * Earlier releases registered plain Glue tables {@code <table>_snapshot} and {@code <table>_current} in
     * glue.database: the Iceberg tables of the same names cannot share that database.
     */
    @Test
    void aNamespaceThatIsTheGlueDatabaseStopsStartupSayingWhy() {
        Main app = Apps.against(aws, "guarded-orders", Map.of("glue.database", "dynamo_lake"));
        try {
            assertThatThrownBy(app::start)
                    .hasStackTraceContaining("lake.catalog.namespace and glue.database are both 'dynamo_lake'")
                    .hasStackTraceContaining("need a database of their own");
        } finally {
            app.stop();
        }
    }

    private static void put(String relative, String content) {
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key("tables/" + TABLE + "/" + relative),
                        RequestBody.fromString(content));
    }
}
