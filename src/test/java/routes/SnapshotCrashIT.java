package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.AwsClients;
import dynamolake.demo.DemoTable;
import export.ExportProgress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import testsupport.Apps;
import testsupport.DemoOrders;
import testsupport.JavaProcess;
import testsupport.Lake;
import testsupport.SnapshotReader;
import testsupport.StackProcess;

/**
 * The application killed with SIGKILL in the middle of landing an export (the stack in its own process keeps the
 * queue, the export state and the lake): after a restart the export finishes, and the published snapshot is exactly
 * the table, each item once.
 */
class SnapshotCrashIT {
    private static final String TABLE = "crashed";
    private static final int ITEMS = 40_000;

    @TempDir
    static Path dir;

    private static StackProcess stack;
    private static AwsClients clients;
    private static DynamoDbClient ddb;
    private static S3Client s3;

    @BeforeAll
    static void startStack() throws Exception {
        stack = StackProcess.start(dir, List.of(), "--local.export.items-per-file=2000");
        clients = AwsClients.local(stack.emulator(), stack.s3(), stack.sqs(), "us-east-1");
        ddb = clients.dynamoDb();
        s3 = clients.s3();
    }

    @AfterAll
    static void stopStack() throws Exception {
        ddb.close();
        s3.close();
        stack.process().stop(Duration.ofSeconds(30));
    }

    private static JavaProcess app() throws Exception {
        List<String> props = new ArrayList<>(stack.applicationProperties(dir, TABLE));
        props.addAll(List.of(
                "-Dexport.check-interval=300ms",
                "-Dexport.concurrency=1",
                // a killed worker's message is back on the queue after 5 s
                "-Dexport.visibility-timeout=5",
                "-Dexport.work-dir=" + dir.resolve("work")));
        return JavaProcess.start("dynamolake.DynamoLake", props, List.of(), dir);
    }

    @Test
    void anExportKilledMidwayFinishesAfterRestartWithEveryItemOnce() throws Exception {
        DemoTable demo = new DemoTable(ddb, TABLE, 11, 3600);
        demo.create();
        demo.seed(ITEMS, 0);
        ExportProgress progress = new ExportProgress(ddb, "dynamo-lake-checkpoints", "dynamo-lake", TABLE);

        ExportProgress.Entry atKill;
        try (JavaProcess first = app()) {
            // The lake has no snapshot: the first run exports at once. Kill it once a few files are done.
            atKill = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> progress.all().get(0), e -> e.discovered() + e.converted() >= 3 || !e.inFlight());
            first.kill();
        }
        assertThat(atKill.phase())
                .as("killed before the export was published")
                .isNotEqualTo(ExportProgress.Phase.PUBLISHED);
        System.out.printf(
                "killed during %s: %d of %d files discovered, %d converted%n",
                atKill.phase(), atKill.discovered(), atKill.files(), atKill.converted());

        Lake lake = Apps.lake(s3, TABLE).withCatalog(testsupport.IcebergTables.catalog(s3, clients.glue()));
        try (JavaProcess second = app()) {
            JsonNode pointer = await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> lake.snapshot(), p -> p.has("exportId"));
            assertThat(pointer.path("exportId").asText()).isEqualTo(atKill.exportId());
            assertThat(pointer.path("itemCount").asLong()).isEqualTo(ITEMS);

            Map<String, JsonNode> table = scan(ddb, TABLE);
            Map<String, JsonNode> snapshot =
                    SnapshotReader.items(lake, atKill.exportId(), dir.resolve("downloads"), DemoOrders::key);
            assertThat(snapshot).hasSize(ITEMS).isEqualTo(table);
            assertThat(progress.all()).hasSize(1);
        }
    }
}
