package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.AwsClients;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.s3.S3Client;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.JavaProcess;
import testsupport.StackProcess;
import testsupport.StreamReader;

/**
 * The application in its own processes against a local stack in another: killed with SIGKILL in the middle of the
 * stream, run as two replicas of which only the lease owner consumes, and refused at start for a stream without new
 * images.
 */
class StreamFailoverIT {
    @TempDir
    static Path dir;

    private static StackProcess running;
    private static URI emulator;
    private static URI s3;
    private static URI sqs;
    private static DynamoDbClient ddb;
    private static S3Client s3Client;

    @BeforeAll
    static void startStack() throws Exception {
        running = StackProcess.start(dir, List.of(), "--local.stream.rollover-records=300");
        emulator = running.emulator();
        s3 = running.s3();
        sqs = running.sqs();
        ddb = AwsClients.local(emulator, s3, sqs, "us-east-1").dynamoDb();
        s3Client = AwsClients.local(emulator, s3, sqs, "us-east-1").s3();
    }

    @AfterAll
    static void stopStack() throws Exception {
        ddb.close();
        s3Client.close();
        running.process().stop(Duration.ofSeconds(30));
    }

    private static JavaProcess app(String table, String... more) throws Exception {
        List<String> props = new ArrayList<>(running.applicationProperties(dir, table));
        props.addAll(List.of(
                "-Dexport.on-start=false",
                "-Dexport.schedule-enabled=false",
                "-Dlocal.firehose.buffer-seconds=1",
                "-Dcamel.component.ddbstream.idle-delay=100ms",
                "-Dcamel.component.ddbstream.max-records-per-request=100"));
        props.addAll(List.of(more));
        return JavaProcess.start("dynamolake.DynamoLake", props, List.of(), dir);
    }

