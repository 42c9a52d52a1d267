package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import ddbstream.checkpoint.CheckpointStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import lease.Lease;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.LocalStackExtension;

/**
 * One replica's shard leases against the checkpoint table, on a clock the test moves: the stream's lease the sharing
 * replicas hold together, and what a replica does when a replica of {@code stream.mode=single} took it.
 */
class ShardLeasesTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static CheckpointStore store;
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    /** A clock the test sets. */
    private static final class Hands extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeAll
    static void table() {
        store = new CheckpointStore(aws.dynamoDb(), "leases");
        store.createTableIfMissing();
    }

    private static ShardLeases leases(String table, Hands clock, List<String> lost) {
        DdbStreamConfiguration c = new DdbStreamConfiguration();
        c.setTableName(table);
        c.setCheckpointGroup("g");
        c.setMaxParallelShards(8);
        c.setLeaseDuration(2000);
        c.setLeaseRenewInterval(500);
        return new ShardLeases(store, c, "r-" + System.nanoTime(), lost::add, () -> {}, shard -> 0, clock);
    }

    @Test
    void aReplicaGivesUpItsShardsWhenASingleModeReplicaTookTheStreamsLease() {
        Hands clock = new Hands();
        List<String> lost = new CopyOnWriteArrayList<>();
        ShardLeases leases = leases("taken", clock, lost);
        assertThat(leases.holdStream().held())
                .as("free: taken for the sharing replicas")
                .isTrue();
        leases.stream("arn-taken");
        leases.balance(Set.of("a", "b"), Set.of(), Map.of(), T0);
        assertThat(leases.shards()).containsExactly("a", "b");
        assertThat(leases.holds("a")).isTrue();

        // No renewal for longer than the lease (the process paused): a replica of mode single takes the stream.
        clock.now = T0.plusSeconds(3);
        assertThat(leases.holds("a"))
                .as("past the time it is safe to act under")
                .isFalse();
        Lease single = store.leases()
                .acquire("g", "taken", "single", Duration.ofSeconds(20), clock.now)
                .orElseThrow();

        leases.renewAll();
        assertThat(lost).containsExactlyInAnyOrder("a", "b");
        assertThat(leases.shards()).isEmpty();
        assertThat(leases.holdsStream()).isFalse();
        ShardLeases.Hold hold = leases.holdStream();
        assertThat(hold.held())
                .as("while the single-mode replica holds it, the sharing ones wait")
                .isFalse();
        assertThat(hold.holder().owner()).isEqualTo("single");
        assertThat(leases.balance(Set.of("a", "b"), Set.of(), Map.of(), clock.now))
                .as("and take no shard")
                .isEmpty();

        store.leases().release("g", "taken", single);
        assertThat(leases.holdStream().held())
                .as("released: the sharing replicas take it")
                .isTrue();
    }

    @Test
    void theSharingReplicasRenewTheStreamsLeaseTogetherSoASingleModeReplicaStandsBy() {
        Hands clock = new Hands();
        Hands behind = new Hands();
        ShardLeases one = leases("together", clock, new CopyOnWriteArrayList<>());
        ShardLeases two = leases("together", behind, new CopyOnWriteArrayList<>());
        assertThat(one.holdStream().held()).isTrue();
        behind.now = T0.minusSeconds(1);
        assertThat(two.holdStream().held()).isTrue();
        long epoch = store.leases().currentLease("g", "together").orElseThrow().epoch();
        one.stream("arn-together");
        two.stream("arn-together");
        for (int s = 1; s <= 5; s++) {
            clock.now = T0.plusSeconds(s);
            behind.now = clock.now.minusSeconds(1); // its clock runs a second behind
            one.renewAll();
            two.renewAll();
            assertThat(store.leases().acquire("g", "together", "single", Duration.ofSeconds(20), clock.now))
                    .as("renewed by the sharing replicas: a single-mode replica stands by")
                    .isEmpty();
        }
        assertThat(one.holdsStream()).isTrue();
        assertThat(store.leases().currentLease("g", "together").orElseThrow())
                .as("extended by the fastest clock, never shortened by the one behind, under one epoch")
                .satisfies(l -> assertThat(l.expiresAt()).isEqualTo(T0.plusSeconds(5 + 2)))
                .satisfies(l -> assertThat(l.epoch()).isEqualTo(epoch));
    }
}
