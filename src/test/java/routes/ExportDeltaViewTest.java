package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
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
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import testsupport.Apps;
import testsupport.DemoOrders;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.ViewProbe;

/**
 * Views of a table kept current by incremental exports ({@code views.deltas=export}): the current view is the
 * snapshot plus the incremental exports' deltas after it, equal to a Scan after each export lands; the next export
 * is applied incrementally; the view as of a time between two exported batches of changes is the table as it was
 * then. The stream's deltas land beside them and are not read.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportDeltaViewTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(
            s -> s.withExports(new ExportSettings(500, Duration.ofSeconds(1), Duration.ofHours(24), ".checksum")));

    private static final String TABLE = "exported-orders";

    @TempDir
    static Path downloads;

    private static DemoTable demo;
    private static Main app;
    private static Lake lake;
    private static ViewProbe probe;

    @BeforeAll
    static void start() throws Exception {
        demo = new DemoTable(aws.dynamoDb(), TABLE, 23, 3600);
        demo.create();
        demo.seed(1_000, 0);
        app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "views.deltas", "export",
                        "export.min-incremental-window", "1s",
                        "export.visibility-timeout", "30",
                        "views.as-of-lag", "2s"));
        app.start();
        lake = Apps.lake(aws, TABLE);
        probe = new ViewProbe(aws, TABLE, downloads);
        probe.exportSnapshot(app);
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    @Order(1)
    void theCurrentViewIsTheSnapshotPlusTheIncrementalExports() throws Exception {
        DemoOrders.awaitClockPast(Instant.now().plusMillis(1100)); // export.min-incremental-window
        demo.change(300);
        Map<String, JsonNode> table = scan(aws.dynamoDb(), TABLE);
        exportIncrementally();

        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 1 (full)");
        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("itemCount").asLong()).isEqualTo(table.size());
        assertThat(probe.view(pointer)).isEqualTo(table);
        // Most rows are the snapshot's, copied with their typed columns (sets as JSON text in a column the changes'
        // plain arrays made text); the rest were typed from their JSON. Every row's typed values are its item's.
        assertThat(probe.rowsNotTheirItems(pointer)).isZero();
        assertThat(pointer.path("deltas").path("applied"))
                .isNotEmpty()
                .allMatch(k -> k.path("key").asText().contains("/deltas-export/"));
    }

    @Test
    @Order(2)
    void theNextExportIsAppliedIncrementallyAndAsOfATimeBetweenThemIsTheTableThen() throws Exception {
        Map<String, JsonNode> then = scan(aws.dynamoDb(), TABLE);
        Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant between = second.plusMillis(500);
        DemoOrders.awaitClockPast(second.plusSeconds(1));
        demo.change(300);
        Map<String, JsonNode> table = scan(aws.dynamoDb(), TABLE);
        assertThat(table).isNotEqualTo(then);
        exportIncrementally();

        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 2 (incremental)");
        assertThat(probe.view(lake.currentView())).isEqualTo(table);
        assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("nothing to do");

        DemoOrders.awaitClockPast(between.plusSeconds(2)); // views.as-of-lag
        String result = ViewProbe.invokeJmx("materializeAsOf", between.toString());
        String folder = result.substring(result.indexOf(" at s3://dynamo-lake/") + " at s3://dynamo-lake/".length());
        assertThat(probe.items(folder)).isEqualTo(then);
    }

    @Test
    @Order(3)
    void aNumberTheChangesMakeTextIsTypedFromEveryRowsJson() throws Exception {
        // One order's total becomes text: the view's total column is text, which no snapshot row holds as such, so a
        // rebuild types every row from its JSON (the number's exact text) instead of copying the snapshot's rows.
        JsonNode order = scan(aws.dynamoDb(), TABLE).values().iterator().next();
        aws.dynamoDb()
                .updateItem(b -> b.tableName(TABLE)
                        .key(Map.of(
                                "customerId",
                                AttributeValue.fromS(order.path("customerId").asText()),
                                "orderId",
                                AttributeValue.fromN(order.path("orderId").asText())))
                        .updateExpression("SET #t = :t")
                        .expressionAttributeNames(Map.of("#t", "total"))
                        .expressionAttributeValues(Map.of(":t", AttributeValue.fromS("twelve"))));
        Map<String, JsonNode> table = scan(aws.dynamoDb(), TABLE);
        exportIncrementally();

        assertThat(ViewProbe.invokeJmx("rebuildNow")).startsWith("published current view 3 (full)");
        JsonNode pointer = lake.currentView();
        assertThat(probe.view(pointer)).isEqualTo(table);
        assertThat(pointer.path("schema").path("columns")).anySatisfy(c -> {
            assertThat(c.path("name").asText()).isEqualTo("total");
            assertThat(c.path("type").asText()).isEqualTo("STRING");
        });
        assertThat(probe.rowsNotTheirItems(pointer)).isZero();
    }

    /** Starts an incremental export now and waits until its deltas are published. */
    private static void exportIncrementally() {
        DemoOrders.awaitClockPast(Instant.now().plusMillis(1100)); // export.min-incremental-window
        probe.exportDeltas(app);
    }
}