    private static void write(String table, String prefix, int from, int to) {
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Map<String, AttributeValue> item = item("pk", s(prefix + "-" + (i % 50)), "v", n(Integer.toString(i)));
            batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            if (batch.size() == 25 || i == to - 1) {
                List<WriteRequest> requests = List.copyOf(batch);
                ddb.batchWriteItem(b -> b.requestItems(Map.of(table, requests)));
                batch.clear();
            }
        }
    }

    private static List<JsonNode> landed(String table) {
        return Apps.lake(s3Client, table).envelopes();
    }

    private static long distinct(List<JsonNode> envelopes) {
        return envelopes.stream()
                .map(e -> e.path("eventId").asText())
                .distinct()
                .count();
    }

    @Test
    void aKilledApplicationLosesNothingAndRepeatsAtMostOneBatchPerShard() throws Exception {
        String table = "killed";
        Fixtures.createTable(ddb, table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        List<String> lease = List.of(
                "-Dcamel.component.ddbstream.lease-duration=6s", "-Dcamel.component.ddbstream.lease-renew-interval=2s");
        try (JavaProcess first = app(table, lease.toArray(String[]::new))) {
            first.awaitLine("Consuming the stream of table killed", Duration.ofSeconds(60));
            write(table, "k", 0, 1500);
            await().atMost(Duration.ofSeconds(30)).until(() -> distinct(landed(table)) >= 500);
            first.kill();
        }
        write(table, "k", 1500, 3000);
        try (JavaProcess second = app(table, lease.toArray(String[]::new))) {
            second.awaitLine("Consuming the stream of table killed", Duration.ofSeconds(60));
            write(table, "k", 3000, 3500);
            await().atMost(Duration.ofSeconds(60)).until(() -> distinct(landed(table)) >= 3500);
            second.stop(Duration.ofSeconds(30));
        }
        List<JsonNode> envelopes = landed(table);
        assertThat(distinct(envelopes)).isEqualTo(3500);
        String stream = ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
        int shards = StreamReader.shards(
                        AwsClients.local(emulator, s3, sqs, "us-east-1").dynamoDbStreams(), stream)
                .size();
        System.out.printf(
                "killed: %d envelopes landed for 3500 changes, %d duplicates, %d shards%n",
                envelopes.size(), envelopes.size() - distinct(envelopes), shards);
        assertThat(envelopes.size() - distinct(envelopes))
                .as("the batches in flight when the process died, at most one of 100 records per shard")
                .isLessThanOrEqualTo(100L * shards);
    }

    @Test
    void sigtermLandsTheBatchesInFlightCheckpointsAndExitsWithinTheGracePeriod() throws Exception {
        String table = "stopped";
        Fixtures.createTable(ddb, table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        List<String> grace = List.of("-Dcamel.main.shutdown-timeout=10");
        try (JavaProcess first = app(table, grace.toArray(String[]::new))) {
            first.awaitLine("Consuming the stream of table stopped", Duration.ofSeconds(60));
            write(table, "t", 0, 1500);
            await().atMost(Duration.ofSeconds(30)).until(() -> distinct(landed(table)) >= 500);
            // Batches are in flight now: SIGTERM lets them land and checkpoint within the 10 s grace period.
            Instant term = Instant.now();
            first.stop(Duration.ofSeconds(20));
            Duration stopping = Duration.between(term, Instant.now());
            System.out.printf("sigterm: stopped in %d ms%n", stopping.toMillis());
            assertThat(stopping).isLessThan(Duration.ofSeconds(10 + 5));
            assertThat(first.lines())
                    .anyMatch(
                            l -> l.contains("Released the leases of") && l.contains("of the stream of table stopped"));
        }
        write(table, "t", 1500, 2000);
        try (JavaProcess second = app(table, grace.toArray(String[]::new))) {
            second.awaitLine("Consuming the stream of table stopped", Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> distinct(landed(table)) >= 2000);
            second.stop(Duration.ofSeconds(20));
        }
        List<JsonNode> envelopes = landed(table);
        assertThat(distinct(envelopes)).isEqualTo(2000);
        assertThat(envelopes.size() - distinct(envelopes))
                .as("a graceful stop checkpoints every batch that landed: the next run repeats none")
                .isZero();
    }

    @Test
    void ofTwoReplicasOnlyTheLeaseOwnerConsumesAndTheOtherTakesOverWhenItDies() throws Exception {
        String table = "replicas";
        Fixtures.createTable(ddb, table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        try (JavaProcess a = app(table, "-Dcamel.component.ddbstream.mode=single");
                JavaProcess b = app(table, "-Dcamel.component.ddbstream.mode=single")) {
            a.awaitLine("Apache Camel .* started in", Duration.ofSeconds(60));
            b.awaitLine("Apache Camel .* started in", Duration.ofSeconds(60));
            String consuming = "Consuming the stream of table replicas";
            await().atMost(Duration.ofSeconds(30)).until(() -> has(a, consuming) || has(b, consuming));
            JavaProcess owner = has(a, consuming) ? a : b;
            JavaProcess standby = owner == a ? b : a;
            write(table, "r", 0, 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> distinct(landed(table)) >= 200);
            assertThat(has(standby, consuming)).as("the standby never consumed").isFalse();

            Instant killed = Instant.now();
            owner.kill();
            standby.awaitLine(consuming, Duration.ofSeconds(40));
            System.out.printf(
                    "replicas: the standby took over %d ms after the owner was killed%n",
                    Duration.between(killed, Instant.now()).toMillis());
            assertThat(Duration.between(killed, Instant.now()))
                    .as("takeover with the default 20 s lease")
                    .isLessThan(Duration.ofSeconds(30));
            write(table, "r", 200, 400);
            await().atMost(Duration.ofSeconds(30)).until(() -> distinct(landed(table)) >= 400);
            standby.stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void aStreamWithoutNewImagesStopsStartupWithOneLineAndStatusTwo() throws Exception {
        String table = "keys-only";
        Fixtures.createTable(ddb, table, null, StreamViewType.KEYS_ONLY);
        try (JavaProcess refused = app(table)) {
            int status = refused.awaitExit(Duration.ofSeconds(60));
            assertThat(status).isEqualTo(2);
            assertThat(refused.lines())
                    .filteredOn(l -> l.startsWith("dynamo-lake: "))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("has StreamViewType KEYS_ONLY, which carries no new image")
                            .contains("camel.component.ddbstream.accept-missing-new-image=true"));
        }
    }

    private static boolean has(JavaProcess p, String text) {
        return p.lines().stream().anyMatch(l -> l.contains(text));
    }
}
