package testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a whole stream the simple, correct way for tests: every shard from TRIM_HORIZON to its end, parents before
 * children. Not the product's consumer: a reference to check the emulator (and later the consumer) against.
 */
public final class StreamReader {
    private StreamReader() {}

    /** Every shard of the stream, following DescribeStream's pages. */
    public static List<Shard> shards(DynamoDbStreamsClient streams, String streamArn) {
        List<Shard> shards = new ArrayList<>();
        String start = null;
        do {
            String from = start;
            var d = streams.describeStream(
                            b -> b.streamArn(streamArn).limit(100).exclusiveStartShardId(from))
                    .streamDescription();
            shards.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        return shards;
    }

    /** Every record of closed shards and what open shards hold now, parents before children. */
    public static List<Record> readAll(DynamoDbStreamsClient streams, String streamArn) {
        List<Shard> shards = shards(streams, streamArn);
        Map<String, Shard> byId = new LinkedHashMap<>();
        shards.forEach(s -> byId.put(s.shardId(), s));
        List<Record> out = new ArrayList<>();
        for (Shard s : ordered(shards, byId)) {
            out.addAll(readShard(streams, streamArn, s.shardId()));
        }
        return out;
    }

    private static List<Shard> ordered(List<Shard> shards, Map<String, Shard> byId) {
        List<Shard> out = new ArrayList<>();
        for (Shard s : shards) {
            addWithAncestors(s, byId, out);
        }
        return out;
    }

    private static void addWithAncestors(Shard s, Map<String, Shard> byId, List<Shard> out) {
        if (out.contains(s)) {
            return;
        }
        Shard parent = s.parentShardId() == null ? null : byId.get(s.parentShardId());
        if (parent != null) {
            addWithAncestors(parent, byId, out);
        }
        out.add(s);
    }

    /** The records of one shard from TRIM_HORIZON until the shard ends or has nothing more right now. */
    public static List<Record> readShard(DynamoDbStreamsClient streams, String streamArn, String shardId) {
        String iterator = streams.getShardIterator(
                        b -> b.streamArn(streamArn).shardId(shardId).shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .shardIterator();
        List<Record> out = new ArrayList<>();
        while (iterator != null) {
            String it = iterator;
            var r = streams.getRecords(b -> b.shardIterator(it));
            out.addAll(r.records());
            if (r.records().isEmpty()) {
                boolean open = shards(streams, streamArn).stream()
                        .anyMatch(s -> s.shardId().equals(shardId)
                                && s.sequenceNumberRange().endingSequenceNumber() == null);
                if (open) {
                    break;
                }
            }
            iterator = r.nextShardIterator();
        }
        return out;
    }
}
