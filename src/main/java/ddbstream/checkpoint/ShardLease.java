package ddbstream.checkpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * The right of one replica to read one shard for a while, kept on the shard's checkpoint item ({@code mode
 * shared}): the owner, an epoch every take increments, and the expiry. A checkpoint is saved only under the owner and
 * epoch the item holds, so a replica whose lease was taken (it paused, or its renewals failed) can never move the
 * shard's checkpoint again (after the Kinesis Client Library's lease per shard).
 *
 * @param expiresAt 0 (the epoch) when the owner released it
 * @param takenAt when the owner took it (the epoch when unknown)
 * @param recordsPerSecond the shard's recent throughput as its owner measured it at the last renewal (0 when unknown),
 *     by which the replicas balance their load
 */
public record ShardLease(
        String shardId, String owner, long epoch, Instant expiresAt, Instant takenAt, double recordsPerSecond) {
    public ShardLease {
        Objects.requireNonNull(shardId, "shardId == null");
        Objects.requireNonNull(owner, "owner == null");
        Objects.requireNonNull(expiresAt, "expiresAt == null");
        Objects.requireNonNull(takenAt, "takenAt == null");
    }

    /** True when another replica may take it without stealing: expired or released. */
    public boolean freeAt(Instant now) {
        return !expiresAt.isAfter(now);
    }
}
