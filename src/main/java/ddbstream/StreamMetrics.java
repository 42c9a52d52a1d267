package ddbstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer's meters, tagged with the table:
 *
 * <ul>
 *   <li>{@code dynamolake.stream.records} (counter) and {@code dynamolake.stream.records.per.second} (gauge);
 *   <li>{@code dynamolake.stream.lag.seconds} (gauge per shard): the age of the newest record read;
 *   <li>{@code dynamolake.stream.checkpoint.age.seconds} (gauge per shard): time since the last checkpoint;
 *   <li>{@code dynamolake.stream.batch.failures} and {@code dynamolake.stream.data.loss} (counters);
 *   <li>{@code dynamolake.stream.shards.reading} and {@code dynamolake.stream.lease.owned} (gauges);
 *   <li>{@code dynamolake.stream.shards.owned} (gauge) and {@code dynamolake.stream.lease.takeovers} (counter): with
 *       {@code mode=shared}, the shard leases this replica holds, and the ones it took from another replica;
 *   <li>{@code dynamolake.stream.recreations} (counter tagged with {@code old_stream} and {@code new_stream}): the
 *       table got a new stream (LatestStreamArn changed).
 * </ul>
 */
final class StreamMetrics {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter records;
    private final Counter failures;
    private final Counter dataLoss;
    private final AtomicLong reading = new AtomicLong();
    private final AtomicLong leaseOwned = new AtomicLong();
    private final AtomicLong shardsOwned = new AtomicLong();
    private final Counter takeovers;
    private final AtomicLong perSecond = new AtomicLong();
    private final Map<String, Instant> newestRecord = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastCheckpoint = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.LongAdder> readByShard = new ConcurrentHashMap<>();
    private double countedAtLastTick;
    private Instant lastTick = Instant.now();

    StreamMetrics(MeterRegistry registry, String table) {
        this.registry = registry;
        this.tags = Tags.of("table", table);
        this.records = registry.counter("dynamolake.stream.records", tags);
        this.failures = registry.counter("dynamolake.stream.batch.failures", tags);
        this.dataLoss = registry.counter("dynamolake.stream.data.loss", tags);
        registry.gauge("dynamolake.stream.shards.reading", tags, reading);
        registry.gauge("dynamolake.stream.lease.owned", tags, leaseOwned);
        registry.gauge("dynamolake.stream.shards.owned", tags, shardsOwned);
        this.takeovers = registry.counter("dynamolake.stream.lease.takeovers", tags);
        registry.gauge("dynamolake.stream.records.per.second", tags, perSecond);
    }

    void batchDone(String shardId, int count, Instant newest, Instant now) {
        records.increment(count);
        readByShard
                .computeIfAbsent(shardId, id -> new java.util.concurrent.atomic.LongAdder())
                .add(count);
        if (newest != null) {
            newestRecord.put(shardId, newest);
        }
        if (lastCheckpoint.put(shardId, now) == null) {
            Tags shard = tags.and("shard", shardId);
            Gauge.builder("dynamolake.stream.lag.seconds", () -> age(newestRecord.get(shardId)))
                    .tags(shard)
                    .register(registry);
            Gauge.builder("dynamolake.stream.checkpoint.age.seconds", () -> age(lastCheckpoint.get(shardId)))
                    .tags(shard)
                    .register(registry);
        }
    }

    private static double age(Instant t) {
        return t == null ? 0 : Math.max(0, Duration.between(t, Instant.now()).toMillis() / 1000.0);
    }

    /** The records of the shard this replica has processed since it started (or since the shard finished). */
    long recordsRead(String shardId) {
        var n = readByShard.get(shardId);
        return n == null ? 0 : n.sum();
    }

    /** A shard read to its end: its per-shard gauges go away. */
    void shardFinished(String shardId) {
        newestRecord.remove(shardId);
        readByShard.remove(shardId);
        if (lastCheckpoint.remove(shardId) != null) {
            registry.find("dynamolake.stream.lag.seconds")
                    .tag("shard", shardId)
                    .meters()
                    .forEach(registry::remove);
            registry.find("dynamolake.stream.checkpoint.age.seconds")
                    .tag("shard", shardId)
                    .meters()
                    .forEach(registry::remove);
        }
    }

    /** The table has a new stream: counted under both ARNs. */
    void streamRecreated(String oldStream, String newStream) {
        registry.counter(
                        "dynamolake.stream.recreations",
                        tags.and("old_stream", oldStream).and("new_stream", newStream))
                .increment();
    }

    void batchFailed() {
        failures.increment();
    }

    void dataLost() {
        dataLoss.increment();
    }

    void reading(long shards) {
        reading.set(shards);
    }

    void leaseOwned(boolean owned) {
        leaseOwned.set(owned ? 1 : 0);
    }

    void shardsOwned(int shards) {
        shardsOwned.set(shards);
    }

    void takeover() {
        takeovers.increment();
    }

    /** Recomputes records per second over the time since the last tick. */
    synchronized void tick(Instant now) {
        double seconds = Duration.between(lastTick, now).toMillis() / 1000.0;
        if (seconds >= 1) {
            perSecond.set(Math.round((records.count() - countedAtLastTick) / seconds));
            countedAtLastTick = records.count();
            lastTick = now;
        }
    }

    double recordsTotal() {
        return records.count();
    }

    double dataLossTotal() {
        return dataLoss.count();
    }
}
