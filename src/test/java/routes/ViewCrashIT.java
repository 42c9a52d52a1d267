package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.DemoOrders.key;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.AwsClients;
import dynamolake.demo.DemoTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import testsupport.Apps;
import testsupport.JavaProcess;
import testsupport.Lake;
import testsupport.StackProcess;

/**
 * The application killed with SIGKILL in the middle of building the current view (the stack in its own process
 * keeps the table, the stream, the checkpoints and the lake): the view published before stays published, and the
 * next run, after a restart, publishes a view that is exactly the table, with nothing of the killed run in it.
 */
class ViewCrashIT {
    private static final String TABLE = "view-crash";
    private static final int ITEMS = 20_000;

    @TempDir
    static Path dir;

    private static StackProcess stack;
    private static DynamoDbClient ddb;
    private static S3Client s3;
    private static software.amazon.awssdk.services.glue.GlueClient glue;

    @BeforeAll
    static void startStack() throws Exception {
        stack = StackProcess.start(dir, List.of(), "--local.export.items-per-file=5000");
        AwsClients clients = AwsClients.local(stack.emulator(), stack.s3(), stack.sqs(), "us-east-1");
        ddb = clients.dynamoDb();
        s3 = clients.s3();
        glue = clients.glue();
    }

    @AfterAll
    static void stopStack() throws Exception {
        ddb.close();
        s3.close();
        stack.process().stop(Duration.ofSeconds(30));
    }

    /** The application, building the view once {@code delay} after start and every {@code interval} after. */
    private static JavaProcess app(int buckets, String delay, String interval) throws Exception {
        List<String> props = new ArrayList<>(stack.applicationProperties(dir, TABLE));
        props.addAll(List.of(
                "-Dlocal.firehose.buffer-seconds=1",
                "-Dexport.check-interval=300ms",
                "-Dexport.work-dir=" + dir.resolve("work"),
                "-Dviews.buckets=" + buckets,
                "-Dviews.compaction-delay=" + delay,
                "-Dviews.compaction-interval=" + interval,
                "-Dviews.as-of-lag=2s",
                // the killed run's lease on the view build expires this long after the kill
                "-Dviews.lease-duration=6s",
                "-Dviews.work-dir=" + dir.resolve("views-work")));
        return JavaProcess.start("dynamolake.DynamoLake", props, List.of(), dir);
    }

    @Test
    void aViewBuildKilledMidwayLeavesThePublishedViewAndTheNextRunSucceeds() throws Exception {
        // Orders written to expire do so in decades: time to live must not change the table while the test compares.
        DemoTable demo = new DemoTable(ddb, TABLE, 5, 1_000_000_000);
        demo.create();
        demo.seed(ITEMS, 0);
        Lake lake = Apps.lake(s3, TABLE).withCatalog(testsupport.IcebergTables.catalog(s3, glue));

        // First run: the snapshot, the deltas of the seeding, and view 1.
        try (JavaProcess first = app(8, "3s", "2s")) {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300))
                    .ignoreExceptions()
                    .until(() -> lake.currentView().path("version").asLong() >= 1);
            first.kill();
        }
        JsonNode published = lake.currentView();
        long version = published.path("version").asLong();

        // Changes, and a second run told to rebuild (another bucket count): killed while it builds.
        demo.change(500);
        Path work = dir.resolve("views-work").resolve("view-" + (version + 1));
        try (JavaProcess second = app(4, "4s", "1s")) {
            // Midway: the changes are read and the base parts are being fetched for the merge.
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(10))
                    .ignoreExceptions()
                    .until(() -> {
                        try (var files = Files.list(work)) {
                            return files.anyMatch(
                                    f -> f.getFileName().toString().startsWith("base-"));
                        }
                    });
            second.kill();
        }
        assertThat(lake.currentView())
                .as("the view published before the killed run")
                .isEqualTo(published);

        // Third run: the next build publishes the table as it is, in a folder holding only its own parts.
        try (JavaProcess third = app(4, "1s", "2s")) {
            Map<String, JsonNode> table = scan(ddb, TABLE);
            JsonNode pointer;
            try {
                pointer = await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(
                                () -> lake.currentView(),
                                p -> p.path("buckets").asInt() == 4
                                        && view(lake, p).equals(table));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                third.lines().stream()
                        .filter(l -> l.contains("ViewBuilder") || l.contains("Exception") || l.contains("ERROR"))
                        .forEach(l -> System.out.println("application: " + l));
                throw e;
            }
            assertThat(pointer.path("version").asLong()).isGreaterThan(version);
            Set<String> listed = new HashSet<>();
            pointer.path("parts").forEach(p -> listed.add(p.path("key").asText()));
            String folder = pointer.path("location").asText().substring("s3://dynamo-lake/".length());
            assertThat(new HashSet<>(lake.keys(folder.substring(("tables/" + TABLE + "/").length()))))
                    .isEqualTo(listed);
            assertThat(third.lines())
                    .as("the next run builds at its first try, over whatever the killed run left in views.work-dir")
                    .noneMatch(l -> l.contains("ERROR") && l.contains("view-compaction"));
            third.kill();
        }
    }

    private static Map<String, JsonNode> view(Lake lake, JsonNode pointer) {
        try {
            return read(pointer);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, JsonNode> read(JsonNode pointer) throws Exception {
        Path local = Files.createTempDirectory(dir, "view");
        for (JsonNode part : pointer.path("parts")) {
            String key = part.path("key").asText();
            Files.write(
                    local.resolve(key.substring(key.lastIndexOf('/') + 1)),
                    s3.getObjectAsBytes(b -> b.bucket("dynamo-lake").key(key)).asByteArray());
        }
        Map<String, JsonNode> out = new HashMap<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT _item FROM read_parquet('" + local + "/*.parquet')")) {
            while (rs.next()) {
                JsonNode item = Lake.JSON.readTree(rs.getString(1));
                out.put(key(item), item);
            }
        }
        return out;
    }
}
