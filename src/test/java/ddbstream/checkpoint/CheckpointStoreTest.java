package ddbstream.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
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
        Lease a = store.acquire("g", "t1", "a", d, NOW).orElseThrow();
        assertThat(store.acquire("g", "t1", "b", d, NOW.plusSeconds(5))).isEmpty();
        assertThat(store.renew("g", "t1", a, d, NOW.plusSeconds(5))).isTrue();
        assertThat(store.acquire("g", "t1", "b", d, NOW.plusSeconds(20)))
                .as("renewed until 25 s")
                .isEmpty();
        Lease b = store.acquire("g", "t1", "b", d, NOW.plusSeconds(26)).orElseThrow();
        assertThat(b.epoch()).isEqualTo(a.epoch() + 1);
        assertThat(store.renew("g", "t1", a, d, NOW.plusSeconds(27)))
                .as("a lost it")
                .isFalse();
        store.release("g", "t1", b);
        assertThat(store.acquire("g", "t1", "c", d, NOW.plusSeconds(28)))
                .as("released: free at once")
                .isPresent();
        assertThat(store.currentLease("g", "t1"))
                .hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo("c"));
    }
}
