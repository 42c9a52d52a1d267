package ddbstream;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.StreamProgress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Which of a table's streams the consumer reads, in order. A table gets a new stream (a new LatestStreamArn) each time
 * its stream is turned off and on, which changing the StreamViewType requires; the old stream's shards close and stay
 * readable for 24 hours. Every change of an item in the old stream is older than any in the new one, so the old
 * stream is read to its end first, and then the new one from its trim horizon.
 *
 * <p>The streams the group has started are recorded in the checkpoint table ({@link StreamProgress}), so a restart
 * goes on with the oldest one not finished. Streams the group never saw as LatestStreamArn (the stream turned off and
 * on twice between two looks, or while no replica ran) are found with ListStreams: every stream of the table newer than
 * the newest one recorded is read, in the order of their labels (creation times). A group that never read the table
 * starts with its latest stream. A stream given by the {@code streamArn} option is read alone.
 */
final class StreamLineage {
    private final DdbStreamConfiguration config;
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final CheckpointStore store;
    private final Deque<String> successors = new ArrayDeque<>();
    private String current;
    private Boolean firstEver;

    StreamLineage(
            DdbStreamConfiguration config,
            DynamoDbClient dynamoDb,
            DynamoDbStreamsClient streams,
            CheckpointStore store) {
        this.config = config;
        this.dynamoDb = dynamoDb;
        this.streams = streams;
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
        if (recorded.isEmpty()) {
            current = latest;
            return current;
        }
        List<String> order = new ArrayList<>();
        recorded.stream().filter(p -> !p.finished()).forEach(p -> order.add(p.streamArn()));
        String newest = recorded.get(recorded.size() - 1).streamArn();
        for (String s : listedAfter(newest, latest)) {
            if (!order.contains(s)) {
                order.add(s);
            }
        }
        if (!order.contains(latest)) {
            order.add(latest);
        }
        current = order.remove(0);
        successors.addAll(order);
        return current;
    }

    /** Records that the group reads the current stream; from then on it has read one (LATEST no longer applies). */
    void recordReading(Instant now) {
        store.streamReading(config.getCheckpointGroup(), config.getTableName(), current, now);
        firstEver = false;
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

    /** True when another stream follows the next one. */
    boolean moreAfterNext() {
        return successors.size() > 1;
    }

    /**
     * Asks DynamoDB for the table's LatestStreamArn; when it names a stream not known yet, returns it and every stream
     * of the table created between the last known one and it (each recorded, so a restart reads them too), in order,
     * to be read after the ones known; else an empty list.
     */
    List<String> checkLatest(Instant now) {
        if (config.getStreamArn() != null) {
            return List.of();
        }
        String latest = latest();
        if (latest.equals(current) || successors.contains(latest)) {
            return List.of();
        }
        String lastKnown = successors.isEmpty() ? current : successors.peekLast();
        List<String> noticed = new ArrayList<>();
        for (String s : listedAfter(lastKnown, latest)) {
            if (!s.equals(current) && !successors.contains(s)) {
                noticed.add(s);
            }
        }
        if (!noticed.contains(latest)) {
            noticed.add(latest);
        }
        for (String s : noticed) {
            successors.addLast(s);
            store.streamReading(config.getCheckpointGroup(), config.getTableName(), s, now);
        }
        return noticed;
    }

    /** The current stream is read to its end (or gone): records it and moves on to the next; returns the next. */
    String advance(Instant now) {
        store.streamFinished(config.getCheckpointGroup(), config.getTableName(), current, now);
        current = successors.removeFirst();
        store.streamReading(config.getCheckpointGroup(), config.getTableName(), current, now);
        return current;
    }

    /** The next stream will not be read (gone, or refused while a newer one exists): recorded as finished. */
    void skipNext(Instant now) {
        store.streamFinished(config.getCheckpointGroup(), config.getTableName(), successors.removeFirst(), now);
    }

    /**
     * The table's streams (ListStreams with its name) whose labels come after {@code after}'s and not after {@code
     * upTo}'s, oldest first.
     */
    private List<String> listedAfter(String after, String upTo) {
        String from = StreamProgress.label(after);
        String to = StreamProgress.label(upTo);
        TreeMap<String, String> byLabel = new TreeMap<>();
        String start = null;
        do {
            String exclusive = start;
            var page =
                    streams.listStreams(b -> b.tableName(config.getTableName()).exclusiveStartStreamArn(exclusive));
            for (var s : page.streams()) {
                String label = StreamProgress.label(s.streamArn());
                if (label.compareTo(from) > 0 && label.compareTo(to) <= 0) {
                    byLabel.put(label, s.streamArn());
                }
            }
            start = page.lastEvaluatedStreamArn();
        } while (start != null);
        return new ArrayList<>(byLabel.values());
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
