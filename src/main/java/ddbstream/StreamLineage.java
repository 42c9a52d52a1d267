package ddbstream;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.StreamProgress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Which of a table's streams the consumer reads, in order. A table gets a new stream (a new LatestStreamArn) each time
 * its stream is turned off and on, which changing the StreamViewType requires; the old stream's shards close and stay
 * readable for 24 hours. Every change of an item in the old stream is older than any in the new one, so the old
 * stream is read to its end first, and then the new one from its trim horizon.
 *
 * <p>The streams the group has started are recorded in the checkpoint table ({@link StreamProgress}), so a restart
 * goes on with the oldest one not finished. A stream given by the {@code streamArn} option is read alone.
 */
final class StreamLineage {
    private final DdbStreamConfiguration config;
    private final DynamoDbClient dynamoDb;
    private final CheckpointStore store;
    private final Deque<String> successors = new ArrayDeque<>();
    private String current;
    private Boolean firstEver;

    StreamLineage(DdbStreamConfiguration config, DynamoDbClient dynamoDb, CheckpointStore store) {
        this.config = config;
        this.dynamoDb = dynamoDb;
        this.store = store;
    }

    /** On taking the lease: the oldest stream the group has not finished, then the newer ones up to the latest. */
    String open(Instant now) {
        successors.clear();
        String latest = latest();
        if (config.getStreamArn() != null) {
            current = latest;
            firstEver = firstEver == null || firstEver;
            return current;
        }
        List<StreamProgress> recorded = store.streams(config.getCheckpointGroup(), config.getTableName());
        if (firstEver == null) {
            firstEver = recorded.isEmpty();
        }
        current = null;
        for (StreamProgress p : recorded) {
            if (p.finished() || p.streamArn().equals(latest)) {
                continue;
            }
            if (current == null) {
                current = p.streamArn();
            } else {
                successors.add(p.streamArn());
            }
        }
        if (current == null) {
            current = latest;
        } else {
            successors.add(latest);
        }
        return current;
    }

    /** Records that the group reads the current stream, once it has its first checkpoints (a LATEST start). */
    void recordReading(Instant now) {
        store.streamReading(config.getCheckpointGroup(), config.getTableName(), current, now);
    }

    /**
     * True when the group had never read a stream of this table when this process first opened one: a LATEST start
     * applies only then.
     */
    boolean firstEver() {
        return Boolean.TRUE.equals(firstEver);
    }

    String current() {
        return current;
    }

    /** The stream read after the current one, or null when the current one is the latest. */
    String next() {
        return successors.peekFirst();
    }

    /**
     * Asks DynamoDB for the table's LatestStreamArn; returns it when it names a stream not known yet, which is then
     * read after the ones known (and recorded, so a restart reads it too), else null.
     */
    String checkLatest(Instant now) {
        if (config.getStreamArn() != null) {
            return null;
        }
        String latest = latest();
        if (latest.equals(current) || successors.contains(latest)) {
            return null;
        }
        successors.addLast(latest);
        store.streamReading(config.getCheckpointGroup(), config.getTableName(), latest, now);
        return latest;
    }

    /** The current stream is read to its end (or gone): records it and moves on to the next; returns the next. */
    String advance(Instant now) {
        store.streamFinished(config.getCheckpointGroup(), config.getTableName(), current, now);
        current = successors.removeFirst();
        store.streamReading(config.getCheckpointGroup(), config.getTableName(), current, now);
        return current;
    }

    private String latest() {
        if (config.getStreamArn() != null) {
            return config.getStreamArn();
        }
        String arn = dynamoDb.describeTable(b -> b.tableName(config.getTableName()))
                .table()
                .latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("table " + config.getTableName() + " has no stream: enable one with"
                    + " StreamViewType NEW_AND_OLD_IMAGES");
        }
        return arn;
    }
}
