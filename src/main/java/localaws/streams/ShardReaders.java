package localaws.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who reads each shard, for the tests that hold a consumer to DynamoDB Streams' limit of two readers per shard at a
 * time: a reader is one chain of iterators (a GetShardIterator and the NextShardIterators that follow from it), and it
 * reads a shard while its last GetRecords is less than {@link #WINDOW} old. Counted, never refused (AWS throttles the
 * readers beyond the limit; a consumer that relies on that is wrong already).
 */
final class ShardReaders {
    /** How recently a chain must have read to count as reading: several idle polls of any consumer. */
    static final Duration WINDOW = Duration.ofSeconds(1);

    private final Map<String, Map<String, Instant>> lastRead = new HashMap<>();
    private final Map<String, Integer> most = new HashMap<>();

    /** A GetRecords of the shard by the reader {@code chain}. */
    synchronized void read(String streamArn, String shardId, String chain, Instant now) {
        String shard = streamArn + "|" + shardId;
        Map<String, Instant> readers = lastRead.computeIfAbsent(shard, s -> new HashMap<>());
        readers.values().removeIf(t -> t.isBefore(now.minus(WINDOW)));
        readers.put(chain, now);
        most.merge(shard, readers.size(), Math::max);
    }

    /** The most readers each shard of the stream had at once so far, by shard id. */
    synchronized Map<String, Integer> most(String streamArn) {
        Map<String, Integer> out = new TreeMap<>();
        most.forEach((shard, n) -> {
            if (shard.startsWith(streamArn + "|")) {
                out.put(shard.substring(streamArn.length() + 1), n);
            }
        });
        return out;
    }
}
