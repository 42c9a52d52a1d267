package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * The shards of one stream as the consumer sees them, and which may be read now. A shard may start only when its
 * parent was read to its end, or when its parent is gone from the stream (trimmed away after 24 hours): this keeps
 * the changes of every item in order along its shard lineage. The phases are {@link #update} (what DescribeStream
 * listed), {@link #startable} (what to read now), {@link #started}, {@link #finished} and {@link #released}.
 * Guarded by the coordinator: one thread at a time.
 */
final class ShardGraph {
    enum State {
        WAITING,
        READING,
        FINISHED,
        /** Records were lost before they were read; the shard is not read again until the consumer restarts. */
        STUCK
    }

    static final class Node {
        final String id;
        final String parentId;
        boolean closed;
        State state = State.WAITING;
        Checkpoint checkpoint;

        Node(String id, String parentId) {
            this.id = id;
            this.parentId = parentId;
        }
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();

    /** Adds the shards not seen before and notes which have closed; loaded checkpoints mark finished shards. */
    void update(List<Shard> shards, Map<String, Checkpoint> checkpoints) {
        for (Shard s : shards) {
            Node n = nodes.computeIfAbsent(s.shardId(), id -> new Node(id, s.parentShardId()));
            n.closed =
                    s.sequenceNumberRange() != null && s.sequenceNumberRange().endingSequenceNumber() != null;
            Checkpoint c = checkpoints.get(s.shardId());
            if (c != null && n.checkpoint == null) {
                n.checkpoint = c;
                if (c.shardEnd()) {
                    n.state = State.FINISHED;
                }
            }
        }
    }

    /**
     * One line per known shard, oldest first: its id, state, parent and checkpoint (for operators, in JMX); {@code
     * saved} holds the newest checkpoints the readers saved since the graph's were loaded.
     */
    List<String> describe(Map<String, Checkpoint> saved) {
        List<String> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            Checkpoint newer = saved.get(n.id);
            Checkpoint shown =
                    newer != null && (n.checkpoint == null || !n.checkpoint.shardEnd()) ? newer : n.checkpoint;
            out.add(n.id + " " + n.state + (n.closed ? " closed" : " open")
                    + (n.parentId == null ? "" : " parent=" + n.parentId)
                    + (shown == null
                            ? " checkpoint=none"
                            : shown.shardEnd()
                                    ? " checkpoint=SHARD_END"
                                    : " checkpoint=" + shown.sequenceNumber() + " at " + shown.updatedAt()));
        }
        return out;
    }

    /** Shards waiting whose parent is finished or gone, oldest first. */
    List<Node> startable() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.state == State.WAITING && parentDone(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private boolean parentDone(Node n) {
        Node parent = n.parentId == null ? null : nodes.get(n.parentId);
        return parent == null || parent.state == State.FINISHED;
    }

    /** True when the shard has a parent this consumer knows: it must then be read from its first record. */
    boolean hasKnownParent(Node n) {
        return n.parentId != null && nodes.containsKey(n.parentId);
    }

    void started(String shardId) {
        nodes.get(shardId).state = State.READING;
    }

    void finished(String shardId, Checkpoint end) {
        Node n = nodes.get(shardId);
        n.state = State.FINISHED;
        n.checkpoint = end;
    }

    /** A reader stopped before the shard's end (stop, lost lease, data loss): the shard waits again. */
    void released(String shardId, Checkpoint last) {
        Node n = nodes.get(shardId);
        n.state = State.WAITING;
        if (last != null) {
            n.checkpoint = last;
        }
    }

    void stuck(String shardId) {
        nodes.get(shardId).state = State.STUCK;
    }

    /** Marks closed shards finished without reading them (LATEST on a first start). */
    void skipClosed() {
        for (Node n : nodes.values()) {
            if (n.closed && n.state == State.WAITING) {
                n.state = State.FINISHED;
            }
        }
    }

    boolean contains(String shardId) {
        return nodes.containsKey(shardId);
    }

    Node node(String shardId) {
        return nodes.get(shardId);
    }

    long count(State state) {
        return nodes.values().stream().filter(n -> n.state == state).count();
    }

    int size() {
        return nodes.size();
    }
}
