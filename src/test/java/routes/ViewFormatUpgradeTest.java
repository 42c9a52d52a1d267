package routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.main.Main;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.Apps;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.ViewProbe;

/**
 * An operator upgrades the current view's Iceberg table to format 3, which takes deletion vectors, not position delete
 * files: the next runs rewrite the changed buckets instead of patching them, and never fail at their commit. A class
 * of its own: a table's format cannot go back, and every other view test patches.
 */
class ViewFormatUpgradeTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "upgrade-orders";

    @TempDir
    static Path downloads;

    private static Main app;
    private static Lake lake;
    private static ViewProbe probe;

    @BeforeAll
    static void start() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 13, 3600);
        demo.create();
        demo.seed(500, 0);
        app = Apps.against(aws, TABLE, Map.of("views.buckets", "8"));
        app.start();
        lake = Apps.lake(aws, TABLE);
        probe = new ViewProbe(aws, TABLE, downloads);
        probe.exportSnapshot(app);
        probe.update(0, 2, "status", "BEFORE-THE-UPGRADE");
        probe.awaitDeltasLanded();
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 1 (full)");
        probe.update(2, 2, "status", "PATCHED");
        probe.awaitDeltasLanded();
        assertThat(ViewProbe.invokeJmx("compactNow")).containsPattern(" [12] patched");
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    void aTableUpgradedToFormatThreeHasItsChangedBucketsRewrittenNotPatched() throws Exception {
        IcebergTables.load(aws, "upgrade_orders_current")
                .updateProperties()
                .set(org.apache.iceberg.TableProperties.FORMAT_VERSION, "3")
                .commit();
        probe.update(10, 2, "status", "AFTER-THE-UPGRADE");
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(ViewProbe.invokeJmx("compactNow")).containsPattern(" [12] buckets rewritten, 0 patched, ");
        JsonNode after = lake.currentView();
        assertThat(probe.view(after)).isEqualTo(table);
        for (int b : probe.bucketsWithNewFiles(after)) {
            assertThat(ViewProbe.deleteFilesOf(after, b))
                    .as("bucket %s rewritten", b)
                    .isEmpty();
        }
        Table current = IcebergTables.load(aws, "upgrade_orders_current");
        assertThat(IcebergTables.dataFiles(current)).isEqualTo(IcebergTables.partUris(after));
        assertThat(Long.parseLong(current.currentSnapshot().summary().get("total-records"))
                        - Long.parseLong(
                                current.currentSnapshot().summary().getOrDefault("total-position-deletes", "0")))
                .isEqualTo(after.path("itemCount").asLong());
    }
}
