package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.s;

import ddbstream.checkpoint.CheckpointStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import lease.Lease;
import localaws.Faults;
import localaws.streams.StreamSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.BatchCollector;
import testsupport.Contexts;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/**
 * What AWS does to a consumer in production, one fault at a time: records trimmed under a checkpoint, a shard that
 * vanishes from the stream, DescribeStream throttled again and again, a batch that keeps failing. Each is reported
 * once and loudly, backs off instead of looping, and never moves the lease between replicas.
 */
class ShardFaultsTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> s.withStreams(
            new StreamSettings(0, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15))));

    private static final String SHARD_ITERATOR = "DynamoDBStreams_20120810.GetShardIterator";
    private static final String DESCRIBE_STREAM = "DynamoDBStreams_20120810.DescribeStream";

    private static void write(String table, String prefix, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, prefix, 20, from, to);
    }

    private static String uri(String table, String group) {
        return uri(table, group, Map.of());
    }

    /** The test's endpoint: quick polls, a 3 s lease, retries from 50 ms to 10 s; {@code options} override these. */
    private static String uri(String table, String group, Map<String, String> options) {
        Map<String, String> o = new java.util.TreeMap<>(Map.of(
                "checkpointGroup", group,
                "idleDelay", "50",
                "shardDiscoveryInterval", "200",
                "leaseRenewInterval", "500",
                "leaseDuration", "3000",
                "retryDelay", "50",
                "maxRetryDelay", "10000"));
        o.putAll(options);
        return "ddbstream:" + table + "?"
                + o.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining("&"));
    }

    private static Faults faults() {
        return aws.stack().emulator().faults();
    }

    private static long calls(String target) {
        return faults().calls().getOrDefault(target, 0L);
    }

    private static double dataLoss(MeterRegistry meters) {
        var c = meters.find("dynamolake.stream.data.loss").counter();
        return c == null ? 0 : c.count();
    }

    private static HealthCheck.Result health(CamelContext context, String table) {
        return HealthCheckRegistry.get(context)
                .getCheck("ddbstream-" + table)
                .orElseThrow()
                .call();
    }

    /** Reads the table's changes, stops, and leaves the next ones unread. */
    private static void consumeThenStop(String table, String group, int changes) throws Exception {
        BatchCollector.consumeThenStop(aws, uri(table, group), changes, Duration.ofSeconds(20));
    }

    @Test
    void aTrimFoundAtGetShardIteratorStopsTheShardOnceNotEverySecond() throws Exception {
        String table = "trim-at-iterator";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        write(table, "a", 0, 10);
        consumeThenStop(table, "g", 10);
        write(table, "a", 10, 20);
        faults().trimStream(table); // the checkpoint is now behind the trim horizon
        MeterRegistry meters = new SimpleMeterRegistry();
        BatchCollector collector = new BatchCollector(uri(table, "g"));
        CamelContext context = Contexts.started(aws, meters, collector);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> dataLoss(meters) >= 1);
            long iterators = calls(SHARD_ITERATOR);
            // Regression: the stopped shard was started again every second, counting the same loss each time.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> dataLoss(meters) == 1 && calls(SHARD_ITERATOR) == iterators);
            HealthCheck.Result result = health(context, table);
            assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(result.getDetails()).containsKey("dataLoss");
            assertThat(collector.records())
                    .as("nothing after the loss without permission")
                    .isEmpty();
        } finally {
            context.stop();
        }
    }

    @Test
    void aShardGoneFromTheStreamIsReportedOnceAndItsChildrenWaitUnlessAllowed() throws Exception {
        String table = "vanished";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        write(table, "v", 0, 10);
        consumeThenStop(table, "g", 10);
        write(table, "v", 10, 20); // unread when its shard closes and, 24 hours later, is gone
        faults().rolloverShards(table, false);
        faults().trimAndForgetShards(table);
        write(table, "v", 20, 30); // in the child shard
        MeterRegistry meters = new SimpleMeterRegistry();
        BatchCollector collector = new BatchCollector(uri(table, "g"));
        CamelContext context = Contexts.started(aws, meters, collector);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> dataLoss(meters) >= 1);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> dataLoss(meters) == 1);
            assertThat(health(context, table).getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(collector.records())
                    .as("the child waits: the loss needs a decision")
                    .isEmpty();
        } finally {
            context.stop();
        }
        BatchCollector allowed = new BatchCollector(uri(table, "g", Map.of("resumeFromTrimHorizon", "true")));
        CamelContext resumed = Contexts.started(aws, allowed);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> allowed.records().size() >= 10);
            assertThat(allowed.records())
                    .extracting(r ->
                            Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                    .as("with permission the child's changes land")
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.IntStream.range(20, 30).boxed().toList());
        } finally {
            resumed.stop();
        }
        MeterRegistry again = new SimpleMeterRegistry();
        CamelContext later = Contexts.started(aws, again, new BatchCollector(uri(table, "g")));
        try {
            // The loss was accepted by going on: a later start does not report it again.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> dataLoss(again) == 0);
        } finally {
            later.stop();
        }
    }

    @Test
    void aShardThatVanishesWhileReadBacksOffAndIsReportedOnce() throws Exception {
        String table = "vanishing";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        MeterRegistry meters = new SimpleMeterRegistry();
        BatchCollector collector = new BatchCollector(uri(table, "g", Map.of("resumeFromTrimHorizon", "true")));
        CamelContext context = Contexts.started(aws, meters, collector);
        try {
            write(table, "w", 0, 10);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> collector.records().size() >= 10);
            // The open shard is read to its end as it closes; hold its reader back so the shard vanishes under it.
            faults().throttle("DynamoDBStreams_20120810.GetRecords", 1_000_000, null);
            write(table, "w", 10, 20);
            faults().rolloverShards(table, false);
            faults().trimAndForgetShards(table);
            faults().throttle("DynamoDBStreams_20120810.GetRecords", 0, null);
            write(table, "w", 20, 30);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> collector.records().size() >= 20);
            long iterators = calls(SHARD_ITERATOR);
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> dataLoss(meters) == 1 && calls(SHARD_ITERATOR) <= iterators + 1);
        } finally {
            context.stop();
        }
    }

    private static Set<String> closedShards(String stream) {
        return aws.streams().describeStream(b -> b.streamArn(stream)).streamDescription().shards().stream()
                .filter(sh -> sh.sequenceNumberRange().endingSequenceNumber() != null)
                .map(sh -> sh.shardId())
                .collect(Collectors.toSet());
    }

    @Test
    void aWeekOfRolloversGrowsNeitherTheCheckpointTableNorTheShardGraph() throws Exception {
        String table = "rollovers";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints");
        // The stream's retention as the stack's "24 hours later" fault plays it: a finished shard the stream no longer
        // lists is past it at once.
        BatchCollector collector = new BatchCollector(uri(table, "g", Map.of("streamRetention", "1")));
        CamelContext context = Contexts.started(aws, collector);
        int rollovers = 14; // a week of rollovers every 12 hours, some of them splits
        try {
            for (int day = 0; day < rollovers; day++) {
                int upTo = (day + 1) * 5;
                write(table, "r", day * 5, upTo);
                faults().rolloverShards(table, day % 3 == 0);
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> collector.records().size() >= upTo);
                // The closed shards were read to their end, and their children started: 24 hours later the stream
                // lists them no more.
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    Set<String> ended = store.load("g", stream).values().stream()
                            .filter(c -> c.shardEnd())
                            .map(c -> c.shardId())
                            .collect(Collectors.toSet());
                    return ended.containsAll(closedShards(stream));
                });
                faults().trimAndForgetShards(table);
            }
            write(table, "r", rollovers * 5, rollovers * 5 + 5);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> collector.records().size() >= rollovers * 5 + 5);

            Set<String> listed =
                    aws.streams().describeStream(b -> b.streamArn(stream)).streamDescription().shards().stream()
                            .map(sh -> sh.shardId())
                            .collect(Collectors.toSet());
            DdbStreamConsumer consumer =
                    (DdbStreamConsumer) context.getRoutes().get(0).getConsumer();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(store.load("g", stream).keySet())
                        .as("checkpoints only of the shards the stream still lists")
                        .isSubsetOf(listed);
                assertThat(consumer.getShards())
                        .as("the consumer's shards: only those the stream lists")
                        .hasSize(listed.size());
            });
            assertThat(listed)
                    .as("a handful of open shards, not a week of them")
                    .hasSizeLessThanOrEqualTo(4);
            assertThat(collector.records())
                    .extracting(r ->
                            Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                    .as("every change of the week, once")
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, rollovers * 5 + 5)
                            .boxed()
                            .toList());
        } finally {
            context.stop();
        }
    }

    @Test
    void theCheckpointOfAFinishedShardStaysUntilItsEndIsOlderThanTheStreamsRetention() throws Exception {
        String table = "retained";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints");
        BatchCollector collector = new BatchCollector(uri(table, "g"));
        CamelContext context = Contexts.started(aws, collector);
        try {
            write(table, "k", 0, 5);
            faults().rolloverShards(table, false);
            Set<String> closed = closedShards(stream);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.load("g", stream).values().stream()
                            .filter(c -> c.shardEnd())
                            .map(c -> c.shardId())
                            .collect(Collectors.toSet())
                            .containsAll(closed));
            write(table, "k", 5, 10); // the child has started
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> collector.records().size() >= 10);
            faults().trimAndForgetShards(table);
            // Several discoveries later (every 200 ms), the end is seconds old, not the 24 hours the stream keeps
            // records: the checkpoint stays.
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> store.load("g", stream).keySet().containsAll(closed));
        } finally {
            context.stop();
        }
    }

    @Test
    void throttledDescribeStreamNeverMovesTheLeaseToTheOtherReplica() throws Exception {
        String table = "throttled";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        // One reader and a standby (mode single); a lease of 1.5 s renewed every 0.3 s, and retries backing off up to
        // 4 s: longer than the lease.
        Map<String, String> options =
                Map.of("mode", "single", "leaseDuration", "1500", "leaseRenewInterval", "300", "maxRetryDelay", "4000");
        BatchCollector a = new BatchCollector(uri(table, "g", options));
        CamelContext first = Contexts.started(aws, a);
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.leases().currentLease("g", table).isPresent());
        Lease before = store.leases().currentLease("g", table).orElseThrow();
        BatchCollector b = new BatchCollector(uri(table, "g", options));
        CamelContext second = Contexts.started(aws, b);
        try {
            long described = calls(DESCRIBE_STREAM);
            // Regression: the coordinator's backoff grew past the lease, which expired, and the standby took it.
            faults().throttle(DESCRIBE_STREAM, 8, null);
            write(table, "t", 0, 50);
            await().atMost(Duration.ofSeconds(30)).until(() -> calls(DESCRIBE_STREAM) > described + 8);
            assertThat(store.leases().currentLease("g", table))
                    .hasValueSatisfying(l -> assertThat(l.epoch())
                            .as("the same lease, never taken over")
                            .isEqualTo(before.epoch()));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.records().size() >= 50);
            assertThat(b.records()).as("the standby read nothing").isEmpty();
        } finally {
            second.stop();
            first.stop();
        }
    }

    @Test
    void aBatchFailingLongerThanItsTimeoutTurnsHealthDownNamingItWhileOtherShardsGoOn() throws Exception {
        String table = "poison";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        faults().rolloverShards(table, true); // two open shards
        BatchCollector collector = new BatchCollector(uri(table, "g", Map.of("batchFailureTimeout", "1000")));
        collector.failWhen(batch -> batch.records().stream()
                .anyMatch(r -> r.dynamodb().keys().get("pk").s().equals("p0")));
        CamelContext context = Contexts.started(aws, collector);
        try {
            write(table, "p", 0, 100);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !collector.failed().isEmpty());
            String poisoned = collector.failed().get(0).shardId();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> health(context, table).getState() == HealthCheck.State.DOWN);
            HealthCheck.Result down = health(context, table);
            StreamBatch failing = collector.failed().get(collector.failed().size() - 1);
            assertThat(down.getMessage())
                    .hasValueSatisfying(m -> assertThat(m)
                            .contains(poisoned)
                            .contains(failing.firstSequenceNumber() + " to " + failing.lastSequenceNumber()));
            Set<String> delivered =
                    collector.batches().stream().map(StreamBatch::shardId).collect(Collectors.toSet());
            assertThat(delivered).as("the other shard went on").isNotEmpty().doesNotContain(poisoned);

            collector.failWhen(batch -> false);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> health(context, table).getState() == HealthCheck.State.UP);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> collector.records().size() >= 100);
        } finally {
            context.stop();
        }
    }
}
