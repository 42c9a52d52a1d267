package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.ShardLease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Runs one {@code ddbstream} consumer: holds the stream's lease (or waits as a standby), follows the table's streams
 * ({@link StreamLineage}), discovers shards, and starts a {@link ShardReader} for every shard whose parent is
 * finished, up to the parallel limit. Shard state is touched only by this class's thread; readers report back
 * through a queue. The lease is renewed by a {@link LeaseKeeper} on its own thread, so no wait of this one (a
 * backoff, a throttled call) can let it expire.
 *
 * <p>Contract with readers: a reader may process and checkpoint only while {@link #isActive(long)} holds for the
 * lease generation it started under. A lost lease ends the generation; the readers stop after their current batch,
 * and only then does the coordinator compete for the lease again.
 */
final class StreamCoordinator implements Runnable, ShardReader.Host {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCoordinator.class);

    private record ReaderDone(
            long generation, String shardId, long epoch, ShardReader.Outcome outcome, Checkpoint checkpoint) {}

    /** What DescribeStream says of one stream: its view type and every shard (all pages). */
    private record Description(String viewType, List<Shard> shards) {}

    private final DdbStreamConsumer consumer;
    private final DdbStreamConfiguration config;
    private final DynamoDbStreamsClient streams;
    private final CheckpointStore store;
    private final StreamMetrics metrics;
    private final StreamHealthCheck health;
    private final String owner;
    private final StopSignal stop = new StopSignal();
    /** What the shard readers share. */
    private final ShardReader.Context readerContext;

    private final Semaphore wake = new Semaphore(0);
    private final Queue<ReaderDone> done = new ConcurrentLinkedQueue<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger activeReaders = new AtomicInteger();
    private final ExecutorService readers;
    private final ScheduledExecutorService leaseThread;
    private final LeaseKeeper keeper;
    /** The shard leases of {@code mode=shared}; null in {@code single}, where {@link #keeper} holds the stream. */
    private final ShardLeases leases;

    private Instant nextBalance = Instant.EPOCH;
    private final StreamLineage lineage;
    private final Backoff stepBackoff;
    private final Backoff discoveryBackoff;
    private final Map<String, Backoff> shardBackoff = new HashMap<>();
    private volatile boolean leaseLost;
    private boolean checkpointTableReady;
    private ShardGraph graph;
    private String streamArn;
    private Instant nextAcquire = Instant.EPOCH;
    /** The holder of the stream's lease this replica last said it waits for, so it says so once. */
    private String waitingFor;
    /** The checkpoints loaded with the lease, for shards the stream lists only later. */
    private Map<String, Checkpoint> loaded = Map.of();

    private Instant nextDiscovery = Instant.EPOCH;
    private String refusedStream;
    private volatile List<String> shardStates = List.of();
    /** The newest checkpoint each reader saved, for the shard states operators see (readers write, JMX reads). */
    private final Map<String, Checkpoint> saved = new ConcurrentHashMap<>();
    /** The checkpoints nothing reads any more, removed once older than the stream's retention. */
    private final FinishedCheckpoints finished;

    StreamCoordinator(
            DdbStreamConsumer consumer,
            DdbStreamConfiguration config,
            StreamMetrics metrics,
            StreamHealthCheck health,
            String owner) {
        this.consumer = consumer;
        this.config = config;
        this.streams = config.getDynamoDbStreamsClient();
        this.store = new CheckpointStore(config.getCheckpointDynamoDbClient(), config.getCheckpointTable());
        this.finished = new FinishedCheckpoints(store, config);
        this.metrics = metrics;
        this.health = health;
        this.readerContext = new ShardReader.Context(config, stop, health, metrics);
        this.owner = owner;
        this.readers = Executors.newFixedThreadPool(config.getMaxParallelShards(), daemon("shard", true));
        this.leaseThread = Executors.newSingleThreadScheduledExecutor(daemon("lease", false));
        this.keeper = new LeaseKeeper(store, config, owner, leaseThread, this::onLeaseLost, Clock.systemUTC());
        this.leases = config.isShared()
                ? new ShardLeases(
                        store,
                        config,
                        owner,
                        shard -> wake.release(),
                        metrics::takeover,
                        metrics::recordsRead,
                        Clock.systemUTC())
                : null;
        if (leases != null) {
            leaseThread.scheduleWithFixedDelay(
                    leases::renewAll,
                    config.getLeaseRenewInterval(),
                    config.getLeaseRenewInterval(),
                    TimeUnit.MILLISECONDS);
        }
        this.lineage = new StreamLineage(config, config.getDynamoDbClient(), streams, store);
        this.stepBackoff = new Backoff(config.getRetryDelay(), config.getMaxRetryDelay());
        this.discoveryBackoff = new Backoff(config.getRetryDelay(), config.getMaxRetryDelay());
    }

    private java.util.concurrent.ThreadFactory daemon(String kind, boolean numbered) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(
                    r, "ddbstream-" + config.getTableName() + "-" + kind + (numbered ? "-" + n.incrementAndGet() : ""));
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void run() {
        while (!stop.isStopped()) {
            Duration pause = tick();
            try {
                step(Instant.now());
                health.recovered("coordinator");
                stepBackoff.reset();
            } catch (RuntimeException e) {
                pause = shorter(stepBackoff.next(), renewalMargin());
                LOG.warn("Stream of table {}: {}; retrying in {}", config.getTableName(), e.toString(), pause);
                health.failing("coordinator", e.getMessage());
            }
            metrics.tick(Instant.now());
            shardStates = graph == null ? List.of() : graph.describe(saved);
            try {
                wake.tryAcquire(pause.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** How often the loop looks at the readers' results and the clock. */
    private Duration tick() {
        return Duration.ofMillis(Math.min(1000, config.getLeaseRenewInterval()));
    }

    /** The longest any wait of this loop may last: the time a lease outlives its last renewal. */
    private Duration renewalMargin() {
        return Duration.ofMillis(config.getLeaseDuration() - config.getLeaseRenewInterval());
    }

    private void step(Instant now) {
        if (config.isCreateCheckpointTable() && !checkpointTableReady) {
            store.createTableIfMissing();
            checkpointTableReady = true;
        }
        if (leases != null) {
            stepShared(now);
            return;
        }
        if (graph != null && !leaseLost && !keeper.held()) {
            keeper.lost();
        }
        if (leaseLost) {
            dropLease();
        }
        if (graph == null && (activeReaders.get() > 0 || now.isBefore(nextAcquire) || !takeLease(now))) {
            return;
        }
        drainDone(now);
        if (!now.isBefore(nextDiscovery)) {
            discover(now);
        }
        startReaders(now);
        metrics.reading(activeReaders.get());
    }

    /**
     * {@code mode=shared}: every replica follows the stream under the stream's lease the sharing replicas hold together,
     * and each round reads the shards' leases and checkpoints from the table, takes its share of the readable shards and
     * reads those it holds. While a replica of mode single holds the stream's lease, this one waits as a standby.
     */
    private void stepShared(Instant now) {
        if (graph != null && !leases.holdsStream()) {
            leaveSharedStream(); // a replica of mode single took the stream: its shards were given up
        }
        if (graph == null) {
            if (activeReaders.get() > 0 || now.isBefore(nextAcquire) || !holdSharedStream(now)) {
                return;
            }
            if (!openStream(now)) {
                return;
            }
        }
        drainDone(now);
        if (!now.isBefore(nextDiscovery)) {
            discover(now);
        }
        if (!now.isBefore(nextBalance)) {
            balance(now);
        }
        startReaders(now);
        metrics.reading(activeReaders.get());
    }

    /** One round of {@code mode=shared}: what the others finished, then this replica's share of the readable shards. */
    private void balance(Instant now) {
        CheckpointStore.Shards stored = store.loadShards(config.getCheckpointGroup(), streamArn);
        graph.refresh(stored.checkpoints());
        for (CheckpointStore.Taken t : leases.balance(graph.readable(), graph.stuckShards(), stored.leases(), now)) {
            ShardGraph.Node n = graph.node(t.lease().shardId());
            if (n != null && t.checkpoint() != null) {
                n.checkpoint = t.checkpoint(); // where the last reader left it
                if (t.checkpoint().shardEnd()) {
                    graph.finished(n.id, t.checkpoint());
                    leases.release(n.id);
                }
            }
        }
        for (String shard : leases.shards()) {
            if (!graph.contains(shard)) {
                leases.release(shard); // gone from the stream
            }
        }
        metrics.shardsOwned(leases.shards().size());
        nextBalance = now.plusMillis(config.getLeaseRenewInterval());
    }

    /**
     * {@code mode=shared}: takes or renews the stream's lease the sharing replicas hold; while a replica of mode single
     * holds it, waits as a standby and says once for whom.
     */
    private boolean holdSharedStream(Instant now) {
        ShardLeases.Hold hold = leases.holdStream();
        if (hold.held()) {
            waitingFor = null;
            return true;
        }
        String holder = hold.holder() == null ? "unknown" : hold.holder().owner();
        if (!holder.equals(waitingFor)) {
            waitingFor = holder;
            LOG.info(
                    "A replica of mode single ({}) reads the stream of table {} (its lease runs to {}): this"
                            + " replica of mode shared stands by and takes its share once that replica stops",
                    holder,
                    config.getTableName(),
                    hold.holder() == null ? "?" : hold.holder().expiresAt());
        }
        health.role("standby");
        metrics.leaseOwned(false);
        nextAcquire = now.plusMillis(config.getLeaseRenewInterval());
        return false;
    }

    /**
     * {@code mode=shared}: the stream's lease is no longer held here (a replica of mode single took it): the readers stop
     * after their batch, and the stream is followed again only once this replica holds the lease again.
     */
    private void leaveSharedStream() {
        leases.dropAll();
        generation.incrementAndGet();
        graph = null;
        done.clear();
        health.role("standby");
        metrics.leaseOwned(false);
        metrics.shardsOwned(0);
    }

    private boolean takeLease(Instant now) {
        if (!keeper.held()) {
            java.util.Optional<lease.Lease> acquired = keeper.acquire();
            if (acquired.isEmpty()) {
                standBy(now);
                return false;
            }
            waitingFor = null;
            leaseLost = false;
            generation.incrementAndGet();
        }
        return openStream(now);
    }

    /** {@code mode=single}: another replica holds the stream's lease; says once who, when the holder changes kind. */
    private void standBy(Instant now) {
        health.role("standby");
        metrics.leaseOwned(false);
        nextAcquire = now.plusMillis(config.getLeaseRenewInterval());
        String holder = store.leases()
                .currentLease(config.getCheckpointGroup(), config.getTableName())
                .map(lease.Lease::owner)
                .orElse("");
        if (holder.equals(ShardLeases.SHARED) && !holder.equals(waitingFor)) {
            LOG.info(
                    "Replicas of mode shared read the stream of table {} by shard: this replica of mode single"
                            + " stands by and reads the stream once they have all stopped",
                    config.getTableName());
        }
        waitingFor = holder;
    }

    /** Follows the lineage to the stream to read, and builds its shards from DescribeStream and the checkpoints. */
    private boolean openStream(Instant now) {
        String arn = lineage.open(now);
        Description d = null;
        while (d == null) {
            try {
                d = describe(arn);
                refuseWithoutNewImage(arn, d.viewType());
            } catch (ResourceNotFoundException | StreamRefusedException e) {
                if (lineage.next() == null) {
                    throw e;
                }
                passOver(arn, e);
                arn = lineage.advance(now);
                d = null;
            }
        }
        Map<String, Checkpoint> checkpoints = store.load(config.getCheckpointGroup(), arn);
        ShardGraph g = new ShardGraph();
        g.update(d.shards(), checkpoints);
        reportUnlistedCheckpoints(g, arn, d.shards(), checkpoints, now);
        if (lineage.firstEver() && checkpoints.isEmpty() && config.getStartPosition() == StartPosition.LATEST) {
            startFromLatest(g, arn, now);
        }
        lineage.recordReading(now);
        // Published only now: a failure above takes the lease's first steps again, from the stream's state.
        streamArn = arn;
        loaded = new HashMap<>(checkpoints);
        saved.clear();
        shardBackoff.clear();
        finished.takeUp(g, checkpoints);
        graph = g;
        nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
        if (leases != null) {
            leases.stream(arn);
            nextBalance = Instant.EPOCH;
        }
        health.role(leases != null ? "shared" : "owner");
        metrics.leaseOwned(true);
        LOG.info(
                "Consuming the stream of table {} as {} ({}): {} shards, {} with checkpoints, in {}{}",
                config.getTableName(),
                owner,
                leases != null ? "shared by shard with the group's other replicas" : "lease epoch " + keeper.epoch(),
                d.shards().size(),
                checkpoints.size(),
                arn,
                lineage.next() == null ? "" : "; then in its successor " + lineage.next());
        return true;
    }

    /**
     * A first start at LATEST: closed shards are history (marked read), and every open shard is first read at LATEST
     * when its turn comes; that start is saved, so it holds through restarts and expired iterators.
     */
    private void startFromLatest(ShardGraph g, String arn, Instant now) {
        for (ShardGraph.Node n : g.skipClosed()) {
            Checkpoint end = Checkpoint.end(n.id, null, now);
            if (saveFirst(arn, end, now)) {
                n.checkpoint = end;
            }
        }
        for (ShardGraph.Node n : g.openWaiting()) {
            Checkpoint c = Checkpoint.latestPending(n.id, now);
            if (saveFirst(arn, c, now)) {
                n.checkpoint = c;
            }
        }
    }

    /**
     * A stream of the lineage that is not read: gone from DynamoDB Streams (24 hours after it was turned off) before it
     * was read to its end, or refused for its view type while a newer stream exists. Its remaining changes cannot land:
     * data loss, reported loudly.
     */
    private void passOver(String arn, RuntimeException why) {
        metrics.dataLost();
        health.dataLost("stream " + arn, "not read to its end: " + why.getMessage());
        LOG.error(
                "The stream {} of table {} is passed over before it was read to its end ({}): its remaining changes"
                        + " do not land (DATA LOSS); going on with the next stream",
                arn,
                config.getTableName(),
                why.getMessage());
    }

    private void refuseWithoutNewImage(String arn, String viewType) {
        try {
            StreamRefusedException.check(config.getTableName(), arn, viewType, config.isAcceptMissingNewImage());
            if (arn.equals(refusedStream)) {
                refusedStream = null;
                health.recovered("stream");
            }
        } catch (StreamRefusedException e) {
            if (!arn.equals(refusedStream)) {
                refusedStream = arn;
                LOG.error("Not reading the stream: {}", e.getMessage());
            }
            health.failing("stream", e.getMessage());
            throw e;
        }
    }

    /**
     * Checkpoints of shards the stream no longer lists, short of their end, that are a listed shard's parent or older
     * than the stream keeps records: those shards were trimmed away unread. Any other may belong to a shard the
     * listing does not show yet; it is kept for when it does.
     */
    private void reportUnlistedCheckpoints(
            ShardGraph g, String arn, List<Shard> shards, Map<String, Checkpoint> checkpoints, Instant now) {
        java.util.Set<String> listed = new java.util.HashSet<>();
        java.util.Set<String> parents = new java.util.HashSet<>();
        shards.forEach(s -> {
            listed.add(s.shardId());
            parents.add(s.parentShardId());
        });
        for (Checkpoint c : checkpoints.values()) {
            boolean gone = parents.contains(c.shardId())
                    || c.updatedAt().isBefore(now.minusMillis(config.getStreamRetention()));
            if (c.shardEnd() || listed.contains(c.shardId()) || !gone) {
                continue;
            }
            vanished(g, arn, c.shardId(), c, now);
        }
    }

    /**
     * Called by a reader whose checkpoint was refused: this consumer no longer owns the stream ({@code single}), or
     * another replica took the shard ({@code shared}).
     */
    @Override
    public void checkpointRefused(String shardId, long epoch) {
        if (leases != null) {
            leases.lost(shardId, epoch);
        } else {
            keeper.lost();
        }
    }

    private void onLeaseLost() {
        leaseLost = true;
        generation.incrementAndGet();
        wake.release();
    }

    private void dropLease() {
        leaseLost = false;
        graph = null;
        done.clear();
        health.role("standby");
        metrics.leaseOwned(false);
    }

    private void drainDone(Instant now) {
        for (ReaderDone d; (d = done.poll()) != null; ) {
            if (d.generation() != generation.get() || !graph.contains(d.shardId())) {
                continue;
            }
            if (leases != null && d.outcome() != ShardReader.Outcome.FINISHED) {
                ShardLease held = leases.lease(d.shardId());
                if (held != null && held.epoch() != d.epoch()) {
                    // A reader of a lease lost and taken again meanwhile: the take's checkpoint is the newer one.
                    d = new ReaderDone(d.generation(), d.shardId(), held.epoch(), d.outcome(), null);
                }
            }
            switch (d.outcome()) {
                case FINISHED -> {
                    graph.finished(d.shardId(), d.checkpoint());
                    if (leases != null) {
                        leases.release(d.shardId());
                        // Its children may be read now: take them this round, not a renew interval later.
                        nextBalance = Instant.EPOCH;
                    }
                    metrics.shardFinished(d.shardId());
                    shardBackoff.remove(d.shardId());
                    nextDiscovery = Instant.EPOCH;
                }
                case DATA_LOSS -> graph.stuck(d.shardId());
                case GONE, FAILED -> {
                    Duration delay = shardBackoff
                            .computeIfAbsent(
                                    d.shardId(), id -> new Backoff(config.getRetryDelay(), config.getMaxRetryDelay()))
                            .next();
                    graph.retryLater(d.shardId(), d.checkpoint(), now, delay);
                    if (d.outcome() == ShardReader.Outcome.GONE) {
                        nextDiscovery = Instant.EPOCH;
                    }
                }
                case STOPPED -> {
                    graph.released(d.shardId(), d.checkpoint());
                    shardBackoff.remove(d.shardId());
                }
            }
        }
    }

    /**
     * Finds new shards and notices a new stream of the table (LatestStreamArn changed); once every shard of the
     * current stream is read to its end, moves on to the next stream. A failure backs off on its own clock.
     */
    private void discover(Instant now) {
        try {
            noticeNewStream(now);
            Description d;
            try {
                d = describe(streamArn);
            } catch (ResourceNotFoundException e) {
                currentStreamGone(now, e);
                return;
            }
            // A shard listed only now gets the checkpoint loaded with the lease (the listing may lag behind it).
            for (ShardGraph.Node n : graph.update(d.shards(), loaded)) {
                vanished(graph, streamArn, n.id, n.checkpoint, now);
            }
            for (ShardGraph.Node n : graph.drainForgotten()) {
                finished.unlisted(n.id, n.checkpoint == null ? now : n.checkpoint.updatedAt());
                saved.remove(n.id);
            }
            finished.removeShards(streamArn, now).forEach(loaded::remove);
            finished.removeStreams(streamArn, now);
            if (lineage.next() != null && graph.allFinished()) {
                moveToNextStream(now);
            }
            discoveryBackoff.reset();
            nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
            health.recovered("discovery");
        } catch (StreamRefusedException e) {
            nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
        } catch (RuntimeException e) {
            Duration delay = discoveryBackoff.next();
            nextDiscovery = now.plus(delay);
            LOG.warn(
                    "Stream {} of table {}: shard discovery failed: {}; trying again in {}",
                    streamArn,
                    config.getTableName(),
                    e.toString(),
                    delay);
            if (!AwsErrors.isRetriable(e)) {
                health.failing("discovery", "shard discovery of " + streamArn + ": " + e.getMessage());
            }
        }
    }

    private void noticeNewStream(Instant now) {
        List<String> noticed;
        try {
            noticed = lineage.checkLatest(now);
        } catch (ResourceNotFoundException e) {
            LOG.warn(
                    "Table {} is gone ({}); its stream {} stays readable for 24 hours and is read to its end",
                    config.getTableName(),
                    e.getMessage(),
                    streamArn);
            return;
        }
        for (String stream : noticed) {
            metrics.streamRecreated(lineage.current(), stream);
            LOG.info(
                    "The table {} has a new stream {} (LatestStreamArn changed: the stream was turned off and on, or"
                            + " the table re-created); reading the old stream {} to its end first, then the new one"
                            + " from its trim horizon",
                    config.getTableName(),
                    stream,
                    lineage.current());
        }
    }

    /**
     * Every shard of the current stream is read: the next stream, from its trim horizon. A next stream that is gone, or
     * refused while a newer one follows, is passed over. The lineage moves only once the next stream's graph is built,
     * so a failure leaves everything as it was, to be tried again.
     */
    private void moveToNextStream(Instant now) {
        String old = streamArn;
        while (lineage.next() != null) {
            String next = lineage.next();
            Description d;
            try {
                d = describe(next);
                refuseWithoutNewImage(next, d.viewType());
            } catch (ResourceNotFoundException | StreamRefusedException e) {
                if (e instanceof StreamRefusedException && !lineage.moreAfterNext()) {
                    throw e;
                }
                passOver(next, e);
                lineage.skipNext(now);
                continue;
            }
            Map<String, Checkpoint> checkpoints = store.load(config.getCheckpointGroup(), next);
            ShardGraph g = new ShardGraph();
            g.update(d.shards(), checkpoints);
            lineage.advance(now);
            graph = g;
            streamArn = next;
            loaded = new HashMap<>(checkpoints);
            saved.clear();
            shardBackoff.clear();
            finished.takeUp(g, checkpoints);
            if (leases != null) {
                leases.stream(next);
                nextBalance = Instant.EPOCH;
            }
            if (leases == null) {
                finished.removeStream(old, now); // the only reader: nothing reads the old stream any more
            }
            LOG.info(
                    "Read the stream {} of table {} to its end; now reading its successor {} ({} shards) from its"
                            + " trim horizon",
                    old,
                    config.getTableName(),
                    next,
                    d.shards().size());
            return;
        }
    }

    /** DescribeStream no longer knows the current stream (24 hours after it was turned off, or deleted). */
    private void currentStreamGone(Instant now, ResourceNotFoundException e) {
        String what =
                "The stream " + streamArn + " of table " + config.getTableName() + " is gone (" + e.getMessage() + ")";
        if (lineage.next() == null) {
            Duration delay = discoveryBackoff.next();
            nextDiscovery = now.plus(delay);
            LOG.warn("{}, and the table has no newer stream; checking again in {}", what, delay);
            health.failing("discovery", what);
            return;
        }
        if (!graph.allFinished()) {
            passOver(streamArn, e);
        }
        moveToNextStream(now);
        nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
    }

    /**
     * A shard the stream no longer lists, never read to its end: its records were trimmed away unread (data loss,
     * reported once). Its children wait, as after any loss, unless resumeFromTrimHorizon lets them go on; then the
     * shard's end is written, so no later start reports it again.
     */
    private void vanished(ShardGraph g, String arn, String shardId, Checkpoint checkpoint, Instant now) {
        String where = checkpoint == null ? "(none: not read at all)" : checkpoint.describe();
        metrics.dataLost();
        health.dataLost(shardId, "gone from the stream before it was read to its end, after checkpoint " + where);
        String what = "Shard " + shardId + " of " + arn + " is gone from the stream before it was read to its"
                + " end (checkpoint " + where + "): its records after that were trimmed unread (DATA LOSS)";
        if (config.isResumeFromTrimHorizon()) {
            LOG.error("{}; its children are read next, as resumeFromTrimHorizon allows", what);
            g.forget(shardId);
            saveUnleased(
                    arn, Checkpoint.end(shardId, checkpoint == null ? null : checkpoint.sequenceNumber(), now), now);
        } else {
            LOG.error("{}; its children wait (set resumeFromTrimHorizon=true to go on with them)", what);
            g.lostBeforeListed(shardId);
        }
    }

    private void startReaders(Instant now) {
        for (ShardGraph.Node n : graph.startable(now)) {
            if (stop.isStopped() || activeReaders.get() >= config.getMaxParallelShards()) {
                return;
            }
            ShardLease lease = leases == null ? null : leases.lease(n.id);
            if (leases != null && (lease == null || !leases.holds(n.id, lease.epoch()))) {
                continue; // another replica's, or nobody's yet
            }
            long epoch = lease != null ? lease.epoch() : keeper.epoch();
            graph.started(n.id);
            activeReaders.incrementAndGet();
            readers.execute(new ShardReader(
                    this, readerContext, streamArn, n.id, n.checkpoint, generation.get(), epoch, n.closed));
        }
    }

    private Description describe(String arn) {
        List<Shard> shards = new ArrayList<>();
        String viewType = null;
        String start = null;
        do {
            String from = start;
            StreamDescription d = streams.describeStream(b -> b.streamArn(arn).exclusiveStartShardId(from))
                    .streamDescription();
            viewType = d.streamViewTypeAsString();
            shards.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        return new Description(viewType, shards);
    }

    /**
     * At start, before any thread: refuses a stream whose view type carries no new image (unless accepted). A stream
     * that cannot be described now is checked again before it is read.
     *
     * @throws StreamRefusedException with the one line to show
     */
    void checkStream() {
        String arn;
        String viewType;
        try {
            arn = config.getStreamArn() != null
                    ? config.getStreamArn()
                    : config.getDynamoDbClient()
                            .describeTable(b -> b.tableName(config.getTableName()))
                            .table()
                            .latestStreamArn();
            if (arn == null) {
                return;
            }
            viewType = streams.describeStream(b -> b.streamArn(arn).limit(1))
                    .streamDescription()
                    .streamViewTypeAsString();
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not check the stream of table {} at start ({}); it is checked again before it is read",
                    config.getTableName(),
                    e.toString());
            return;
        }
        StreamRefusedException.check(config.getTableName(), arn, viewType, config.isAcceptMissingNewImage());
    }

    @Override
    public void readerDone(
            long readerGeneration, String shardId, long epoch, ShardReader.Outcome outcome, Checkpoint checkpoint) {
        activeReaders.decrementAndGet();
        done.add(new ReaderDone(readerGeneration, shardId, epoch, outcome, checkpoint));
        wake.release();
    }

    /**
     * True while a reader of this lease generation may process and checkpoint: the stream's lease is held ({@code
     * single}), or the shard's under the reader's epoch ({@code shared}).
     */
    @Override
    public boolean isActive(long readerGeneration, String shardId, long epoch) {
        if (leases != null) {
            return !stop.isStopped() && readerGeneration == generation.get() && leases.holds(shardId, epoch);
        }
        return !stop.isStopped() && readerGeneration == generation.get() && !leaseLost && keeper.held();
    }

    /** Processes one batch; null when the exchange completed, else why it failed. */
    @Override
    public Exception deliver(StreamBatch batch, int attempt) {
        return consumer.deliver(batch, attempt);
    }

    @Override
    public WireGetRecords.Page getRecords(String iterator) {
        return WireGetRecords.getRecords(streams, iterator, config.getMaxRecordsPerRequest());
    }

    @Override
    public GetShardIteratorResponse shardIterator(
            String arn, String shardId, ShardIteratorType type, String sequenceNumber) {
        return streams.getShardIterator(
                b -> b.streamArn(arn).shardId(shardId).shardIteratorType(type).sequenceNumber(sequenceNumber));
    }

    @Override
    public void saveCheckpoint(String arn, Checkpoint c, long epoch) {
        // The last look before the write: a lease this replica may no longer act under moves nothing (the conditions
        // of the write fence what this look cannot).
        if (leases != null ? !leases.holdsStream() : !keeper.held()) {
            throw new ddbstream.checkpoint.CheckpointConflictException("checkpoint of shard " + c.shardId() + " at "
                    + c.describe() + " not written: the stream's lease was not renewed here in time");
        }
        if (leases != null) {
            ShardLease held = leases.lease(c.shardId());
            store.save(
                    config.getCheckpointGroup(),
                    arn,
                    c,
                    held != null && held.epoch() == epoch
                            ? held
                            : new ShardLease(c.shardId(), leases.owner(), epoch, Instant.EPOCH, Instant.EPOCH, 0));
        } else {
            store.save(config.getCheckpointGroup(), arn, c, epoch);
        }
        saved.put(c.shardId(), c);
    }

    /** A checkpoint no reader holds: under the stream's lease ({@code single}), or fenced by its order only. */
    private void saveUnleased(String arn, Checkpoint c, Instant now) {
        if (leases != null) {
            try {
                store.saveUnleased(config.getCheckpointGroup(), arn, c, false, now);
                saved.put(c.shardId(), c);
            } catch (ddbstream.checkpoint.CheckpointConflictException e) {
                LOG.info("Shard {}: not marked as ended here: {}", c.shardId(), e.getMessage());
            }
        } else {
            saveCheckpoint(arn, c, keeper.epoch());
        }
    }

    /**
     * Where a group's first start at LATEST begins on a shard. With {@code mode=shared} several replicas may start at
     * once: the first to save wins, and the others keep what it saved (false).
     */
    private boolean saveFirst(String arn, Checkpoint c, Instant now) {
        if (leases == null) {
            saveCheckpoint(arn, c, keeper.epoch());
            return true;
        }
        try {
            store.saveUnleased(config.getCheckpointGroup(), arn, c, true, now);
            saved.put(c.shardId(), c);
            return true;
        } catch (ddbstream.checkpoint.CheckpointConflictException e) {
            return false; // another replica started first
        }
    }

    /**
     * Stops: readers finish the batch in hand (checkpointing it if it succeeds), then the lease is given up so a
     * standby takes over at once.
     */
    void stop(Duration grace) {
        stop.stop();
        if (leases != null) {
            leases.close(); // takes nothing more while the readers drain
        }
        wake.release();
        readers.shutdown();
        try {
            if (!readers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Shard readers of table {} did not stop within {}", config.getTableName(), grace);
                readers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leases != null) {
            // No renewal may follow a release: the lease thread stops first.
            leaseThread.shutdownNow();
            try {
                leaseThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            leases.releaseAll();
        } else if (!leaseLost) {
            keeper.release();
        }
        leaseThread.shutdownNow();
    }

    /** The shards as this consumer last saw them; empty while it does not own the stream. */
    List<String> shardStates() {
        return shardStates;
    }

    /** The shards whose leases this replica holds ({@code mode=shared}); empty in {@code single}. */
    java.util.Set<String> ownedShards() {
        return leases == null ? java.util.Set.of() : leases.shards();
    }
}
