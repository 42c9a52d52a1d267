package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Runs one {@code ddbstream} consumer: holds the stream's lease (or waits as a standby), discovers shards, and
 * starts a {@link ShardReader} for every shard whose parent is finished, up to the parallel limit. Shard state is
 * touched only by this class's thread; readers report back through a queue.
 *
 * <p>Contract with readers: a reader may process and checkpoint only while {@link #isActive(long)} holds for the
 * lease generation it started under. A lost lease ends the generation; the readers stop after their current batch,
 * and only then does the coordinator compete for the lease again.
 */
final class StreamCoordinator implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCoordinator.class);

    private record ReaderDone(long generation, String shardId, ShardReader.Outcome outcome, Checkpoint checkpoint) {}

    private final DdbStreamConsumer consumer;
    private final DdbStreamConfiguration config;
    private final DynamoDbStreamsClient streams;
    private final DynamoDbClient dynamoDb;
    private final CheckpointStore store;
    private final StreamMetrics metrics;
    private final StreamHealthCheck health;
    private final String owner;
    private final StopSignal stop = new StopSignal();
    private final Semaphore wake = new Semaphore(0);
    private final Queue<ReaderDone> done = new ConcurrentLinkedQueue<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicInteger activeReaders = new AtomicInteger();
    private final ExecutorService readers;
    private volatile Lease lease;
    private volatile boolean leaseLost;
    private ShardGraph graph;
    private String streamArn;
    private Set<String> startAtLatest = Set.of();
    private Instant nextRenewal = Instant.EPOCH;
    private Instant nextDiscovery = Instant.EPOCH;
    private volatile List<String> shardStates = List.of();
    /** The newest checkpoint each reader saved, for the shard states operators see (readers write, JMX reads). */
    private final Map<String, Checkpoint> saved = new java.util.concurrent.ConcurrentHashMap<>();

    StreamCoordinator(
            DdbStreamConsumer consumer,
            DdbStreamConfiguration config,
            StreamMetrics metrics,
            StreamHealthCheck health,
            String owner) {
        this.consumer = consumer;
        this.config = config;
        this.streams = config.getDynamoDbStreamsClient();
        this.dynamoDb = config.getDynamoDbClient();
        this.store = new CheckpointStore(config.getCheckpointDynamoDbClient(), config.getCheckpointTable());
        this.metrics = metrics;
        this.health = health;
        this.owner = owner;
        AtomicInteger n = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(config.getMaxParallelShards(), r -> {
            Thread t = new Thread(r, "ddbstream-" + config.getTableName() + "-shard-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff(config.getRetryDelay(), config.getMaxRetryDelay());
        while (!stop.isStopped()) {
            Duration pause;
            try {
                step();
                health.recovered("coordinator");
                backoff.reset();
                pause = Duration.ofMillis(Math.min(1000, config.getLeaseRenewInterval()));
            } catch (RuntimeException e) {
                LOG.warn("Stream of table {}: {}; retrying", config.getTableName(), e.toString());
                health.failing("coordinator", e.getMessage());
                pause = backoff.next();
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

    private void step() {
        Instant now = Instant.now();
        if (config.isCreateCheckpointTable() && graph == null && lease == null) {
            store.createTableIfMissing();
        }
        if (leaseLost) {
            dropLease();
        }
        if (lease == null && activeReaders.get() == 0 && !takeLease(now)) {
            return;
        }
        if (lease == null) {
            return;
        }
        if (!now.isBefore(nextRenewal)) {
            renew(now);
            if (lease == null) {
                return;
            }
        }
        drainDone();
        if (!now.isBefore(nextDiscovery)) {
            graph.update(describe(streamArn), Map.of());
            nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
        }
        startReaders();
        metrics.reading(activeReaders.get());
    }

    private boolean takeLease(Instant now) {
        Optional<Lease> acquired = store.acquire(
                config.getCheckpointGroup(),
                config.getTableName(),
                owner,
                Duration.ofMillis(config.getLeaseDuration()),
                now);
        if (acquired.isEmpty()) {
            health.role("standby");
            metrics.leaseOwned(false);
            return false;
        }
        lease = acquired.get();
        leaseLost = false;
        generation.incrementAndGet();
        nextRenewal = now.plusMillis(config.getLeaseRenewInterval());
        streamArn = resolveStream();
        Map<String, Checkpoint> checkpoints = store.load(config.getCheckpointGroup(), streamArn);
        graph = new ShardGraph();
        List<Shard> shards = describe(streamArn);
        graph.update(shards, checkpoints);
        nextDiscovery = now.plusMillis(config.getShardDiscoveryInterval());
        startAtLatest = Set.of();
        if (checkpoints.isEmpty() && config.getStartPosition() == StartPosition.LATEST) {
            startFromLatest(shards);
        }
        health.role("owner");
        metrics.leaseOwned(true);
        LOG.info(
                "Consuming the stream of table {} as {} (lease epoch {}): {} shards, {} with checkpoints",
                config.getTableName(),
                owner,
                lease.epoch(),
                shards.size(),
                checkpoints.size());
        return true;
    }

    /** A first start at LATEST: closed shards are history (marked read), open ones start at their end. */
    private void startFromLatest(List<Shard> shards) {
        Set<String> open = new HashSet<>();
        for (Shard s : shards) {
            if (s.sequenceNumberRange().endingSequenceNumber() == null) {
                open.add(s.shardId());
            } else {
                saveCheckpoint(streamArn, Checkpoint.end(s.shardId(), null, Instant.now()), lease.epoch());
            }
        }
        graph.skipClosed();
        startAtLatest = open;
    }

    private String resolveStream() {
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

    private void renew(Instant now) {
        if (store.renew(
                config.getCheckpointGroup(),
                config.getTableName(),
                lease,
                Duration.ofMillis(config.getLeaseDuration()),
                now)) {
            nextRenewal = now.plusMillis(config.getLeaseRenewInterval());
        } else {
            LOG.warn(
                    "Lost the lease on the stream of table {} (epoch {}); stopping the shard readers",
                    config.getTableName(),
                    lease.epoch());
            leaseLost();
            dropLease();
        }
    }

    /** Called by a reader whose checkpoint was refused, or by renewal: this consumer no longer owns the stream. */
    void leaseLost() {
        leaseLost = true;
        generation.incrementAndGet();
        wake.release();
    }

    private void dropLease() {
        lease = null;
        graph = null;
        done.clear();
        health.role("standby");
        metrics.leaseOwned(false);
    }

    private void drainDone() {
        for (ReaderDone d; (d = done.poll()) != null; ) {
            if (d.generation() != generation.get()) {
                continue;
            }
            if (d.outcome() == ShardReader.Outcome.FINISHED) {
                graph.finished(d.shardId(), d.checkpoint());
                metrics.shardFinished(d.shardId());
                nextDiscovery = Instant.EPOCH;
            } else if (d.outcome() == ShardReader.Outcome.DATA_LOSS) {
                graph.stuck(d.shardId());
            } else {
                graph.released(d.shardId(), d.checkpoint());
            }
        }
    }

    private void startReaders() {
        for (ShardGraph.Node n : graph.startable()) {
            if (stop.isStopped() || activeReaders.get() >= config.getMaxParallelShards()) {
                return;
            }
            ShardIteratorType type =
                    startAtLatest.contains(n.id) ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON;
            graph.started(n.id);
            activeReaders.incrementAndGet();
            readers.execute(
                    new ShardReader(this, streamArn, n.id, n.checkpoint, type, generation.get(), lease.epoch()));
        }
    }

    private List<Shard> describe(String arn) {
        List<Shard> shards = new ArrayList<>();
        String start = null;
        do {
            String from = start;
            StreamDescription d = streams.describeStream(b -> b.streamArn(arn).exclusiveStartShardId(from))
                    .streamDescription();
            shards.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        return shards;
    }

    void readerDone(long readerGeneration, String shardId, ShardReader.Outcome outcome, Checkpoint checkpoint) {
        activeReaders.decrementAndGet();
        done.add(new ReaderDone(readerGeneration, shardId, outcome, checkpoint));
        wake.release();
    }

    /** True while a reader of this lease generation may process and checkpoint. */
    boolean isActive(long readerGeneration) {
        return !stop.isStopped() && readerGeneration == generation.get() && lease != null && !leaseLost;
    }

    boolean deliver(StreamBatch batch, int attempt) {
        return consumer.deliver(batch, attempt);
    }

    GetRecordsResponse getRecords(String iterator) {
        return streams.getRecords(b -> b.shardIterator(iterator).limit(config.getMaxRecordsPerRequest()));
    }

    String shardIterator(String arn, String shardId, ShardIteratorType type, String sequenceNumber) {
        return streams.getShardIterator(b -> b.streamArn(arn)
                        .shardId(shardId)
                        .shardIteratorType(type)
                        .sequenceNumber(sequenceNumber))
                .shardIterator();
    }

    void saveCheckpoint(String arn, Checkpoint c, long epoch) {
        store.save(config.getCheckpointGroup(), arn, c, epoch);
        saved.put(c.shardId(), c);
    }

    /**
     * Stops: readers finish the batch in hand (checkpointing it if it succeeds), then the lease is given up so a
     * standby takes over at once.
     */
    void stop(Duration grace) {
        stop.stop();
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
        Lease held = lease;
        if (held != null && !leaseLost) {
            try {
                store.release(config.getCheckpointGroup(), config.getTableName(), held);
                LOG.info("Released the lease on the stream of table {}", config.getTableName());
            } catch (RuntimeException e) {
                LOG.warn(
                        "Could not release the lease on the stream of table {}: {}",
                        config.getTableName(),
                        e.toString());
            }
        }
    }

    DdbStreamConfiguration configuration() {
        return config;
    }

    String table() {
        return config.getTableName();
    }

    StopSignal stopSignal() {
        return stop;
    }

    Duration idleDelay() {
        return Duration.ofMillis(config.getIdleDelay());
    }

    StreamMetrics metrics() {
        return metrics;
    }

    /** The shards as this consumer last saw them; empty while it does not own the stream. */
    List<String> shardStates() {
        return shardStates;
    }

    StreamHealthCheck health() {
        return health;
    }
}
