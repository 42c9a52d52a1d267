package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.util.Map;
import lake.IcebergCurrentTable;
import lake.IcebergSnapshotTable;
import org.apache.camel.main.Main;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.NoSuchTableException;
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
 * A lake written before its Iceberg tables existed (pointer files only, as the previous version wrote it, here with
 * lake.catalog.type=none) is taken over on the first start with a catalog: the tables are committed from the
 * published snapshot and the published current view, and a second start commits nothing again.
 */
class IcebergTakeoverTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "takeover-orders";

    @TempDir
    static Path downloads;

    @Test
    void aLakeOfPointerFilesBecomesIcebergTablesOnTheFirstStartWithACatalog() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 13, 1);
        demo.create();
        demo.seed(600, 1);
        ViewProbe probe = new ViewProbe(aws, TABLE, downloads);
        Main before = Apps.against(aws, TABLE, Map.of("lake.catalog.type", "none"));
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
        JsonNode snapshot = lake.json("snapshots/_current.json");
        JsonNode current = lake.json("current/_current.json");
        assertThatThrownBy(() -> IcebergTables.load(aws, "takeover_orders_snapshot"))
                .isInstanceOf(NoSuchTableException.class);

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
                    .containsEntry("total-records", current.path("itemCount").asText());
            assertThat(IcebergTables.dataFiles(currentTable)).isEqualTo(IcebergTables.partUris(current));
            assertThat(currentTable.spec().fields())
                    .as("the pointer's buckets are Iceberg's: the table is partitioned by them")
                    .singleElement()
                    .satisfies(f -> assertThat(f.transform())
                            .hasToString("bucket[" + current.path("buckets").asInt() + "]"));
        }

        // A lake an earlier release wrote: its pointer names no state and says nothing of the bucketing (its buckets
        // were MD5's), and there is no Iceberg table. The table is taken over unpartitioned; the next run rebuilds
        // every bucket, and the table becomes partitioned by Iceberg's buckets.
        ObjectNode earlier = current.deepCopy();
        earlier.remove("bucketing");
        earlier.remove("state");
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key("tables/" + TABLE + "/current/_current.json"),
                        RequestBody.fromString(earlier.toString()));
        IcebergTables.catalog(aws)
                .dropTable(
                        org.apache.iceberg.catalog.TableIdentifier.of(
                                IcebergTables.NAMESPACE, "takeover_orders_current"),
                        false);
        Main upgraded = Apps.against(aws, TABLE, Map.of());
        upgraded.start();
        try {
            Table takenOver = IcebergTables.load(aws, "takeover_orders_current");
            assertThat(takenOver.spec().isUnpartitioned()).isTrue();
            assertThat(takenOver.currentSnapshot().summary()).doesNotContainKey(IcebergCurrentTable.VIEW_STATE);
            demo.change(10);
            probe.awaitDeltasLanded();
            assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 2");
        } finally {
            upgraded.stop();
        }
        JsonNode rebuilt = lake.json("current/_current.json");
        assertThat(rebuilt.path("mode").asText()).isEqualTo("full");
        assertThat(probe.view(rebuilt)).isEqualTo(probe.awaitDeltasLanded());
        Table currentTable = IcebergTables.load(aws, "takeover_orders_current");
        assertThat(IcebergTables.dataFiles(currentTable)).isEqualTo(IcebergTables.partUris(rebuilt));
        assertThat(currentTable.spec().isPartitioned()).isTrue();
    }
}
