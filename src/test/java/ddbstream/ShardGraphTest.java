package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import ddbstream.checkpoint.Checkpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Shard;

class ShardGraphTest {
    private static Shard shard(String id, String parent, boolean closed) {
        return Shard.builder()
                .shardId(id)
                .parentShardId(parent)
                .sequenceNumberRange(r -> r.startingSequenceNumber("100").endingSequenceNumber(closed ? "200" : null))
                .build();
    }

    private static List<String> startable(ShardGraph g) {
        return g.startable().stream().map(n -> n.id).toList();
    }

    @Test
    void childrenWaitUntilTheirParentIsReadToItsEnd() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("p", null, true), shard("c1", "p", false), shard("c2", "p", false)), Map.of());
        assertThat(startable(g)).containsExactly("p");
        g.started("p");
        assertThat(startable(g)).isEmpty();
        g.finished("p", Checkpoint.end("p", "150", Instant.EPOCH));
        assertThat(startable(g)).containsExactly("c1", "c2");
    }

    @Test
    void aShardWhoseParentIsGoneFromTheStreamMayStart() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("orphan", "trimmed-away", false)), Map.of());
        assertThat(startable(g)).containsExactly("orphan");
        assertThat(g.hasKnownParent(g.node("orphan"))).isFalse();
    }

    @Test
    void checkpointsAtTheEndMarkShardsFinished() {
        ShardGraph g = new ShardGraph();
        g.update(
                List.of(shard("p", null, true), shard("c", "p", false)),
                Map.of("p", Checkpoint.end("p", "150", Instant.EPOCH), "c", Checkpoint.at("c", "210", Instant.EPOCH)));
        assertThat(startable(g)).containsExactly("c");
        assertThat(g.node("c").checkpoint.sequenceNumber()).isEqualTo("210");
    }

    @Test
    void aReleasedShardWaitsAgainAndAStuckOneNever() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("a", null, false), shard("b", null, false)), Map.of());
        g.started("a");
        g.started("b");
        g.released("a", Checkpoint.at("a", "120", Instant.EPOCH));
        g.stuck("b");
        assertThat(startable(g)).containsExactly("a");
        assertThat(g.node("a").checkpoint.sequenceNumber()).isEqualTo("120");
    }

    @Test
    void skippingClosedShardsLeavesOnlyOpenOnes() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("old", null, true), shard("open", "old", false)), Map.of());
        g.skipClosed();
        assertThat(startable(g)).containsExactly("open");
    }
}
