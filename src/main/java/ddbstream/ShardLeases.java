package ddbstream;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.ShardLease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import lease.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard leases one replica holds when the replicas share a stream ({@code mode=shared}), after the Kinesis
 * Client Library's lease per shard: each readable shard is leased to one replica at a time; every replica takes free
 * shards up to its share (the readable shards over the replicas whose heartbeat is current, rounded up); a replica
 * holding two or more fewer than another takes one shard a round from the one holding the most, so the counts end at
 * most one apart; and a replica with much less load (records per second, measured by each owner and written on the
 * lease at each renewal) takes a busy shard from the one with the most. Taking free shards first keeps steals, each of which may deliver one batch twice, to the moments the
 * replicas change. A lease (and the replica's heartbeat) is renewed every
 * {@code leaseRenewInterval} on the lease thread, and is safe to act under until the lease duration less one interval
 * has passed since its last renewal; a renewal refused (another replica took the shard) or failing past that loses it,
 * and {@code onLost} is told the shard.
 *
 * <p>A reader reads and checkpoints its shard only while {@link #holds} says so, and its checkpoint is written only
 * under the owner and epoch the shard's item holds: a replica that paused past its lease can never move the checkpoint
 * of a shard another replica took.
 *
 * <p>The sharing replicas also hold, together, the stream's lease of {@code mode=single} under the owner
 * {@link #SHARED}: any of them takes or renews it (with its heartbeat), and a replica holds shards only while it does.
 * That lease keeps the two modes off the stream at the same time whichever the version of a replica: while a replica of
 * mode single reads, the sharing ones wait (healthy, as standbys); while the sharing ones read, a replica of mode single
 * stands by. So the replicas of a rolling upgrade from one mode to the other hand the stream over as their processes
 * stop, and each shard is read by at most one mode at a time.
 */
final class ShardLeases {
    private static final Logger LOG = LoggerFactory.getLogger(ShardLeases.class);

    private record Held(ShardLease lease, Instant safeUntil) {}

    /** A held shard's records processed by a time, and its throughput measured then (NaN before the second look). */
    private record Rate(long records, Instant at, double perSecond) {}

    /**
     * A load steal moves a shard only when the two replicas' loads differ by at least this many records per second
     * (and a quarter of their sum), and a lease's time after this replica's last steal: noise and a shard's catch-up
     * after it moved move nothing.
     */
    static final double MIN_LOAD_GAP = 20;

    /** The owner of the stream's lease while the replicas share the stream by shard. */
    static final String SHARED = "stream.mode=shared";

    private final CheckpointStore store;
    private final String group;
    private final String owner;
    private final Duration duration;
    private final Duration renewInterval;
    private final Clock clock;
    private final Consumer<String> onLost;
    private final Runnable onTakeover;
    private final ToLongFunction<String> recordsRead;
    private final Map<String, Rate> rates = new ConcurrentHashMap<>();
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final String table;
    private final int maxShards;
    /** When this replica first saw each readable shard free (balancing thread only). */
    private final Map<String, Instant> freeSince = new HashMap<>();
    /** When this replica last took a shard from another (balancing thread only). */
    private Instant lastSteal = Instant.EPOCH;

    private volatile String streamArn;
    /** Set by {@link #releaseAll}: this replica takes no shard any more. */
    private volatile boolean closed;
    /** The stream's lease as the sharing replicas hold it, and until when this replica may act under it; null: not held. */
    private volatile StreamHold stream;

    private record StreamHold(Lease lease, Instant safeUntil) {}

    /**
     * What {@link #holdStream} found: held by the sharing replicas (this one among them), or by {@code holder}, a
     * replica of mode single (null when the table could not say who).
     */
    record Hold(boolean held, Lease holder) {}

    ShardLeases(
            CheckpointStore store,
            DdbStreamConfiguration config,
            String owner,
            Consumer<String> onLost,
            Runnable onTakeover,
            ToLongFunction<String> recordsRead,
            Clock clock) {
        this.store = store;
        this.group = config.getCheckpointGroup();
        this.table = config.getTableName();
        this.maxShards = config.getMaxParallelShards();
        this.owner = owner;
        this.duration = Duration.ofMillis(config.getLeaseDuration());
        this.renewInterval = Duration.ofMillis(config.getLeaseRenewInterval());
        this.onLost = onLost;
        this.onTakeover = onTakeover;
        this.recordsRead = recordsRead;
        this.clock = clock;
    }

    String owner() {
        return owner;
    }

    /** The stream the leases are of; the leases of an earlier one are forgotten (that stream is finished). */
    void stream(String arn) {
        if (!arn.equals(streamArn)) {
            held.clear();
            freeSince.clear();
            streamArn = arn;
        }
        if (!closed) {
            // Counted by the others from now on, before this replica's first take.
            store.heartbeat(group, table, owner, clock.instant().plus(duration));
        }
    }

    /** This replica is stopping: it takes nothing more and sends no heartbeat (its readers drain, then it releases). */
    void close() {
        closed = true;
    }

    /**
     * Takes or renews the stream's lease for the sharing replicas ({@link #SHARED}): taken when free or expired, and
     * extended while theirs. A failure to reach the table leaves what this replica holds as it was.
     */
    synchronized Hold holdStream() {
        Instant now = clock.instant();
        Optional<Lease> got = store.leases().holdTogether(group, table, SHARED, duration, now);
        if (got.isPresent()) {
            stream = new StreamHold(got.get(), now.plus(duration).minus(renewInterval));
            return new Hold(true, null);
        }
        stream = null;
        try {
            return new Hold(false, store.leases().currentLease(group, table).orElse(null));
        } catch (RuntimeException e) {
            return new Hold(false, null); // refused all the same; who holds it is only for the log
        }
    }

    /** True while the sharing replicas hold the stream's lease, renewed here recently enough that nobody took it. */
    boolean holdsStream() {
        StreamHold h = stream;
        return h != null && clock.instant().isBefore(h.safeUntil);
    }

    /** True while this replica holds the shard under that epoch, renewed recently enough that nobody took it. */
    boolean holds(String shardId, long epoch) {
        Held h = held.get(shardId);
        return h != null && h.lease.epoch() == epoch && clock.instant().isBefore(h.safeUntil) && holdsStream();
    }

    boolean holds(String shardId) {
        Held h = held.get(shardId);
        return h != null && clock.instant().isBefore(h.safeUntil) && holdsStream();
    }

    /** The lease held on the shard, or null. */
    ShardLease lease(String shardId) {
        Held h = held.get(shardId);
        return h == null ? null : h.lease;
    }

    /** The shards held, in id order. */
    Set<String> shards() {
        return new TreeSet<>(held.keySet());
    }

    /**
     * Renews the stream's lease, then the heartbeat and every shard lease held (the lease thread, every {@code
     * leaseRenewInterval}); a replica standing by sends no heartbeat, so the others count it only while it may read.
     */
    void renewAll() {
        if (closed || !renewStream() || streamArn == null) {
            return; // counted by the others only once it follows the stream, and never after it stopped
        }
        try {
            store.heartbeat(group, table, owner, clock.instant().plus(duration));
        } catch (RuntimeException e) {
            LOG.warn("Could not renew this replica's heartbeat on the stream of {}: {}", table, e.toString());
        }
        String arn = streamArn;
        for (Held h : List.copyOf(held.values())) {
            Instant now = clock.instant();
            String shard = h.lease.shardId();
            try {
                if (store.renewShard(group, arn, h.lease, duration, now, measure(shard, now))) {
                    held.replace(shard, h, new Held(h.lease, now.plus(duration).minus(renewInterval)));
                    continue;
                }
                LOG.info(
                        "Shard {}: another replica took its lease (epoch {}); its reader here stops",
                        shard,
                        h.lease.epoch());
            } catch (RuntimeException e) {
                if (now.isBefore(h.safeUntil)) {
                    LOG.warn(
                            "Shard {}: could not renew its lease ({}); trying again, it is safe until {}",
                            shard,
                            e.toString(),
                            h.safeUntil);
                    continue;
                }
                LOG.warn(
                        "Shard {}: its lease could not be renewed before {} ({}); its reader stops",
                        shard,
                        h.safeUntil,
                        e.toString());
            }
            if (held.remove(shard, h)) {
                rates.remove(shard);
                onLost.accept(shard);
            }
        }
    }

    /**
     * Renews the sharing replicas' lease on the stream. Refused, a replica of mode single took it (it expired: no
     * sharing replica renewed it for a lease's time): every shard lease here is given up, and the coordinator waits as a
     * standby.
     *
     * @return false when the stream's lease is no longer held here
     */
    private boolean renewStream() {
        StreamHold before = stream;
        if (before == null) {
            return false;
        }
        try {
            Hold hold = holdStream();
            if (hold.held()) {
                return true;
            }
            LOG.warn(
                    "A replica of mode single ({}) took the lease on the stream of {}: this replica gives up its"
                            + " {} shards and waits until it stops",
                    hold.holder() == null ? "unknown" : hold.holder().owner(),
                    table,
                    held.size());
        } catch (RuntimeException e) {
            if (clock.instant().isBefore(before.safeUntil)) {
                LOG.warn(
                        "Could not renew the sharing replicas' lease on the stream of {} ({}); trying again, it is safe"
                                + " until {}",
                        table,
                        e.toString(),
                        before.safeUntil);
                return true;
            }
            synchronized (this) {
                if (stream == before) {
                    stream = null;
                }
            }
            LOG.warn(
                    "The sharing replicas' lease on the stream of {} could not be renewed before {} ({}); this replica"
                            + " stops reading its {} shards",
                    table,
                    before.safeUntil,
                    e.toString(),
                    held.size());
        }
        dropAll();
        return false;
    }

    /**
     * Forgets every shard lease held (the stream's lease is no longer held here), telling {@code onLost} of each. They
     * are not released: a reader may still be finishing its batch, and a shard is taken by another only once its lease
     * expired, so it never has two readers but at a handover.
     */
    void dropAll() {
        for (String shard : List.copyOf(held.keySet())) {
            if (held.remove(shard) != null) {
                rates.remove(shard);
                onLost.accept(shard);
            }
        }
    }

    /**
     * The shard's records per second since the last renewal, smoothed over the renewals before (each weighs half as
     * much as the one after it); -1 (the lease keeps the figure its last owner wrote) until a second look.
     */
    private double measure(String shard, Instant now) {
        long records = recordsRead.applyAsLong(shard);
        Rate before = rates.get(shard);
        double perSecond = Double.NaN;
        if (before != null) {
            double seconds = Duration.between(before.at, now).toMillis() / 1000.0;
            double recent = seconds > 0 ? Math.max(0, records - before.records) / seconds : 0;
            perSecond = Double.isNaN(before.perSecond) ? recent : (before.perSecond + recent) / 2;
        }
        rates.put(shard, new Rate(records, now, perSecond));
        return Double.isNaN(perSecond) ? -1 : perSecond;
    }

    /**
     * Forgets a shard's lease of that epoch (a checkpoint under it was refused: another replica took the shard); a
     * newer lease this replica took meanwhile stays.
     */
    void lost(String shardId, long epoch) {
        Held h = held.get(shardId);
        if (h != null && h.lease.epoch() == epoch && held.remove(shardId, h)) {
            rates.remove(shardId);
            onLost.accept(shardId);
        }
    }

    /**
     * One round of taking: free shards first, up to this replica's share (and never more than it reads at once), then,
     * when it took none, at most one shard from the replica holding two or more above it. A shard left free for longer
     * than a lease (its share's replica is counted but takes nothing: it cannot reach the stream) is taken beyond the
     * share. Returns what this round took, each with the shard's checkpoint as it stands.
     *
     * @param readable the shards that may be read now (their parents are read to their end), held here or not
     * @param stuck the shards this replica holds but no longer reads (records lost before they were read): its load
     * @param leases the shard leases the table holds, just read
     */
    List<CheckpointStore.Taken> balance(
            Set<String> readable, Set<String> stuck, Map<String, ShardLease> leases, Instant now) {
        String arn = streamArn;
        for (String shard : readable) {
            ShardLease l = leases.get(shard);
            if (l == null || l.freeAt(now)) {
                freeSince.putIfAbsent(shard, now);
            } else {
                freeSince.remove(shard);
            }
        }
        freeSince.keySet().retainAll(readable);
        Set<String> workers = new TreeSet<>(store.workers(group, table, now, duration.multipliedBy(100)));
        workers.add(owner);
        Map<String, List<ShardLease>> others = new HashMap<>();
        for (String shard : readable) {
            ShardLease l = leases.get(shard);
            if (l != null && !l.freeAt(now) && !l.owner().equals(owner) && !held.containsKey(shard)) {
                others.computeIfAbsent(l.owner(), o -> new ArrayList<>()).add(l);
            }
        }
        int mine = (int) readable.stream().filter(held::containsKey).count()
                + (int) stuck.stream().filter(held::containsKey).count();
        int replicas = Math.max(workers.size(), others.size() + 1);
        int floor = Math.max(readable.size() / replicas, readable.isEmpty() ? 0 : 1);
        int share = (readable.size() + replicas - 1) / replicas;
        List<CheckpointStore.Taken> taken = new ArrayList<>();
        for (String shard : new TreeSet<>(readable)) {
            if (mine >= maxShards) {
                break;
            }
            ShardLease l = leases.get(shard);
            if (held.containsKey(shard)
                    || (l != null && !l.freeAt(now) && !l.owner().equals(owner))) {
                continue;
            }
            // Up to the even part of the shards at once; one of the rest only once every replica had a round to take
            // its
            // even part (else the first to look takes two and another none, and must steal: a batch twice); more than
            // the share only after a lease's time (a replica counted but unable to take).
            Instant seenFree = freeSince.getOrDefault(shard, now);
            if ((mine >= floor && !seenFree.isBefore(now.minus(renewInterval)))
                    || (mine >= share && !seenFree.isBefore(now.minus(duration)))) {
                continue;
            }
            var t = take(arn, shard, null);
            if (t != null) {
                taken.add(t);
                mine++;
            }
        }
        int before = mine;
        if (!taken.isEmpty() || mine >= maxShards) {
            return taken;
        }
        // Steals: only a lease held for a lease's time, so its holder before has surely stopped reading and a shard
        // never has more than two readers (the one stopping and the new one), as DynamoDB Streams allows.
        Instant settled = now.minus(duration);
        double myLoad = load(held.keySet(), leases);
        Map<String, Double> loads = new HashMap<>();
        others.forEach((o, ls) -> loads.put(
                o, ls.stream().mapToDouble(ShardLease::recordsPerSecond).sum()));
        // By count: from the replica holding the most, two or more above this one, the shard that best evens the two
        // replicas' loads.
        ShardLease victim = others.values().stream()
                .filter(ls -> ls.size() >= before + 2)
                .max(Comparator.comparingInt(List::size))
                .flatMap(ls -> evening(ls, loads.get(ls.get(0).owner()) - myLoad, settled, Double.MAX_VALUE))
                .orElse(null);
        String why = "count";
        if (victim == null && !now.isBefore(lastSteal.plus(duration))) {
            // By throughput: from the replica with the most load, holding at least as many shards as this one, a
            // shard that at least halves the gap between the two, and only a gap worth a batch read twice.
            victim = others.values().stream()
                    .filter(ls -> ls.size() >= before)
                    .max(Comparator.comparingDouble(ls -> loads.get(ls.get(0).owner())))
                    .flatMap(ls -> {
                        double theirs = loads.get(ls.get(0).owner());
                        double gap = theirs - myLoad;
                        if (gap < MIN_LOAD_GAP || gap < (theirs + myLoad) / 4) {
                            return java.util.Optional.empty();
                        }
                        return evening(ls, gap, settled, gap / 2);
                    })
                    .orElse(null);
            why = "throughput";
        }
        if (victim != null) {
            var t = take(arn, victim.shardId(), victim);
            if (t != null) {
                LOG.info(
                        "Shard {}: taken from {} to balance the stream's shards by {} ({} shards and {} records/s"
                                + " here, {} and {} there)",
                        victim.shardId(),
                        victim.owner(),
                        why,
                        before + 1,
                        Math.round(myLoad + victim.recordsPerSecond()),
                        others.get(victim.owner()).size() - 1,
                        Math.round(loads.get(victim.owner()) - victim.recordsPerSecond()));
                taken.add(t);
                lastSteal = now;
                onTakeover.run();
            }
        }
        return taken;
    }

    /** The load of the shards held here, as their leases in the table say (each renewal writes it). */
    private static double load(Set<String> shards, Map<String, ShardLease> leases) {
        return shards.stream()
                .map(leases::get)
                .filter(java.util.Objects::nonNull)
                .mapToDouble(ShardLease::recordsPerSecond)
                .sum();
    }

    /**
     * Of a replica's settled leases, the one whose move here leaves the two replicas' loads closest ({@code gap}: how
     * much more load it has), if moving it leaves them at most {@code within} apart; ties go to the newest shard.
     */
    private static java.util.Optional<ShardLease> evening(
            List<ShardLease> theirs, double gap, Instant settled, double within) {
        return theirs.stream()
                .filter(l -> l.takenAt().isBefore(settled))
                .filter(l -> Math.abs(gap - 2 * l.recordsPerSecond()) <= within)
                .min(Comparator.comparingDouble((ShardLease l) -> Math.abs(gap - 2 * l.recordsPerSecond()))
                        .thenComparing(ShardLease::shardId, Comparator.reverseOrder()));
    }

    private CheckpointStore.Taken take(String arn, String shard, ShardLease from) {
        if (closed) {
            return null;
        }
        Instant now = clock.instant(); // the round's own clock may be seconds old by now
        StreamHold fence = stream;
        if (fence == null || !now.isBefore(fence.safeUntil)) {
            return null;
        }
        CheckpointStore.Taken t = store.takeShard(
                        group, arn, shard, owner, from, fence.lease().epoch(), duration, now)
                .orElse(null);
        if (t != null) {
            freeSince.remove(shard);
            held.put(shard, new Held(t.lease(), now.plus(duration).minus(renewInterval)));
            if (closed) {
                release(shard); // stopping meanwhile: handed over at once
                return null;
            }
        }
        return t;
    }

    /** Gives a shard's lease up at once (its reader ended: the shard is read to its end, or this replica stops). */
    void release(String shardId) {
        rates.remove(shardId);
        Held h = held.remove(shardId);
        if (h == null) {
            return;
        }
        try {
            store.releaseShard(group, streamArn, h.lease);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Shard {}: could not release its lease ({}); it expires at {}",
                    shardId,
                    e.toString(),
                    h.lease.expiresAt());
        }
    }

    /** Gives every lease up (on stop, after the readers checkpointed), so the other replicas take the shards at once. */
    void releaseAll() {
        closed = true;
        List<String> shards = List.copyOf(held.keySet());
        for (String shard : shards) {
            release(shard);
        }
        LOG.info("Released the leases of {} shards of the stream of table {}", shards.size(), table);
        try {
            store.leave(group, table, owner);
        } catch (RuntimeException e) {
            LOG.warn("Could not remove this replica's heartbeat on the stream of {}: {}", table, e.toString());
        }
    }
}
