package ddbstream.checkpoint;

import item.SequenceNumbers;
import java.time.Instant;
import java.util.Objects;

/**
 * How far a consumer group has read one shard: the sequence number of the last record whose batch was processed
 * successfully, or that the shard was read to its end (its children may then start).
 *
 * @param sequenceNumber the last processed record, or null when the shard ended before any record was processed
 */
public record Checkpoint(String shardId, String sequenceNumber, boolean shardEnd, Instant updatedAt) {
    public Checkpoint {
        Objects.requireNonNull(shardId, "shardId == null");
        if (sequenceNumber != null && !SequenceNumbers.isValid(sequenceNumber)) {
            throw new IllegalArgumentException("sequenceNumber must be digits, was '" + sequenceNumber + "'");
        }
        if (sequenceNumber == null && !shardEnd) {
            throw new IllegalArgumentException("a checkpoint inside a shard needs a sequence number");
        }
        Objects.requireNonNull(updatedAt, "updatedAt == null");
    }

    /** After processing a batch that ended at {@code sequenceNumber}. */
    public static Checkpoint at(String shardId, String sequenceNumber, Instant now) {
        return new Checkpoint(shardId, sequenceNumber, false, now);
    }

    /** The shard was read to its end; {@code lastSequenceNumber} may be null for a shard that had no records. */
    public static Checkpoint end(String shardId, String lastSequenceNumber, Instant now) {
        return new Checkpoint(shardId, lastSequenceNumber, true, now);
    }

    /**
     * The key that orders checkpoints of one shard as text: sequence numbers zero-padded to the 40 digits the Streams
     * API allows (more than DynamoDB's 38-digit numbers hold), and the end of the shard after every number.
     */
    String orderKey() {
        if (shardEnd) {
            return "~";
        }
        return "0".repeat(Math.max(0, 40 - sequenceNumber.length())) + sequenceNumber;
    }
}
