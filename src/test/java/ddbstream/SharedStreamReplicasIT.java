package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;

import com.fasterxml.jackson.databind.JsonNode;
import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.ShardLease;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import localaws.streams.StreamSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Fixtures;
import testsupport.JavaProcess;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.SharedStreamConsumer;

/**
 * Replicas of a shared stream ({@code mode=shared}) in processes of their own, as production loses them: one killed
 * with SIGKILL mid-stream, one frozen with SIGSTOP past its leases and then let go on. The stack runs in the test's
 * process; each replica appends what it delivered to a file before its checkpoint moves.
 */
class SharedStreamReplicasIT {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> s.withStreams(
            new StreamSettings(0, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15))));

    private static final long LEASE = 3000;
    private static final long RENEW = 500;
    private static final int KEYS = 40;
    private static final int BATCH = 100;

    @TempDir
    Path dir;

    private JavaProcess replica(String table, String worker) throws IOException {
        JavaProcess p = JavaProcess.start(
                SharedStreamConsumer.class.getName(),
                List.of("-Xmx256m"),
                List.of(
                        aws.stack().emulatorEndpoint().toString(),
                        aws.stack().s3Endpoint().toString(),
                        aws.stack().sqsEndpoint().toString(),
                        table,
                        worker,
                        dir.resolve(worker + ".jsonl").toString(),
                        Long.toString(LEASE),
                        Long.toString(RENEW)),
                dir);
        p.awaitLine("CONSUMER READY", Duration.ofSeconds(60));
        return p;
    }

    /** A table whose stream has four open shards (two splits), and its stream's ARN. */
    private static String tableWithFourShards(String table) {
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        write(table, 0, 100);
        aws.stack().emulator().faults().rolloverShards(table, true);
        aws.stack().emulator().faults().rolloverShards(table, true);
        return aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    private static void write(String table, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, "k", KEYS, from, to);
    }

    /** Every record the replicas delivered, file by file (a line still being written is left out). */
    private List<JsonNode> delivered() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                String text = Files.readString(f);
                int end = text.lastIndexOf('\n');
                for (String line : text.substring(0, end + 1).split("\n")) {
                    if (!line.isBlank()) {
                        out.add(Lake.JSON.readTree(line));
                    }
                }
            }
        }
        return out;
    }

    private Set<Integer> values() throws IOException {
        return delivered().stream().map(l -> l.path("v").asInt()).collect(Collectors.toSet());
    }

    private static CheckpointStore store() {
        return new CheckpointStore(aws.dynamoDb(), SharedStreams.CHECKPOINTS);
    }

    private static Set<String> shardsOf(Map<String, String> owners, String worker) {
        return owners.entrySet().stream()
                .filter(e -> e.getValue().equals(worker))
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    @Test
    void threeReplicasReadThirtyThousandChangesInOrderWhileShardsRollOverAndSplit() throws Exception {
        String table = "thirty-thousand";
        String stream = tableWithFourShards(table);
        List<JavaProcess> replicas = new ArrayList<>();
        try {
            int total = 30_000;
            int rounds = 5;
            int step = (total - 100) / rounds;
            for (int round = 0; round < rounds; round++) {
                if (round == 3) {
                    // A backlog over three generations of shards first, then changes while the replicas read: a
                    // child read before its parent's end would deliver a key's newer change before its older ones.
                    for (String w : List.of("a", "b", "c")) {
                        replicas.add(replica(table, w));
                    }
                }
                int from = 100 + round * step;
                write(table, from, round == rounds - 1 ? total : from + step);
                aws.stack().emulator().faults().rolloverShards(table, round % 2 == 1);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> values().size() >= total);

            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, total).boxed().toList());
            // Each key's changes, first deliveries only, in the order they were made: across shards (a child only
            // after its parent's end) and across the replicas (by the time each delivered them).
            List<JsonNode> lines = new ArrayList<>(delivered());
            lines.sort(java.util.Comparator.comparing(
                    l -> Instant.parse(l.path("at").asText())));
            Map<String, List<Integer>> byKey = new HashMap<>();
            Set<Integer> seen = new java.util.HashSet<>();
            for (JsonNode l : lines) {
                if (seen.add(l.path("v").asInt())) {
                    byKey.computeIfAbsent(l.path("pk").asText(), k -> new ArrayList<>())
                            .add(l.path("v").asInt());
                }
            }
            assertThat(byKey).hasSize(KEYS);
            byKey.forEach((key, values) -> assertThat(values)
                    .as("the changes of %s in delivery order", key)
                    .isSorted());
            assertTwiceOnlyWhereShardsChangedHands(table, stream);
            assertThat(lines.stream().map(l -> l.path("worker").asText()).collect(Collectors.toSet()))
                    .as("every replica read a share")
                    .containsExactlyInAnyOrder("a", "b", "c");
        } finally {
            for (JavaProcess p : replicas) {
                p.close();
            }
        }
    }

    /**
     * Records delivered twice only where a shard changed hands with a batch in flight: at most one batch per take
     * after the first (the lease's epoch counts them); and the stack never counted more than two readers of a shard
     * at once.
     */
    private void assertTwiceOnlyWhereShardsChangedHands(String table, String stream) throws IOException {
        Map<String, ShardLease> leases = store().loadShards("g", stream).leases();
        Map<Integer, List<JsonNode>> byValue = new HashMap<>();
        delivered()
                .forEach(l -> byValue.computeIfAbsent(l.path("v").asInt(), v -> new ArrayList<>())
                        .add(l));
        Map<String, Long> twicePerShard = byValue.values().stream()
                .filter(ls -> ls.size() > 1)
                .collect(Collectors.groupingBy(ls -> ls.get(0).path("shard").asText(), Collectors.counting()));
        assertThat(twicePerShard)
                .as("records delivered twice, per shard")
                .allSatisfy((shard, n) -> assertThat(n)
                        .as("records of %s delivered twice", shard)
                        .isLessThanOrEqualTo(BATCH * (leases.get(shard).epoch() - 1)));
        SharedStreams.assertAtMostTwoReadersPerShard(aws, table);
    }

    @Test
    void aReplicaKilledMidStreamHasItsShardsTakenWithinALeaseAndNothingIsLost() throws Exception {
        String table = "killed";
        String stream = tableWithFourShards(table);
        List<JavaProcess> replicas = new ArrayList<>();
        try {
            for (String w : List.of("a", "b", "c")) {
                replicas.add(replica(table, w));
            }
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(
                                    Set.copyOf(SharedStreams.owners(aws, stream).values()))
                            .containsExactlyInAnyOrder("a", "b", "c"));
            write(table, 100, 600);
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 600);

            // Changes keep arriving while b dies with SIGKILL: no shutdown hook, no release.
            Thread writer = new Thread(() -> {
                for (int from = 600; from < 2600; from += 100) {
                    write(table, from, from + 100);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> values().size() >= 800); // b dies mid-stream
            Set<String> moved = shardsOf(SharedStreams.owners(aws, stream), "b");
            assertThat(moved).as("b reads a share").isNotEmpty();
            long killedAt = System.nanoTime();
            replicas.get(1).kill();
            await().atMost(Duration.ofMillis(LEASE + 4 * RENEW))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> SharedStreams.owners(aws, stream).keySet().containsAll(moved)
                            && !SharedStreams.owners(aws, stream).containsValue("b"));
            long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertThat(tookMs)
                    .as("b's shards taken over within one lease expiry (%d ms) and a renew interval", LEASE)
                    .isLessThanOrEqualTo(LEASE + 2 * RENEW);
            writer.join();
            await().atMost(Duration.ofSeconds(30)).until(() -> values().size() >= 2600);

            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 2600).boxed().toList());
            assertTwiceOnlyWhereShardsChangedHands(table, stream);
        } finally {
            for (JavaProcess p : replicas) {
                p.close();
            }
        }
    }

    @Test
    void aReplicaPausedPastItsLeasesCannotMoveACheckpointAndTheOthersLoseNothing() throws Exception {
        String table = "paused";
        String stream = tableWithFourShards(table);
        List<JavaProcess> replicas = new ArrayList<>();
        try {
            for (String w : List.of("a", "b")) {
                replicas.add(replica(table, w));
            }
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(
                                    Set.copyOf(SharedStreams.owners(aws, stream).values()))
                            .containsExactlyInAnyOrder("a", "b"));
            write(table, 100, 500);
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 500);

            // b freezes (a long GC pause, a stalled VM) while its shards get changes, past its leases' expiry.
            Set<String> frozen = shardsOf(SharedStreams.owners(aws, stream), "b");
            assertThat(frozen).isNotEmpty();
            replicas.get(1).pause();
            write(table, 500, 1000);
            await().atMost(Duration.ofMillis(LEASE + 4 * RENEW + 10_000))
                    .until(() -> SharedStreams.owners(aws, stream).keySet().containsAll(frozen)
                            && !SharedStreams.owners(aws, stream).containsValue("b"));
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 1000);
            Map<String, Checkpoint> before = store().load("g", stream);

            // b runs on: whatever it had in hand, it can neither checkpoint nor take back what a read meanwhile.
            replicas.get(1).resume();
            await().during(Duration.ofMillis(4 * RENEW))
                    .atMost(Duration.ofMillis(6 * RENEW))
                    .untilAsserted(() -> {
                        Map<String, Checkpoint> after = store().load("g", stream);
                        for (String shard : frozen) {
                            assertThat(sequence(after.get(shard)))
                                    .as("the checkpoint of %s after b ran on", shard)
                                    .isGreaterThanOrEqualTo(sequence(before.get(shard)));
                        }
                    });
            write(table, 1000, 1200);
            await().atMost(Duration.ofSeconds(20)).until(() -> values().size() >= 1200);
            assertThat(values())
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 1200).boxed().toList());
            assertThat(replicas.get(1).isAlive()).as("b lives on as a replica").isTrue();
            SharedStreams.assertAtMostTwoReadersPerShard(aws, table);
        } finally {
            for (JavaProcess p : replicas) {
                p.close();
            }
        }
    }

    private static BigInteger sequence(Checkpoint c) {
        return c == null || c.sequenceNumber() == null ? BigInteger.ZERO : new BigInteger(c.sequenceNumber());
    }
}
