package localaws.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The time-driven parts of the emulated streams, on a clock the test sets. */
class StreamStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");

    private final StreamStore store = new StreamStore(
            new StreamSettings(0, Duration.ofHours(4), false, 1, Duration.ofHours(24), Duration.ofMinutes(15)),
            "us-east-1",
            "000000000000");

    private Stream stream() {
        return store.create("t", JsonNodeFactory.instance.arrayNode(), "KEYS_ONLY", T0);
    }

    private static ChangeEvent change(String key) {
        return new ChangeEvent(
                "INSERT", item("pk", s(key)), null, null, key.hashCode() & Long.MAX_VALUE, 3, 0, 0, false);
    }

    @Test
    void trimsRecordsOlderThanTheRetention() {
        Stream stream = stream();
        stream.append(change("old"), T0);
        stream.append(change("new"), T0.plus(Duration.ofHours(20)));
        store.tick(T0.plus(Duration.ofHours(24)).plusSeconds(1));
        Shard shard = stream.shards().get(0);
        assertThat(shard.size()).isEqualTo(1);
        assertThat(shard.trimmedUpTo)
                .as("a reader behind this position has lost data")
                .isNotNull();
    }

    @Test
    void rollsShardsOverByAge() {
        Stream stream = stream();
        store.tick(T0.plus(Duration.ofHours(4)));
        assertThat(stream.shards()).hasSize(2);
        assertThat(stream.shards().get(0).isOpen()).isFalse();
        assertThat(stream.shards().get(1).parentId).isEqualTo(stream.shards().get(0).id);
    }

    @Test
    void forgetsClosedShardsOnceTheirRecordsAreGone() {
        Stream stream = stream();
        stream.append(change("a"), T0);
        stream.rolloverAll(false, T0.plusSeconds(1));
        store.tick(T0.plus(Duration.ofHours(25)));
        assertThat(stream.shards()).noneMatch(sh -> !sh.isOpen() && sh.closedAt.equals(T0.plusSeconds(1)));
    }

    @Test
    void iteratorsExpireAfterTheirTimeToLive() {
        assertThat(store.isExpired(T0, T0.plus(Duration.ofMinutes(14)))).isFalse();
        assertThat(store.isExpired(T0, T0.plus(Duration.ofMinutes(15)))).isTrue();
    }
}
