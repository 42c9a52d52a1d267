package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.s;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.StreamProgress;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import item.DeltaEnvelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.BatchCollector;
import testsupport.Contexts;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/**
 * A table whose stream is turned off and on again (changing its StreamViewType requires it) gets a new stream: the
 * consumer reads the old one to its end and then the new one from its trim horizon, noticing the change within one
 * shard-discovery interval, whether it runs through the change or starts after it. Streams without new images are
 * refused unless accepted.
 */
class StreamRecreationTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String CHECKPOINTS = "dynamo-lake-checkpoints";

    private static void write(String table, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, "k", 10, from, to);
    }

    private static String uri(String table, String group) {
        return "ddbstream:" + table + "?checkpointGroup=" + group + "&idleDelay=50&shardDiscoveryInterval=500"
                + "&leaseRenewInterval=500&leaseDuration=3000&retryDelay=50&maxRetryDelay=500";
    }

    private static String latestStream(String table) {
        return aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    /** Turns the table's stream off and on with another view type; returns the new stream's ARN. */
    private static String recreateStream(String table, StreamViewType view) {
        aws.dynamoDb().updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(false)));
        aws.dynamoDb()
                .updateTable(b -> b.tableName(table)
                        .streamSpecification(s -> s.streamEnabled(true).streamViewType(view)));
        return latestStream(table);
    }

    private static List<Integer> values(List<Record> records) {
        return records.stream()
                .map(r -> Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                .toList();
    }

    private static void assertPerKeyOrder(List<Record> records) {
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (Record r : records) {
            perKey.computeIfAbsent(r.dynamodb().keys().get("pk").s(), k -> new ArrayList<>())
                    .add(Integer.parseInt(r.dynamodb().newImage().get("v").n()));
        }
        assertThat(perKey.values()).allSatisfy(v -> assertThat(v).isSorted());
    }

    @Test
    void aRunningConsumerFinishesTheOldStreamThenReadsTheNewOneFromItsTrimHorizon() throws Exception {
        String table = "recreated";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        String old = latestStream(table);
        write(table, 0, 100);
        MeterRegistry meters = new SimpleMeterRegistry();
        // The one reader of mode single removes the old stream's checkpoints at once (shared replicas keep them for
        // the stream's retention: another may still read its last shard).
        BatchCollector collector = new BatchCollector(uri(table, "g-run") + "&mode=single");
        CamelContext context = Contexts.started(aws, meters, collector);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> collector.records().size() >= 100);
            String recreated = recreateStream(table, StreamViewType.NEW_IMAGE);
            write(table, 100, 150);
            // Regression: the new stream was found only when the lease was taken again, which a running owner never
            // does.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> collector.records().size() >= 150);

            assertThat(values(collector.records())).hasSize(150).doesNotHaveDuplicates();
            assertPerKeyOrder(collector.records());
            assertThat(collector.batches())
                    .filteredOn(b -> b.streamArn().equals(recreated))
                    .flatExtracting(StreamBatch::records)
                    .as("the 50 changes made after the stream came back, all from the new stream")
                    .hasSize(50);
            assertThat(meters.find("dynamolake.stream.recreations")
                            .tag("old_stream", old)
                            .tag("new_stream", recreated)
                            .counter())
                    .as("a metric names both streams")
                    .isNotNull()
                    .satisfies(c -> assertThat(c.count()).isEqualTo(1));
            CheckpointStore store = new CheckpointStore(aws.dynamoDb(), CHECKPOINTS);
            assertThat(store.load("g-run", old))
                    .as("the checkpoints of the stream read to its end are removed once its successor is taken up")
                    .isEmpty();
            assertThat(store.load("g-run", recreated)).isNotEmpty();
            assertThat(store.streams("g-run", table))
                    .extracting(StreamProgress::streamArn, StreamProgress::finished)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(old, true),
                            org.assertj.core.groups.Tuple.tuple(recreated, false));
        } finally {
            context.stop();
        }
    }

    @Test
    void aConsumerStartedAfterTheChangeReadsWhatTheOldStreamStillHoldsFirst() throws Exception {
        String table = "recreated-stopped";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        write(table, 0, 30);
        BatchCollector.consumeThenStop(aws, uri(table, "g-stop"), 30, Duration.ofSeconds(30));

        write(table, 30, 60); // still in the old stream, unread
        String recreated = recreateStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        write(table, 60, 90);
        BatchCollector second = new BatchCollector(uri(table, "g-stop"));
        CamelContext again = Contexts.started(aws, second);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> second.records().size() >= 60);
            assertThat(values(second.records()))
                    .as("the old stream's last 30 changes, then the new stream's 30, nothing twice")
                    .hasSize(60)
                    .doesNotHaveDuplicates()
                    .allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(30));
            assertPerKeyOrder(second.records());
            assertThat(second.batches().get(second.batches().size() - 1).streamArn())
                    .isEqualTo(recreated);
        } finally {
            again.stop();
        }
    }

    @Test
    void aStreamTurnedOffAndOnTwiceWhileNoConsumerRanIsReadToo() throws Exception {
        // ListStreams finds the stream in the middle, which was never the LatestStreamArn a consumer saw.
        String table = "recreated-twice";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        write(table, 0, 20);
        BatchCollector.consumeThenStop(aws, uri(table, "g-twice"), 20, Duration.ofSeconds(30));

        String middle = recreateStream(table, StreamViewType.NEW_IMAGE);
        write(table, 20, 40);
        String last = recreateStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        write(table, 40, 60);
        BatchCollector second = new BatchCollector(uri(table, "g-twice"));
        CamelContext again = Contexts.started(aws, second);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> second.records().size() >= 40);
            assertThat(values(second.records())).hasSize(40).doesNotHaveDuplicates();
            assertPerKeyOrder(second.records());
            assertThat(second.batches())
                    .extracting(StreamBatch::streamArn)
                    .as("the middle stream's changes, then the last stream's")
                    .containsSubsequence(middle, last);
        } finally {
            again.stop();
        }
    }

    @Test
    void anOldStreamGoneBeforeItWasReadIsReportedAndTheNewOneRead() throws Exception {
        String table = "recreated-gone";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        write(table, 0, 10);
        BatchCollector.consumeThenStop(aws, uri(table, "g-gone"), 10, Duration.ofSeconds(30));

        write(table, 10, 20); // never read: the old stream is gone 24 hours after it was turned off
        String recreated = recreateStream(table, StreamViewType.NEW_AND_OLD_IMAGES);
        aws.stack().emulator().faults().forgetDisabledStreams(table);
        write(table, 20, 30);
        MeterRegistry meters = new SimpleMeterRegistry();
        BatchCollector second = new BatchCollector(uri(table, "g-gone"));
        CamelContext again = Contexts.started(aws, meters, second);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> second.records().size() >= 10);
            assertThat(values(second.records()))
                    .as("the new stream's changes: a gone stream does not stop the consumer")
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.IntStream.range(20, 30).boxed().toList());
            assertThat(second.batches())
                    .allSatisfy(b -> assertThat(b.streamArn()).isEqualTo(recreated));
            assertThat(meters.find("dynamolake.stream.data.loss").counter().count())
                    .as("the old stream's unread changes are reported lost, once")
                    .isEqualTo(1);
        } finally {
            again.stop();
        }
    }

    @Test
    void aStreamWithoutNewImagesIsRefusedAtStartWithOneLine() {
        String table = "keys-only";
        createTable(aws.dynamoDb(), table, null, StreamViewType.KEYS_ONLY);
        assertThatThrownBy(() -> Contexts.started(aws, new BatchCollector(uri(table, "g-keys"))))
                .hasStackTraceContaining("has StreamViewType KEYS_ONLY, which carries no new image")
                .hasStackTraceContaining("camel.component.ddbstream.accept-missing-new-image=true")
                .satisfies(e -> assertThat(rootOf(e)).isInstanceOf(StreamRefusedException.class));
    }

    @Test
    void anAcceptedKeysOnlyStreamLandsEnvelopesThatSaySo() throws Exception {
        String table = "keys-only-accepted";
        createTable(aws.dynamoDb(), table, null, StreamViewType.KEYS_ONLY);
        write(table, 0, 10);
        aws.dynamoDb().deleteItem(b -> b.tableName(table).key(item("pk", s("k3"))));
        BatchCollector collector = new BatchCollector(uri(table, "g-accept") + "&acceptMissingNewImage=true");
        CamelContext context = Contexts.started(aws, collector);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> collector.records().size() >= 11);
        } finally {
            context.stop();
        }
        assertThat(collector.records())
                .extracting(r -> DeltaEnvelopes.fromRecord(r, table, "s").toJson())
                .allSatisfy(json -> assertThat(json).contains("\"keysOnly\":true"));
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
