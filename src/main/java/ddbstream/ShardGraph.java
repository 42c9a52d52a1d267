package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * The shards of one stream as the consumer sees them, and which may be read now. A shard may start only when its
 * parent was read to its end, or when its parent is gone from the stream (trimmed away after 24 hours): this keeps
 * the changes of every item in order along its shard lineage. The phases are {@link #update} (what DescribeStream
 * listed), {@link #startable} (what to read now), {@link #started}, and how a reader ended: {@link #finished},
 * {@link #released}, {@link #retryLater} or {@link #stuck}. Guarded by the coordinator: one thread at a time.
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
        /** A reader that failed is started again only from this time on. */
        Instant notBefore = Instant.EPOCH;
        /** The stream no longer lists the shard, and it was not read to its end. */
        boolean vanished;

        Node(String id, String parentId) {
            this.id = id;
            this.parentId = parentId;
        }
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** Finished shards were forgotten once the stream no longer listed them. */
    private boolean forgotFinished;
    /** The finished shards forgotten since {@link #drainForgotten}, with their end checkpoints. */
    private final List<Node> forgotten = new ArrayList<>();

    /**
     * Adds the shards not seen before and notes which have closed; loaded checkpoints mark finished shards. Shards the
     * listing no longer holds are gone from the stream (trimmed away): finished ones are forgotten once every child the
     * listing holds has started (until then a child waits on its parent's end; after, the graph holds nothing of the
     * shard: a week of rollovers does not grow it), and the waiting ones never read to their end are returned once, for
     * the caller to report and then {@link #forget} or mark {@link #stuck}.
     */
    List<Node> update(List<Shard> shards, Map<String, Checkpoint> checkpoints) {
        Set<String> listed = new HashSet<>();
        for (Shard s : shards) {
            listed.add(s.shardId());
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
        List<Node> vanished = new ArrayList<>();
        for (Node n : List.copyOf(nodes.values())) {
            if (listed.contains(n.id) || n.state == State.READING || n.vanished) {
                continue;
            }
            if (n.state == State.FINISHED) {
                if (childrenStarted(n.id)) {
                    nodes.remove(n.id);
                    forgotten.add(n);
                    forgotFinished = true;
                }
            } else {
                n.vanished = true;
                if (n.state != State.STUCK) {
                    vanished.add(n); // a stuck shard's loss was reported when it got stuck
                }
            }
        }
        return vanished;
    }

    private boolean childrenStarted(String shardId) {
        for (Node child : nodes.values()) {
            if (shardId.equals(child.parentId) && child.state == State.WAITING && child.checkpoint == null) {
                return false;
            }
        }
        return true;
    }

    /** The finished shards {@link #update} forgot since the last call, each with its end checkpoint (if known). */
    List<Node> drainForgotten() {
        List<Node> out = List.copyOf(forgotten);
        forgotten.clear();
        return out;
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
                    + " checkpoint=" + (shown == null ? "none" : shown.describe()));
        }
        return out;
    }

    /** Shards waiting whose parent is finished or gone and whose retry time has come, oldest first. */
    List<Node> startable(Instant now) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.state == State.WAITING && parentDone(n) && !now.isBefore(n.notBefore)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The shards that may be read now, whoever reads them: waiting (their retry time aside) or being read, and their
     * parent finished or gone ({@code mode=shared}: what the replicas share out).
     */
    Set<String> readable() {
        Set<String> out = new java.util.TreeSet<>();
        for (Node n : nodes.values()) {
            if ((n.state == State.WAITING || n.state == State.READING) && parentDone(n)) {
                out.add(n.id);
            }
        }
        return out;
    }

    /** The shards whose records were lost before they were read: not read again until the consumer restarts. */
    Set<String> stuckShards() {
        Set<String> out = new java.util.TreeSet<>();
        nodes.values().stream().filter(n -> n.state == State.STUCK).forEach(n -> out.add(n.id));
        return out;
    }

    /**
     * What the other replicas of a shared stream saved: a shard not read here whose stored checkpoint is its end is
     * finished (its children may start), and one further along than this graph knew gets that checkpoint.
     */
    void refresh(Map<String, Checkpoint> stored) {
        for (Node n : nodes.values()) {
            Checkpoint c = stored.get(n.id);
            if (c == null || n.state != State.WAITING) {
                continue;
            }
            n.checkpoint = c;
            if (c.shardEnd()) {
                n.state = State.FINISHED;
            }
        }
    }

    private boolean parentDone(Node n) {
        Node parent = n.parentId == null ? null : nodes.get(n.parentId);
        return parent == null || parent.state == State.FINISHED;
    }

    /**
     * True when every shard the stream lists was read to its end (a stream that was turned off ends so), or the stream
     * lists none any more after the ones read to their end.
     */
    boolean allFinished() {
        return (!nodes.isEmpty() || forgotFinished)
                && nodes.values().stream().allMatch(n -> n.state == State.FINISHED && n.closed);
    }

    void started(String shardId) {
        Node n = nodes.get(shardId);
        n.state = State.READING;
        n.notBefore = Instant.EPOCH;
    }

    void finished(String shardId, Checkpoint end) {
        Node n = nodes.get(shardId);
        n.state = State.FINISHED;
        n.checkpoint = end;
    }

    /** A reader stopped before the shard's end (stop, lost lease): the shard waits again. */
    void released(String shardId, Checkpoint last) {
        retryLater(shardId, last, Instant.EPOCH, Duration.ZERO);
    }

    /** A reader failed (an error, a shard the stream did not know): the shard waits again, until {@code now + delay}. */
    void retryLater(String shardId, Checkpoint last, Instant now, Duration delay) {
        Node n = nodes.get(shardId);
        if (n == null || n.state == State.FINISHED) {
            return; // another reader (a replica's, shared) found its end meanwhile
        }
        n.state = State.WAITING;
        n.notBefore = now.plus(delay);
        if (last != null) {
            n.checkpoint = last;
        }
    }

    void stuck(String shardId) {
        nodes.get(shardId).state = State.STUCK;
    }

    /**
     * A shard gone from the stream before it was read to its end, listed before or known only from its checkpoint:
     * kept as stuck, so its children wait as after any loss.
     */
    void lostBeforeListed(String shardId) {
        Node n = nodes.computeIfAbsent(shardId, id -> new Node(id, null));
        n.state = State.STUCK;
        n.vanished = true;
        n.closed = true;
    }

    /** Drops a shard gone from the stream: its children may start. */
    void forget(String shardId) {
        nodes.remove(shardId);
    }

    /** Marks closed shards finished without reading them (LATEST on a first start); returns them. */
    List<Node> skipClosed() {
        List<Node> skipped = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.closed && n.state == State.WAITING) {
                n.state = State.FINISHED;
                skipped.add(n);
            }
        }
        return skipped;
    }

    /** The shards still open and waiting (LATEST on a first start: each is first read at LATEST). */
    List<Node> openWaiting() {
        return nodes.values().stream()
                .filter(n -> !n.closed && n.state == State.WAITING)
                .toList();
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
