package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.JsonNode;
import deltas.DeltaMapper;
import io.micrometer.core.instrument.MeterRegistry;
import item.DeltaEnvelopes;
import item.ItemFormatException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import localaws.Faults;
import localaws.streams.StreamSettings;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.StreamReader;

/**
 * The stream-deltas flow as it runs in the application: every change of the table lands in the lake as a delta
 * envelope, through shard rollovers and splits, Firehose refusals, throttling, expired iterators, records that
 * cannot be converted and envelopes too large for Firehose. Shards roll over every 1,000 records and split.
 */
class StreamDeltasTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> s.withStreams(
            new StreamSettings(1000, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15))));

    private static final String TABLE = "deltas";
    private static Main app;
    private static Lake lake;

    @BeforeAll
    static void start() {
        Fixtures.createTable(aws.dynamoDb(), TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
        app = Apps.against(aws, TABLE, Map.of("camel.component.ddbstream.max-records-per-request", "500"));
        app.start();
        lake = Apps.lake(aws, TABLE);
    }

    @Test
    void theConsumersOptionsBindFromTheComponentsProperties() {
        // camel.component.ddbstream.* through the component's generated configurer, onto the endpoint of the route;
        // a duration written as Camel writes them (the test profile's 100ms) in milliseconds.
        var endpoint = (ddbstream.DdbStreamEndpoint)
                app.getCamelContext().getRoute("ddb-stream-to-firehose").getEndpoint();
        assertThat(endpoint.getConfiguration().getMaxRecordsPerRequest()).isEqualTo(500);
        assertThat(endpoint.getConfiguration().getIdleDelay()).isEqualTo(100);
        assertThat(endpoint.getConfiguration().getCheckpointTable()).isEqualTo("dynamo-lake-checkpoints");
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    /** Writes {@code versions} versions of {@code keys} keys named {@code prefix-<k>}, 25 items per call. */
    private static void write(String prefix, int keys, int versions) {
        List<WriteRequest> batch = new ArrayList<>();
        for (int v = 0; v < versions; v++) {
            for (int k = 0; k < keys; k++) {
                Map<String, AttributeValue> item = item("pk", s(prefix + "-" + k), "v", n(Integer.toString(v)));
                batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
                if (batch.size() == 25) {
                    flush(batch);
                    batch = new ArrayList<>();
                }
            }
            flush(batch);
            batch = new ArrayList<>();
        }
    }

    private static void flush(List<WriteRequest> batch) {
        if (!batch.isEmpty()) {
            List<WriteRequest> requests = List.copyOf(batch);
            aws.dynamoDb().batchWriteItem(b -> b.requestItems(Map.of(TABLE, requests)));
        }
    }

    private static List<JsonNode> landed(String prefix) {
        return lake.envelopes().stream()
                .filter(e -> e.path("keys").path("pk").asText().startsWith(prefix + "-"))
                .toList();
    }

    private static List<JsonNode> awaitLanded(String prefix, int distinct) {
        return await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> landed(prefix),
                        l -> l.stream()
                                        .map(e -> e.path("eventId").asText())
                                        .distinct()
                                        .count()
                                >= distinct);
    }

    /** Every (key, version) arrived, and ordering by sequence number gives each key's versions in write order. */
    private static void assertCompleteAndOrdered(List<JsonNode> envelopes, int keys, int versions) {
        Map<String, List<JsonNode>> perKey = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode e : envelopes) {
            if (seen.add(e.path("eventId").asText())) {
                perKey.computeIfAbsent(e.path("keys").path("pk").asText(), k -> new ArrayList<>())
                        .add(e);
            }
        }
        assertThat(perKey).hasSize(keys);
        perKey.forEach((key, list) -> {
            list.sort(Comparator.comparing(
                    e -> new BigInteger(e.path("sequenceNumber").asText())));
            List<Integer> order =
                    list.stream().map(e -> e.path("object").path("v").asInt()).toList();
            List<Integer> expected =
                    java.util.stream.IntStream.range(0, versions).boxed().toList();
            assertThat(order).as("versions of %s in sequence-number order", key).isEqualTo(expected);
        });
    }

    private static long duplicates(List<JsonNode> envelopes) {
        return envelopes.size()
                - envelopes.stream()
                        .map(e -> e.path("eventId").asText())
                        .distinct()
                        .count();
    }

    private static MeterRegistry meters() {
        return app.getCamelContext().getRegistry().findSingleByType(MeterRegistry.class);
    }

    @Test
    void landsEveryChangeInOrderPerKeyWhileShardsRollOverAndSplit() {
        write("roll", 500, 40);
        List<JsonNode> envelopes = awaitLanded("roll", 20_000);
        assertCompleteAndOrdered(envelopes, 500, 40);
        assertThat(duplicates(envelopes)).as("no faults, so no duplicates").isZero();
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(TABLE)).table().latestStreamArn();
        var shards = StreamReader.shards(aws.streams(), stream);
        assertThat(shards.size()).isGreaterThan(10);
        assertThat(shards.stream()
                        .filter(sh -> sh.parentShardId() != null)
                        .collect(java.util.stream.Collectors.groupingBy(
                                sh -> sh.parentShardId(), java.util.stream.Collectors.counting()))
                        .values())
                .as("some shards split in two")
                .contains(2L);
        JsonNode one = envelopes.get(0);
        assertThat(one.path("table").asText()).isEqualTo(TABLE);
        assertThat(one.path("shardId").asText()).startsWith("shardId-");
        assertThat(one.path("approximateCreationDateTime").asText()).endsWith("Z");
    }

    @Test
    void nothingIsMissingWhenFirehoseRefusesEntriesAndCallsAreThrottled() {
        Faults faults = aws.stack().emulator().faults();
        double refusedBefore =
                meters().find("dynamolake.firehose.refused.entries").counter().count();
        faults.failFirehoseEntries(TABLE + "-deltas", 0.2, -1, 11);
        faults.throttle("Firehose_20150804.PutRecordBatch", 4, null);
        faults.throttle("DynamoDBStreams_20120810.GetRecords", 4, null);
        try {
            write("faults", 100, 20);
            List<JsonNode> envelopes = awaitLanded("faults", 2_000);
            assertCompleteAndOrdered(envelopes, 100, 20);
        } finally {
            faults.clear();
        }
        assertThat(meters().find("dynamolake.firehose.refused.entries")
                        .counter()
                        .count())
                .as("refused records were sent again (packed records: a few refusals cover many changes)")
                .isGreaterThan(refusedBefore);
    }

    @Test
    void resumesFromTheCheckpointWhenIteratorsExpire() {
        write("expiry", 50, 10);
        awaitLanded("expiry", 500);
        aws.stack().emulator().faults().expireIterators();
        write("expiry", 50, 20);
        List<JsonNode> envelopes = awaitLanded("expiry", 1000);
        assertThat(duplicates(envelopes))
                .as("the readers resumed after their checkpoints")
                .isZero();
    }

    @Test
    void deadLettersARecordItCannotConvertAndGoesOn() {
        double before =
                meters().find("dynamolake.deltas.dead.letters").counter().count();
        aws.stack().emulator().faults().corruptStreamRecords(TABLE, 1);
        aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item("pk", s("dead-0"), "v", n("0"))));
        aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item("pk", s("dead-1"), "v", n("0"))));
        awaitLanded("dead", 1);
        List<String> letters = await().atMost(Duration.ofSeconds(30)).until(() -> letters("dead-0"), l -> !l.isEmpty());
        JsonNode letter = lake.lines(letters.get(0)).get(0);
        assertThat(letter.path("reason").asText())
                .as("named as the stream sent it: the AWS SDK would have read the value as one of no type")
                .contains("dynamodb.NewImage.corrupted")
                .contains("unknown type tag 'X'");
        assertThat(letter.path("record")
                        .path("dynamodb")
                        .path("Keys")
                        .path("pk")
                        .path("S")
                        .asText())
                .isEqualTo("dead-0");
        assertThat(letter.path("record")
                        .path("dynamodb")
                        .path("NewImage")
                        .path("v")
                        .path("N")
                        .asText())
                .as("kept whole: the rest of the image is there")
                .isEqualTo("0");
        assertThat(letters.get(0))
                .endsWith("/" + letter.path("shardId").asText() + "-"
                        + letter.path("sequenceNumber").asText() + ".json");
        assertThat(landed("dead"))
                .extracting(e -> e.path("keys").path("pk").asText())
                .containsOnly("dead-1");
        assertThat(meters().find("dynamolake.deltas.dead.letters").counter().count())
                .isEqualTo(before + 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeltaEnvelopes.fromJson(
                        letter.path("record"), TABLE, letter.path("shardId").asText()))
                .as("a replay meets the same reason")
                .isInstanceOf(ItemFormatException.class);
    }

    /**
     * Records sent without their sequence number go to the dead letters, each its own, and the shard's checkpoint moves
     * by the last record that has one: the batch is not processed again and again, and the next change lands.
     */
    @Test
    void recordsSentWithoutSequenceNumbersAreDeadLetteredOnceEachAndTheShardGoesOn() {
        double before =
                meters().find("dynamolake.deltas.dead.letters").counter().count();
        aws.stack().emulator().faults().unnumberStreamRecords(TABLE, 2);
        write("unnumbered", 2, 1);
        List<String> letters =
                await().atMost(Duration.ofSeconds(30)).until(() -> letters("unnumbered-"), l -> l.size() >= 2);
        assertThat(letters)
                .as("one letter each, named by a digest of the record")
                .hasSize(2)
                .allSatisfy(k -> assertThat(k).contains("-unknown-"));
        assertThat(letters.stream()
                        .map(k -> lake.lines(k).get(0).path("reason").asText())
                        .toList())
                .allSatisfy(reason -> assertThat(reason).contains("dynamodb.SequenceNumber"));
        aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item("pk", s("numbered-0"), "v", n("0"))));
        awaitLanded("numbered", 1);
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> meters().find("dynamolake.deltas.dead.letters")
                                .counter()
                                .count()
                        == before + 2);
        assertThat(landed("numbered")).as("once").hasSize(1);
    }

    /** The stream's dead letters of records whose JSON holds {@code marker} (each test its own keys). */
    private static List<String> letters(String marker) {
        return lake.keys("dead-letters/stream/").stream()
                .filter(k -> lake.lines(k).get(0).path("record").toString().contains(marker))
                .toList();
    }

    @Test
    void writesEnvelopesTooLargeForFirehoseStraightToTheLake() throws Exception {
        byte[] blob = new byte[390 * 1024];
        new java.util.Random(3).nextBytes(blob);
        aws.dynamoDb()
                .putItem(b -> b.tableName(TABLE)
                        .item(item(
                                "pk",
                                s("big-0"),
                                "v",
                                n("0"),
                                "blob",
                                AttributeValue.fromB(SdkBytes.fromByteArray(blob)))));
        aws.dynamoDb()
                .putItem(b -> b.tableName(TABLE)
                        .item(item(
                                "pk",
                                s("big-0"),
                                "v",
                                n("1"),
                                "blob",
                                AttributeValue.fromB(SdkBytes.fromByteArray(blob)))));
        await().atMost(Duration.ofSeconds(30)).until(() -> landed("big").size() >= 2);
        List<String> overflow = lake.keys("deltas-overflow/");
        assertThat(overflow).as("old and new image in base64 pass 1,000 KiB").hasSize(1);
        JsonNode modify = lake.lines(overflow.get(0)).get(0);
        assertThat(modify.path("action").asText()).isEqualTo("MODIFY");
        assertThat(modify.path("object").path("v").asInt()).isEqualTo(1);
        assertThat(lake.bytes(overflow.get(0)).length).isGreaterThan(DeltaMapper.MAX_FIREHOSE_RECORD);
    }
}
