package ddbstream.checkpoint;

import item.SequenceNumbers;
import java.time.Instant;
import java.util.Objects;

/**
 * How far a consumer group has read one shard: the sequence number of the last record whose batch was processed
 * successfully, or that the shard was read to its end (its children may then start), or, for a shard first read at
 * LATEST and not yet checkpointed, where that first read began ({@link LatestStart}), so that a restart, an expired
 * iterator or a failed first checkpoint resumes from there and never from a newer LATEST.
 *
 * @param sequenceNumber the last processed record, or null when the shard ended before any record was processed or
 *     the checkpoint is a LATEST start
 * @param latest where a LATEST read began, or null for every other checkpoint
 */
public record Checkpoint(
        String shardId, String sequenceNumber, boolean shardEnd, LatestStart latest, Instant updatedAt) {
    /**
     * Where the first read of a shard at LATEST began, before any of its records was processed.
     *
     * @param since the stream's time when the first LATEST iterator was taken; null while the shard has not been read
     *     yet (it is then read at LATEST when its turn comes)
     * @param firstSeen the first record read after {@code since}, not yet processed (reading resumes at it), or null
     *     while none was read
     */
    public record LatestStart(Instant since, String firstSeen) {
        public LatestStart {
            if (firstSeen != null && !SequenceNumbers.isValid(firstSeen)) {
                throw new IllegalArgumentException("firstSeen must be digits, was '" + firstSeen + "'");
            }
            if (firstSeen != null && since == null) {
                throw new IllegalArgumentException("a record seen after LATEST needs the time LATEST was taken");
            }
        }

        /** True while the shard waits for its first read at LATEST. */
        public boolean pending() {
            return since == null;
        }
    }

    public Checkpoint {
        Objects.requireNonNull(shardId, "shardId == null");
        if (sequenceNumber != null && !SequenceNumbers.isValid(sequenceNumber)) {
            throw new IllegalArgumentException("sequenceNumber must be digits, was '" + sequenceNumber + "'");
        }
        if (latest != null && (sequenceNumber != null || shardEnd)) {
            throw new IllegalArgumentException("a LATEST start comes before any processed record");
        }
        if (sequenceNumber == null && !shardEnd && latest == null) {
            throw new IllegalArgumentException("a checkpoint inside a shard needs a sequence number");
        }
        Objects.requireNonNull(updatedAt, "updatedAt == null");
    }

    /** After processing a batch that ended at {@code sequenceNumber}. */
    public static Checkpoint at(String shardId, String sequenceNumber, Instant now) {
        return new Checkpoint(shardId, sequenceNumber, false, null, now);
    }

    /** The shard was read to its end; {@code lastSequenceNumber} may be null for a shard that had no records. */
    public static Checkpoint end(String shardId, String lastSequenceNumber, Instant now) {
        return new Checkpoint(shardId, lastSequenceNumber, true, null, now);
    }

    /** A shard open when a consumer group first started at LATEST, not read yet: its first read is at LATEST. */
    public static Checkpoint latestPending(String shardId, Instant now) {
        return new Checkpoint(shardId, null, false, new LatestStart(null, null), now);
    }

    /** The shard's first LATEST iterator was taken at the stream's time {@code since}. */
    public static Checkpoint latestSince(String shardId, Instant since, Instant now) {
        return new Checkpoint(
                shardId, null, false, new LatestStart(Objects.requireNonNull(since, "since == null"), null), now);
    }

    /** The first record read after LATEST was {@code firstSeen}, and it is not processed yet. */
    public static Checkpoint latestFirstSeen(String shardId, Instant since, String firstSeen, Instant now) {
        return new Checkpoint(shardId, null, false, new LatestStart(since, firstSeen), now);
    }

    /** What an operator reads: the sequence number and time, the end of the shard, or where LATEST began. */
    public String describe() {
        if (shardEnd) {
            return "SHARD_END";
        }
        if (latest == null) {
            return sequenceNumber + " at " + updatedAt;
        }
        if (latest.pending()) {
            return "LATEST (not read yet)";
        }
        return latest.firstSeen() == null
                ? "LATEST since " + latest.since()
                : "LATEST since " + latest.since() + ", from " + latest.firstSeen();
    }

    /**
     * The key that orders checkpoints of one shard as text: a LATEST start before any record (pending, then taken,
     * then a first record seen), sequence numbers zero-padded to the 40 digits the Streams API allows (more than
     * DynamoDB's 38-digit numbers hold), and the end of the shard after every number.
     */
    String orderKey() {
        if (shardEnd) {
            return "~";
        }
        if (latest != null) {
            return latest.pending() ? "!0" : latest.firstSeen() == null ? "!1" : "!2";
        }
        return "0".repeat(Math.max(0, 40 - sequenceNumber.length())) + sequenceNumber;
    }
}
