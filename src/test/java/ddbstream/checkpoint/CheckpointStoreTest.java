package ddbstream.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import lease.Lease;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.LocalStackExtension;

/** The checkpoint table's conditional writes, against the emulator. */
class CheckpointStoreTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static CheckpointStore store;
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

    @BeforeAll
    static void table() {
        store = new CheckpointStore(aws.dynamoDb(), "checkpoints");
        store.createTableIfMissing();
        store.createTableIfMissing();
    }

    @Test
    void roundTripsCheckpoints() {
        store.save("g", "s1", Checkpoint.at("a", "100000000000000000005", NOW), 1);
        store.save("g", "s1", Checkpoint.end("b", null, NOW), 1);
        assertThat(store.load("g", "s1")).containsOnlyKeys("a", "b");
        assertThat(store.load("g", "s1").get("a").sequenceNumber()).isEqualTo("100000000000000000005");
        assertThat(store.load("g", "s1").get("b").shardEnd()).isTrue();
        assertThat(store.load("other-group", "s1")).isEmpty();
    }

    @Test
    void neverMovesBackwardsComparingAsNumbers() {
        store.save("g", "s2", Checkpoint.at("a", "100", NOW), 1);
        assertThatThrownBy(() -> store.save("g", "s2", Checkpoint.at("a", "99", NOW), 1))
                .as("99 is shorter text but a smaller number")
                .isInstanceOf(CheckpointConflictException.class);
        store.save("g", "s2", Checkpoint.at("a", "100", NOW), 1);
        store.save("g", "s2", Checkpoint.end("a", "100", NOW), 1);
        assertThatThrownBy(() -> store.save("g", "s2", Checkpoint.at("a", "1000", NOW), 1))
                .as("nothing comes after the end of a shard")
                .isInstanceOf(CheckpointConflictException.class);
    }

    @Test
    void aConsumerWithAnOlderLeaseCannotWrite() {
        store.save("g", "s3", Checkpoint.at("a", "100", NOW), 2);
        assertThatThrownBy(() -> store.save("g", "s3", Checkpoint.at("a", "200", NOW), 1))
                .isInstanceOf(CheckpointConflictException.class)
                .hasMessageContaining("newer lease");
    }

    @Test
    void oneOwnerAtATimeUntilTheLeaseExpiresOrIsReleased() {
        Duration d = Duration.ofSeconds(20);
        Lease a = store.leases().acquire("g", "t1", "a", d, NOW).orElseThrow();
        assertThat(store.leases().acquire("g", "t1", "b", d, NOW.plusSeconds(5)))
                .isEmpty();
        assertThat(store.leases().renew("g", "t1", a, d, NOW.plusSeconds(5))).isTrue();
        assertThat(store.leases().acquire("g", "t1", "b", d, NOW.plusSeconds(20)))
                .as("renewed until 25 s")
                .isEmpty();
        Lease b = store.leases().acquire("g", "t1", "b", d, NOW.plusSeconds(26)).orElseThrow();
        assertThat(b.epoch()).isEqualTo(a.epoch() + 1);
        assertThat(store.leases().renew("g", "t1", a, d, NOW.plusSeconds(27)))
                .as("a lost it")
                .isFalse();
        store.leases().release("g", "t1", b);
        assertThat(store.leases().acquire("g", "t1", "c", d, NOW.plusSeconds(28)))
                .as("released: free at once")
                .isPresent();
        assertThat(store.leases().currentLease("g", "t1"))
                .hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo("c"));
    }

    @Test
    void aShardLeaseFencesTheCheckpointOfTheReplicaItWasTakenFrom() {
        Duration lease = Duration.ofSeconds(10);
        CheckpointStore.Taken a =
                store.takeShard("g", "shared", "s", "a", null, 1, lease, NOW).orElseThrow();
        assertThat(a.checkpoint()).as("nothing saved yet").isNull();
        assertThat(store.load("g", "shared"))
                .as("a lease alone is no checkpoint")
                .isEmpty();
        store.save("g", "shared", Checkpoint.at("s", "100", NOW), a.lease());
        assertThat(store.takeShard("g", "shared", "s", "b", null, 1, lease, NOW.plusSeconds(1)))
                .as("held: not free to take")
                .isEmpty();

        // b steals it to balance: the take hands b a's checkpoint, and a can neither save nor renew any more.
        CheckpointStore.Taken b = store.takeShard("g", "shared", "s", "b", a.lease(), 1, lease, NOW.plusSeconds(2))
                .orElseThrow();
        assertThat(b.checkpoint().sequenceNumber()).isEqualTo("100");
        assertThat(b.lease().epoch()).isEqualTo(a.lease().epoch() + 1);
        assertThatThrownBy(() -> store.save("g", "shared", Checkpoint.at("s", "200", NOW), a.lease()))
                .isInstanceOf(CheckpointConflictException.class)
                .hasMessageContaining("another replica took the shard");
        assertThat(store.renewShard("g", "shared", a.lease(), lease, NOW.plusSeconds(3)))
                .isFalse();
        assertThat(store.takeShard("g", "shared", "s", "c", a.lease(), 1, lease, NOW.plusSeconds(3)))
                .as("a steal of a lease that moved on")
                .isEmpty();
        store.save("g", "shared", Checkpoint.at("s", "300", NOW), b.lease());
        // Each renewal may record the shard's throughput, which the replicas balance by; a take keeps the figure.
        assertThat(store.renewShard("g", "shared", b.lease(), lease, NOW.plusSeconds(3), 120.25))
                .isTrue();
        assertThat(store.renewShard("g", "shared", b.lease(), lease, NOW.plusSeconds(3), -1))
                .isTrue();
        assertThat(store.loadShards("g", "shared").leases().get("s").recordsPerSecond())
                .isEqualTo(120.3);

        // b releases it: free at once, never renewed again, and the next owner reads on from b's checkpoint.
        assertThat(store.releaseShard("g", "shared", b.lease())).isTrue();
        assertThat(store.renewShard("g", "shared", b.lease(), lease, NOW.plusSeconds(4)))
                .isFalse();
        CheckpointStore.Taken c = store.takeShard("g", "shared", "s", "c", null, 1, lease, NOW.plusSeconds(4))
                .orElseThrow();
        assertThat(c.checkpoint().sequenceNumber()).isEqualTo("300");
        assertThat(c.lease().recordsPerSecond()).isEqualTo(120.3);
        assertThat(store.loadShards("g", "shared").leases().get("s").owner()).isEqualTo("c");

        // An expired lease is free too.
        assertThat(store.takeShard("g", "shared", "s", "d", null, 1, lease, NOW.plusSeconds(15)))
                .isPresent();
    }

    @Test
    void aSingleModeReaderWhoseStreamLeaseEndedCannotMoveACheckpointTheSharingReplicasTook() {
        Duration d = Duration.ofSeconds(20);
        Lease single = store.leases().acquire("g", "handover", "single", d, NOW).orElseThrow();
        store.save("g", "handover-stream", Checkpoint.at("s", "100", NOW), single.epoch());
        // Its lease ran out (the process paused); the sharing replicas take the stream's lease, then the shard.
        Lease shared = store.leases()
                .acquire("g", "handover", "stream.mode=shared", d, NOW.plusSeconds(21))
                .orElseThrow();
        CheckpointStore.Taken t = store.takeShard(
                        "g", "handover-stream", "s", "r1", null, shared.epoch(), d, NOW.plusSeconds(21))
                .orElseThrow();
        assertThat(t.checkpoint().sequenceNumber()).isEqualTo("100");
        assertThatThrownBy(() -> store.save("g", "handover-stream", Checkpoint.at("s", "200", NOW), single.epoch()))
                .as("the paused single-mode reader wakes up and saves under its old epoch")
                .isInstanceOf(CheckpointConflictException.class)
                .hasMessageContaining("newer lease");
        store.save("g", "handover-stream", Checkpoint.at("s", "300", NOW), t.lease());
        // Back to single once the sharing replicas are gone: its new epoch is above every take's.
        Lease again = store.leases()
                .acquire("g", "handover", "single", d, NOW.plusSeconds(50))
                .orElseThrow();
        store.save("g", "handover-stream", Checkpoint.at("s", "400", NOW), again.epoch());
        assertThat(store.load("g", "handover-stream").get("s").sequenceNumber()).isEqualTo("400");

        // A take under the sharing replicas' old epoch is refused; holding the stream again gives a newer one.
        assertThat(store.takeShard("g", "handover-stream", "s", "r1", null, shared.epoch(), d, NOW.plusSeconds(51)))
                .isEmpty();
        store.leases().release("g", "handover", again);
        Lease sharedAgain = store.leases()
                .holdTogether("g", "handover", "stream.mode=shared", d, NOW.plusSeconds(52))
                .orElseThrow();
        assertThat(sharedAgain.epoch()).isGreaterThan(again.epoch());
        assertThat(store.leases().holdTogether("g", "handover", "stream.mode=shared", d, NOW.plusSeconds(53)))
                .as("extended under the same epoch")
                .hasValueSatisfying(l -> assertThat(l.epoch()).isEqualTo(sharedAgain.epoch()));
        assertThat(store.leases().acquire("g", "handover", "single", d, NOW.plusSeconds(54)))
                .as("held together: a single-mode replica stands by")
                .isEmpty();
        assertThat(store.takeShard(
                        "g", "handover-stream", "s", "r2", null, sharedAgain.epoch(), d, NOW.plusSeconds(54)))
                .hasValueSatisfying(
                        taken -> assertThat(taken.checkpoint().sequenceNumber()).isEqualTo("400"));
    }

    @Test
    void heartbeatsCountLiveReplicasAndLongDeadOnesAreRemoved() {
        store.heartbeat("g", "t", "live", NOW.plusSeconds(10));
        store.heartbeat("g", "t", "expired", NOW.minusSeconds(5));
        store.heartbeat("g", "t", "dead", NOW.minus(Duration.ofHours(2)));
        store.heartbeat("g", "t", "gone", NOW.plusSeconds(10));
        store.leave("g", "t", "gone");
        assertThat(store.workers("g", "t", NOW, Duration.ofHours(1))).containsExactly("live");
        assertThat(store.workers("g", "t", NOW.minus(Duration.ofHours(3)), Duration.ofHours(1)))
                .as("the long-dead heartbeat is gone from the table")
                .containsExactlyInAnyOrder("live", "expired");
    }
}
