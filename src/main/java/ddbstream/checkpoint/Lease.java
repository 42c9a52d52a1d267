package ddbstream.checkpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * The right to consume one table's stream for a while. Each acquisition increments the epoch; checkpoints carry
 * the epoch they were written under, so a consumer that lost its lease cannot overwrite the checkpoints of a newer
 * owner (after Kinesis Client Library leases: owner, counter, expiry).
 */
public record Lease(String key, String owner, long epoch, Instant expiresAt) {
    public Lease {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(owner, "owner == null");
        Objects.requireNonNull(expiresAt, "expiresAt == null");
    }
}
