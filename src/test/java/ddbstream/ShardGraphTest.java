package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import ddbstream.checkpoint.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Shard;

class ShardGraphTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    private static Shard shard(String id, String parent, boolean closed) {
        return Shard.builder()
                .shardId(id)
                .parentShardId(parent)
                .sequenceNumberRange(r -> r.startingSequenceNumber("100").endingSequenceNumber(closed ? "200" : null))
                .build();
    }

    private static List<String> startable(ShardGraph g) {
        return g.startable(NOW).stream().map(n -> n.id).toList();
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
    void aFailedShardWaitsOutItsDelayBeforeItStartsAgain() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("a", null, false)), Map.of());
        g.started("a");
        g.retryLater("a", null, NOW, Duration.ofSeconds(4));
        assertThat(g.startable(NOW.plusSeconds(3))).isEmpty();
        assertThat(g.startable(NOW.plusSeconds(4))).extracting(n -> n.id).containsExactly("a");
    }

    @Test
    void skippingClosedShardsLeavesOnlyOpenOnes() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("old", null, true), shard("open", "old", false)), Map.of());
        assertThat(g.skipClosed()).extracting(n -> n.id).containsExactly("old");
        assertThat(startable(g)).containsExactly("open");
        assertThat(g.openWaiting()).extracting(n -> n.id).containsExactly("open");
    }

    @Test
    void shardsNoLongerListedAreForgottenAndTheUnfinishedOnesReturnedOnce() {
        ShardGraph g = new ShardGraph();
        g.update(
                List.of(shard("done", null, true), shard("unread", null, true), shard("child", "unread", false)),
                Map.of("done", Checkpoint.end("done", "150", NOW)));
        List<ShardGraph.Node> vanished = g.update(List.of(shard("child", "unread", false)), Map.of());
        assertThat(vanished)
                .as("a shard trimmed away before it was read to its end: the caller reports the loss")
                .extracting(n -> n.id)
                .containsExactly("unread");
        assertThat(g.contains("done"))
                .as("a finished shard gone from the stream is forgotten")
                .isFalse();
        assertThat(g.update(List.of(shard("child", "unread", false)), Map.of()))
                .as("reported once")
                .isEmpty();
        g.stuck("unread");
        assertThat(startable(g)).as("stuck: its child waits").isEmpty();
        g.forget("unread");
        assertThat(startable(g)).as("forgotten: the child may start").containsExactly("child");
    }

    @Test
    void aStuckShardThatVanishesLaterIsNotReportedAgain() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("lost", null, true)), Map.of());
        g.started("lost");
        g.stuck("lost");
        assertThat(g.update(List.of(), Map.of()))
                .as("its loss was reported when it got stuck")
                .isEmpty();
    }

    @Test
    void aStreamWhoseReadShardsAreAllTrimmedAwayIsFinished() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("p", null, true)), Map.of());
        g.finished("p", Checkpoint.end("p", "150", NOW));
        g.update(List.of(), Map.of());
        assertThat(g.size()).isZero();
        assertThat(g.allFinished()).isTrue();
    }

    @Test
    void aShardKnownOnlyFromItsCheckpointHoldsItsChildrenBack() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("child", "gone", false)), Map.of());
        g.lostBeforeListed("gone");
        assertThat(startable(g)).isEmpty();
    }

    @Test
    void aShardBeingReadIsKeptEvenWhenTheListingMissesIt() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("a", null, false)), Map.of());
        g.started("a");
        assertThat(g.update(List.of(), Map.of())).isEmpty();
        assertThat(g.contains("a")).isTrue();
    }

    @Test
    void aStreamIsFinishedWhenEveryShardIsClosedAndRead() {
        ShardGraph g = new ShardGraph();
        assertThat(g.allFinished()).as("no shards known yet").isFalse();
        g.update(List.of(shard("p", null, true), shard("c", "p", false)), Map.of());
        g.finished("p", Checkpoint.end("p", "150", NOW));
        assertThat(g.allFinished()).isFalse();
        g.update(List.of(shard("p", null, true), shard("c", "p", true)), Map.of());
        g.finished("c", Checkpoint.end("c", null, NOW));
        assertThat(g.allFinished()).isTrue();
    }

    @Test
    void aFinishedShardGoneFromTheStreamIsForgottenOnceItsChildrenHaveStarted() {
        ShardGraph g = new ShardGraph();
        g.update(List.of(shard("p", null, true), shard("c1", "p", false), shard("c2", "p", false)), Map.of());
        g.started("p");
        Checkpoint end = Checkpoint.end("p", "150", NOW);
        g.finished("p", end);
        g.started("c1");

        // Trimmed away while c2 has not started: p stays, so c2 still waits on nothing but its turn.
        g.update(List.of(shard("c1", "p", false), shard("c2", "p", false)), Map.of());
        assertThat(g.contains("p")).isTrue();
        assertThat(g.drainForgotten()).isEmpty();
        assertThat(startable(g)).containsExactly("c2");

        g.started("c2");
        g.update(List.of(shard("c1", "p", false), shard("c2", "p", false)), Map.of());
        assertThat(g.contains("p")).isFalse();
        assertThat(g.drainForgotten()).singleElement().satisfies(n -> {
            assertThat(n.id).isEqualTo("p");
            assertThat(n.checkpoint).isEqualTo(end);
        });
        assertThat(g.drainForgotten()).as("reported once").isEmpty();
        assertThat(g.size()).isEqualTo(2);
    }

    @Test
    void aChildWithACheckpointCountsAsStarted() {
        ShardGraph g = new ShardGraph();
        g.update(
                List.of(shard("p", null, true), shard("c", "p", false)),
                Map.of("p", Checkpoint.end("p", "150", NOW), "c", Checkpoint.at("c", "210", NOW)));
        g.update(List.of(shard("c", "p", false)), Map.of());
        assertThat(g.drainForgotten()).extracting(n -> n.id).containsExactly("p");
    }
}
