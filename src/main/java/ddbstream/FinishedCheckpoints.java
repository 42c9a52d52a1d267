package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.StreamProgress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints nothing reads any more, removed once they are older than the stream's retention: those of shards
 * read to their end that the stream no longer lists, and those of whole streams the group finished reading. A week
 * of shard rollovers grows neither the checkpoint table nor the consumer's memory. A removal that fails is tried again
 * at the next look; what it leaves is read by nothing.
 */
final class FinishedCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(FinishedCheckpoints.class);

    private final CheckpointStore store;
    private final DdbStreamConfiguration config;
    /**
     * Shards of the current stream read to their end that the stream no longer lists, with the time of their end:
     * their checkpoints are removed once that is older than the stream's retention.
     */
    private final Map<String, Instant> endedUnlisted = new HashMap<>();

    private Instant nextStreamCleanup = Instant.EPOCH;

    FinishedCheckpoints(CheckpointStore store, DdbStreamConfiguration config) {
        this.store = store;
        this.config = config;
    }

    /** A stream taken up: its loaded checkpoints of shards read to their end that its graph does not hold. */
    void takeUp(ShardGraph g, Map<String, Checkpoint> checkpoints) {
        endedUnlisted.clear();
        for (Checkpoint c : checkpoints.values()) {
            if (c.shardEnd() && !g.contains(c.shardId())) {
                endedUnlisted.put(c.shardId(), c.updatedAt());
            }
        }
    }

    /** A shard read to its end that the stream lists no more, ended at {@code at}. */
    void unlisted(String shardId, Instant at) {
        endedUnlisted.put(shardId, at);
    }

    /**
     * Removes the checkpoints of the stream's shards read to their end, gone from the stream, whose children have
     * started, once their end is older than the stream's retention: nothing reads those shards again.
     *
     * @return the shards whose checkpoints went
     */
    List<String> removeShards(String streamArn, Instant now) {
        Instant before = now.minusMillis(config.getStreamRetention());
        List<String> removed = new ArrayList<>();
        for (var it = endedUnlisted.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isBefore(before)) {
                continue;
            }
            try {
                store.deleteFinished(config.getCheckpointGroup(), streamArn, e.getKey());
            } catch (RuntimeException failed) {
                LOG.warn(
                        "Could not remove the checkpoint of the finished shard {} of {}: {}; trying again later",
                        e.getKey(),
                        streamArn,
                        failed.toString());
                return removed;
            }
            LOG.debug("Removed the checkpoint of the finished shard {} of {}", e.getKey(), streamArn);
            it.remove();
            removed.add(e.getKey());
        }
        return removed;
    }

    /**
     * Removes the checkpoints of the streams the group finished reading longer ago than the stream's retention: with
     * {@code mode=shared}, another replica may read an old stream's last shard a little after this one moved on, and
     * needs its leases and checkpoints until then.
     */
    void removeStreams(String currentArn, Instant now) {
        if (now.isBefore(nextStreamCleanup)) {
            return;
        }
        nextStreamCleanup = now.plusMillis(Math.max(1_000, config.getStreamRetention() / 24));
        for (StreamProgress p : store.streams(config.getCheckpointGroup(), config.getTableName())) {
            if (p.finished()
                    && !p.streamArn().equals(currentArn)
                    && p.updatedAt().isBefore(now.minusMillis(config.getStreamRetention()))) {
                removeStream(p.streamArn(), now);
            }
        }
    }

    /** Removes the checkpoints of a stream the group has finished reading (the lineage records it finished first). */
    void removeStream(String arn, Instant now) {
        try {
            int removed = store.deleteStream(config.getCheckpointGroup(), arn, now);
            LOG.debug("Removed the {} checkpoints of the finished stream {}", removed, arn);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not remove the checkpoints of the finished stream {} ({}); they are left in the checkpoint"
                            + " table, read by nothing",
                    arn,
                    e.toString());
        }
    }
}
