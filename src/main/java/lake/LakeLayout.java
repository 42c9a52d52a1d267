package lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Where things live in the lake: the only code that knows its key patterns. Under the table's prefix:
 *
 * <pre>
 * deltas/YYYY/MM/dd/HH/…                     delta envelopes, as Firehose names its objects (UTC arrival time)
 * deltas-overflow/YYYY/MM/dd/HH/&lt;shard&gt;-&lt;seq&gt;.json   one envelope too large for Firehose (over 1,000 KiB)
 * dead-letters/stream/YYYY/MM/dd/&lt;shard&gt;-&lt;seq&gt;.json   a stream record that could not be converted, with the reason
 * </pre>
 *
 * Names made from shard and sequence number are deterministic: writing the same record again rewrites the same
 * object instead of adding a duplicate.
 */
public final class LakeLayout {
    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/").withZone(ZoneOffset.UTC);

    private final String prefix;

    /**
     * @param prefix the table's folder in the lake bucket, empty or ending with {@code /}
     */
    public LakeLayout(String prefix) {
        Objects.requireNonNull(prefix, "prefix == null");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("lake.prefix must be empty or end with '/', was '" + prefix + "'");
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("lake.prefix must not start with '/', was '" + prefix + "'");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** Where Firehose writes the deltas: the delivery stream's S3 prefix. */
    public String deltasPrefix() {
        return prefix + "deltas/";
    }

    public String overflowPrefix() {
        return prefix + "deltas-overflow/";
    }

    /** An envelope too large for Firehose, written straight to the lake. */
    public String overflowKey(String shardId, String sequenceNumber, Instant arrival) {
        return overflowPrefix() + HOUR.format(arrival) + shardId + "-" + sequenceNumber + ".json";
    }

    public String streamDeadLetterPrefix() {
        return prefix + "dead-letters/stream/";
    }

    /** A stream record that could not be converted. */
    public String streamDeadLetterKey(String shardId, String sequenceNumber, Instant arrival) {
        return streamDeadLetterPrefix() + DAY.format(arrival) + shardId + "-" + sequenceNumber + ".json";
    }
}
