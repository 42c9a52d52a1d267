package localaws.streams;

import java.time.Duration;
import java.util.Objects;

/**
 * How the emulated DynamoDB Streams behave. AWS rolls shards over about every four hours and keeps records for 24
 * hours; tests shrink these to make shard boundaries, trimming and iterator expiry happen within seconds.
 *
 * @param rolloverRecords close a shard after this many records (0: never by count)
 * @param rolloverAge close a shard this long after it opened (zero: never by age)
 * @param splitOnRollover a rolled-over shard gets two children (up to {@code maxOpenShards}) instead of one
 * @param maxOpenShards the most shards open at once when splitting
 * @param retention records older than this are trimmed
 * @param iteratorTtl shard iterators expire this long after they were issued
 */
public record StreamSettings(
        int rolloverRecords,
        Duration rolloverAge,
        boolean splitOnRollover,
        int maxOpenShards,
        Duration retention,
        Duration iteratorTtl) {

    public StreamSettings {
        if (rolloverRecords < 0) {
            throw new IllegalArgumentException("rolloverRecords < 0: " + rolloverRecords);
        }
        Objects.requireNonNull(rolloverAge, "rolloverAge == null");
        if (maxOpenShards < 1) {
            throw new IllegalArgumentException("maxOpenShards < 1: " + maxOpenShards);
        }
        Objects.requireNonNull(retention, "retention == null");
        Objects.requireNonNull(iteratorTtl, "iteratorTtl == null");
    }

    /** AWS's behaviour: roll over every 4 hours, one child, 24 hours of records, 15-minute iterators. */
    public static StreamSettings aws() {
        return new StreamSettings(0, Duration.ofHours(4), false, 1, Duration.ofHours(24), Duration.ofMinutes(15));
    }
}
