package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.ShardLease;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import testsupport.LocalStackExtension;

/** What the tests of {@code mode=shared} read of a stream: who holds its shards, and how many read each at once. */
final class SharedStreams {
    static final String CHECKPOINTS = "dynamo-lake-checkpoints";

    private SharedStreams() {}

    /** The owners of the unexpired leases of the stream's open shards (group {@code g}), by shard id. */
    static Map<String, String> owners(LocalStackExtension aws, String stream) {
        Set<String> open = aws.streams().describeStream(b -> b.streamArn(stream)).streamDescription().shards().stream()
                .filter(s -> s.sequenceNumberRange().endingSequenceNumber() == null)
                .map(s -> s.shardId())
                .collect(Collectors.toSet());
        Map<String, String> owners = new TreeMap<>();
        Instant now = Instant.now();
        for (ShardLease l : new CheckpointStore(aws.dynamoDb(), CHECKPOINTS)
                .loadShards("g", stream)
                .leases()
                .values()) {
            if (open.contains(l.shardId()) && !l.freeAt(now)) {
                owners.put(l.shardId(), l.owner());
            }
        }
        return owners;
    }

    /** The stack counted readers of the table's shards, and never more than two of one shard at once (AWS's limit). */
    static void assertAtMostTwoReadersPerShard(LocalStackExtension aws, String table) {
        Map<String, Integer> readers = aws.stack().emulator().faults().mostReadersPerShard(table);
        assertThat(readers)
                .as("the most readers each shard had at once, as the stack counted them (AWS allows two): %s", readers)
                .isNotEmpty()
                .allSatisfy((shard, most) -> assertThat(most).isLessThanOrEqualTo(2));
    }
}
