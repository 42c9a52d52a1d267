package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.ShardLease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import localaws.Faults;
import localaws.streams.StreamSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Contexts;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/**
 * {@code mode=shared}: the consumers of one group share a stream's shards, a lease per shard in the checkpoint table.
 * Three consumers (each its own Camel context and worker id, as three replicas) read one stream whose shards split and
 * roll over while changes arrive; one stops and hands its shards over; it comes back and takes a share again.
 */
class ShardSharingTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> s.withStreams(
            new StreamSettings(0, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15))));

    private static final String CHECKPOINTS = SharedStreams.CHECKPOINTS;
    private static final int KEYS = 60;

    /** One delivered batch and the consumer that delivered it. */
    private record Delivery(String consumer, StreamBatch batch) {}

    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    private CamelContext consumer(String table, String name) throws Exception {
        return consumer(table, name, 300, 2000);
    }

    private CamelContext consumer(String table, String name, long renewInterval, long leaseDuration) throws Exception {
        String uri = "ddbstream:" + table + "?mode=shared&checkpointGroup=g&workerId=" + name
                + "&idleDelay=50&shardDiscoveryInterval=200&leaseRenewInterval=" + renewInterval + "&leaseDuration="
                + leaseDuration
                + "&retryDelay=50&maxRetryDelay=1000&maxRecordsPerRequest=100";
        return Contexts.started(aws, new RouteBuilder() {
            @Override
            public void configure() {
                from(uri)
                        .routeId("collect-" + name)
                        .process(
                                e -> deliveries.add(new Delivery(name, e.getIn().getBody(StreamBatch.class))));
            }
        });
    }

    private static Faults faults() {
        return aws.stack().emulator().faults();
    }

    private static void write(String table, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, "k", KEYS, from, to);
    }

    private List<Record> records() {
        List<Record> out = new ArrayList<>();
        deliveries.forEach(d -> out.addAll(d.batch().records()));
        return out;
    }

    private Set<Integer> values() {
        return records().stream()
                .map(r -> Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                .collect(Collectors.toSet());
    }

    @Test
    void threeConsumersShareTheShardsAndEveryChangeLandsInOrderAcrossSplitsAndAHandover() throws Exception {
        String table = "shared";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        write(table, 0, 100);
        faults().rolloverShards(table, true);
        faults().rolloverShards(table, true); // four open shards, three closed
        List<CamelContext> contexts = new ArrayList<>();
        try {
            for (String name : List.of("a", "b", "c")) {
                contexts.add(consumer(table, name));
            }
            // Four open shards over three consumers: two, one and one, each shard held by one.
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(
                                    Set.copyOf(SharedStreams.owners(aws, stream).values()))
                            .containsExactlyInAnyOrder("a", "b", "c"));
            await().atMost(Duration.ofSeconds(10)).until(() -> values().size() >= 100);
            // What each replica shows operators (JMX OwnedShards) is what the table says it holds.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Map<String, String> owners = SharedStreams.owners(aws, stream);
                for (int i = 0; i < 3; i++) {
                    String name = List.of("a", "b", "c").get(i);
                    DdbStreamConsumer consumer = (DdbStreamConsumer)
                            contexts.get(i).getRoutes().get(0).getConsumer();
                    assertThat(consumer.getStreamMode()).isEqualTo("shared");
                    assertThat(Set.of(consumer.getOwnedShards()))
                            .as("the shards %s shows", name)
                            .containsAll(owners.entrySet().stream()
                                    .filter(e -> e.getValue().equals(name))
                                    .map(Map.Entry::getKey)
                                    .toList());
                }
            });

            // Changes while shards roll over again (each open shard closes and splits, up to four open).
            for (int round = 0; round < 3; round++) {
                write(table, 100 + round * 1000, 100 + (round + 1) * 1000);
                faults().rolloverShards(table, true);
            }
            write(table, 3100, 3200);
            await().atMost(Duration.ofSeconds(30)).until(() -> values().size() >= 3200);

            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 3200).boxed().toList());
            assertPerKeyOrder();
            assertThat(deliveries.stream().map(Delivery::consumer).collect(Collectors.toSet()))
                    .as("every consumer read a share")
                    .containsExactlyInAnyOrder("a", "b", "c");
            assertOneReaderAtATime(table, stream);

            // b stops (SIGTERM): it checkpoints, hands its shards over at once, and a and c read on without a
            // duplicate.
            int before = records().size();
            contexts.get(1).stop();
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(
                                    Set.copyOf(SharedStreams.owners(aws, stream).values()))
                            .as("b's shards taken well within a lease's expiry")
                            .containsExactlyInAnyOrder("a", "c"));
            write(table, 3200, 3500);
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 3500);
            assertThat(records().subList(before, records().size()))
                    .extracting(r ->
                            Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                    .filteredOn(v -> v >= 3200) // a batch fenced before the stop may still land
                    .as("after a handover by stop, nothing twice")
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(3200, 3500).boxed().toList());

            // A replica joining takes its share within two lease periods.
            contexts.set(1, consumer(table, "d"));
            await().atMost(Duration.ofSeconds(4))
                    .untilAsserted(
                            () -> assertThat(SharedStreams.owners(aws, stream).values())
                                    .contains("d"));
            write(table, 3500, 3800);
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 3800);
            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 3800).boxed().toList());
            assertPerKeyOrder();
            assertOneReaderAtATime(table, stream);
        } finally {
            for (CamelContext c : contexts) {
                c.stop();
            }
        }
    }

    /**
     * A replica that finishes a shard takes its children in the same round, not a renew interval later: with rounds
     * 20 s apart, three generations of shards behind each other are read in well under one round.
     */
    @Test
    void aReplicaTakesAFinishedShardsChildrenAtOnce() throws Exception {
        String table = "generations";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        for (int generation = 0; generation < 3; generation++) {
            write(table, generation * 100, (generation + 1) * 100);
            faults().rolloverShards(table, true);
        }
        write(table, 300, 400);
        CamelContext context = consumer(table, "a", 20_000, 60_000);
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> values().size() >= 400);
        } finally {
            context.stop();
        }
    }

    /**
     * Shards are balanced by throughput, not only by count: when one replica holds both shards that take all the
     * writes, the other takes one of them (and gives back an idle one), so each ends with one busy shard, and counts
     * stay even.
     */
    @Test
    void replicasBalanceTheirShardsByThroughput() throws Exception {
        String table = "hot";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        faults().rolloverShards(table, true);
        faults().rolloverShards(table, true); // four open shards
        write(table, 0, 120);
        List<CamelContext> contexts = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = null;
        try {
            for (String name : List.of("a", "b")) {
                contexts.add(consumer(table, name));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 120);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                Map<String, String> owners = SharedStreams.owners(aws, stream);
                return owners.size() == 4
                        && owners.values().stream().filter("a"::equals).count() == 2;
            });
            // The two shards one replica holds become the busy ones: writes only to keys that land there.
            Map<String, String> owners = SharedStreams.owners(aws, stream);
            Set<String> hot = owners.entrySet().stream()
                    .filter(e -> e.getValue().equals("a"))
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            Map<String, String> shardOfKey = new HashMap<>();
            deliveries.forEach(d -> d.batch()
                    .records()
                    .forEach(r -> shardOfKey.put(
                            r.dynamodb().keys().get("pk").s(), d.batch().shardId())));
            List<String> hotKeys = shardOfKey.entrySet().stream()
                    .filter(e -> hot.contains(e.getValue()))
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            assertThat(hotKeys.stream().map(shardOfKey::get).collect(Collectors.toSet()))
                    .isEqualTo(hot);
            writer = new Thread(() -> {
                for (int v = 1000; writing.get(); v++) {
                    String key = hotKeys.get(v % hotKeys.size());
                    int value = v;
                    aws.dynamoDb()
                            .putItem(b ->
                                    b.tableName(table).item(Map.of("pk", s(key), "v", n(Integer.toString(value)))));
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                Map<String, String> now = SharedStreams.owners(aws, stream);
                assertThat(hot.stream().map(now::get).collect(Collectors.toSet()))
                        .as("each replica reads one of the busy shards")
                        .containsExactlyInAnyOrder("a", "b");
                assertThat(now.values().stream().filter("a"::equals).count())
                        .as("and two shards each")
                        .isEqualTo(2);
            });
        } finally {
            writing.set(false);
            if (writer != null) {
                writer.join();
            }
            for (CamelContext c : contexts) {
                c.stop();
            }
        }
        assertOneReaderAtATime(table, stream);
    }

    /**
     * A rolling switch between the modes, as a Deployment rolls its pods: a replica of the other mode starts beside a
     * running one, waits as a healthy standby (a readiness probe passes, so the rollout goes on), and reads on from the
     * checkpoints once the other stops; the two modes never read at once, and nothing is lost or delivered twice.
     */
    @Test
    void theModesHandTheStreamOverBothWaysAsARollingUpdateStopsTheOldReplicas() throws Exception {
        String table = "mixed";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), CHECKPOINTS);
        CamelContext single = single(table, "single");
        CamelContext shared = null;
        CamelContext singleAgain = null;
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.leases().currentLease("g", table).isPresent());
            shared = consumer(table, "s");
            CamelContext sharedContext = shared;
            write(table, 0, 50);
            await().atMost(Duration.ofSeconds(10)).until(() -> values().size() >= 50);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> role(sharedContext, table).equals("standby"));
            assertThat(health(shared, table).getState())
                    .as("waiting for the single-mode replica is no failure")
                    .isEqualTo(org.apache.camel.health.HealthCheck.State.UP);
            write(table, 50, 60);
            await().atMost(Duration.ofSeconds(10)).until(() -> values().size() >= 60);
            assertThat(deliveries).extracting(Delivery::consumer).containsOnly("single");

            single.stop(); // releases the stream's lease: the shared replica takes it on its next try
            write(table, 60, 100);
            await().atMost(Duration.ofSeconds(15)).until(() -> values().size() >= 100);
            assertThat(valuesOf("s"))
                    .as("the shared replica reads on where the single one checkpointed")
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(60, 100).boxed().toList());

            // And back: a replica of mode single waits while the shared one reads, then takes over once it stops.
            singleAgain = single(table, "single-again");
            CamelContext again = singleAgain;
            await().atMost(Duration.ofSeconds(5)).until(() -> role(again, table).equals("standby"));
            write(table, 100, 120);
            await().atMost(Duration.ofSeconds(10)).until(() -> values().size() >= 120);
            assertThat(valuesOf("single-again")).as("standing by").isEmpty();
            shared.stop();
            write(table, 120, 160);
            await().atMost(Duration.ofSeconds(15)).until(() -> values().size() >= 160);
            assertThat(valuesOf("single-again"))
                    .as("the single replica reads on where the shared one checkpointed")
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(120, 160).boxed().toList());
            assertThat(records()).as("every change once").hasSize(160);
        } finally {
            single.stop();
            if (shared != null) {
                shared.stop();
            }
            if (singleAgain != null) {
                singleAgain.stop();
            }
        }
        SharedStreams.assertAtMostTwoReadersPerShard(aws, table);
    }

    private CamelContext single(String table, String name) throws Exception {
        return Contexts.started(aws, new RouteBuilder() {
            @Override
            public void configure() {
                from("ddbstream:" + table + "?mode=single&checkpointGroup=g&workerId=" + name + "&idleDelay=50"
                                + "&shardDiscoveryInterval=200&leaseRenewInterval=300&leaseDuration=2000")
                        .routeId("collect-" + name)
                        .process(
                                e -> deliveries.add(new Delivery(name, e.getIn().getBody(StreamBatch.class))));
            }
        });
    }

    private static org.apache.camel.health.HealthCheck.Result health(CamelContext c, String table) {
        return org.apache.camel.health.HealthCheckRegistry.get(c)
                .getCheck("ddbstream-" + table)
                .orElseThrow()
                .call();
    }

    private static String role(CamelContext c, String table) {
        return String.valueOf(health(c, table).getDetails().get("role"));
    }

    private List<Integer> valuesOf(String consumer) {
        return deliveries.stream()
                .filter(d -> d.consumer().equals(consumer))
                .flatMap(d -> d.batch().records().stream())
                .map(r -> Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                .toList();
    }

    @Test
    void sharedReplicasReadAStreamTurnedOffAndOnOldStreamFirstWithoutAnythingTwice() throws Exception {
        String table = "recreated-shared";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        String old =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        write(table, 0, 300);
        faults().rolloverShards(table, true); // the old stream: one closed shard and two open ones
        write(table, 300, 600);
        List<CamelContext> contexts = new ArrayList<>();
        try {
            for (String name : List.of("a", "b")) {
                contexts.add(consumer(table, name));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 600);

            // The stream turned off and on (a StreamViewType change): a new stream, read after the old one's end.
            aws.dynamoDb().updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(false)));
            aws.dynamoDb()
                    .updateTable(b -> b.tableName(table)
                            .streamSpecification(
                                    s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
            String recreated = aws.dynamoDb()
                    .describeTable(b -> b.tableName(table))
                    .table()
                    .latestStreamArn();
            assertThat(recreated).isNotEqualTo(old);
            write(table, 600, 1200);
            await().atMost(Duration.ofSeconds(30)).until(() -> values().size() >= 1200);
            // A few rounds more: a replica that re-read a shard of the old stream would deliver it now.
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(4))
                    .until(() -> records().size() == 1200);

            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 1200).boxed().toList());
            assertThat(records())
                    .as("nothing twice: the replica that finished the old stream first left its items to the other")
                    .hasSize(1200);
            assertPerKeyOrder();
            assertThat(new CheckpointStore(aws.dynamoDb(), CHECKPOINTS)
                            .load("g", old)
                            .values())
                    .as("the old stream's checkpoints stay until it finished longer ago than the retention")
                    .isNotEmpty()
                    .allSatisfy(c -> assertThat(c.shardEnd()).isTrue());
        } finally {
            for (CamelContext c : contexts) {
                c.stop();
            }
        }
    }

    /** Each key's changes, first deliveries only, arrive in the order they were made, across shards and consumers. */
    private void assertPerKeyOrder() {
        Map<String, List<Integer>> byKey = new HashMap<>();
        Set<Integer> seen = new HashSet<>();
        for (Record r : records()) {
            int v = Integer.parseInt(r.dynamodb().newImage().get("v").n());
            if (seen.add(v)) {
                byKey.computeIfAbsent(r.dynamodb().keys().get("pk").s(), k -> new ArrayList<>())
                        .add(v);
            }
        }
        byKey.forEach((key, values) -> assertThat(values)
                .as("the changes of %s in delivery order", key)
                .isSorted());
    }

    /**
     * A shard is read by one consumer at a time, each reading on where the one before it checkpointed: records arrive
     * twice only where the shard changed hands with a batch in flight, at most one batch (100 records) per take after
     * the first (the lease's epoch counts the takes). And the stack never saw more than two readers of a shard at once
     * (AWS's limit).
     */
    private void assertOneReaderAtATime(String table, String stream) {
        Map<String, ShardLease> leases = new CheckpointStore(aws.dynamoDb(), CHECKPOINTS)
                .loadShards("g", stream)
                .leases();
        Map<String, Map<String, Integer>> timesByShard = new HashMap<>();
        deliveries.forEach(d -> d.batch()
                .records()
                .forEach(r -> timesByShard
                        .computeIfAbsent(d.batch().shardId(), s -> new HashMap<>())
                        .merge(r.dynamodb().sequenceNumber(), 1, Integer::sum)));
        timesByShard.forEach((shard, times) -> {
            long twice = times.values().stream().filter(n -> n > 1).count();
            long takesAfterFirst = leases.get(shard).epoch() - 1;
            assertThat(twice)
                    .as(
                            "records of shard %s delivered twice, against the %d takes after its first",
                            shard, takesAfterFirst)
                    .isLessThanOrEqualTo(100 * takesAfterFirst);
            assertThat(times.values())
                    .as("no record of %s three times", shard)
                    .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
        });
        SharedStreams.assertAtMostTwoReadersPerShard(aws, table);
    }
}
