package localaws.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import localaws.dynamodb.attributes.Values;
import localaws.streams.ChangeEvent;
import localaws.streams.Stream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One emulated table: its items in key order, and what every write feeds: the table's stream (when enabled) and
 * the point-in-time-recovery log (when enabled). Reads need no lock; every write runs under {@link #write} so that
 * condition checks, the change and its stream record happen as one step.
 */
public final class Table {
    final String name;
    final String arn;
    final String id;
    final Instant created;
    final KeySchema key;
    /** The CreateTable request, echoed in DescribeTable (key schema, attribute definitions, indexes, billing). */
    final ObjectNode definition;

    private final NavigableMap<ItemKey, Map<String, AttributeValue>> items = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final PitrLog pitrLog = new PitrLog();
    private volatile Stream stream;
    private volatile Instant pitrSince;
    private volatile String ttlAttribute;
    private volatile long sizeBytes;

    Table(String name, String arn, String id, Instant created, KeySchema key, ObjectNode definition) {
        this.name = name;
        this.arn = arn;
        this.id = id;
        this.created = created;
        this.key = key;
        this.definition = definition;
    }

    public String name() {
        return name;
    }

    public String arn() {
        return arn;
    }

    public String id() {
        return id;
    }

    public KeySchema key() {
        return key;
    }

    /** Runs a read-check-write under the table's lock. */
    public <T> T write(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    public Map<String, AttributeValue> get(ItemKey k) {
        return items.get(k);
    }

    /** Items in key order, live: reads see writes made while they iterate, as a DynamoDB scan does. */
    NavigableMap<ItemKey, Map<String, AttributeValue>> items() {
        return items;
    }

    public int itemCount() {
        return items.size();
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * Stores or deletes an item and records the change. Must run inside {@link #write}. A write that changes
     * nothing writes no stream record, as in DynamoDB.
     *
     * @param after the new item, or null to delete
     * @param byTtl true when time to live deletes the item
     */
    void store(ItemKey k, Map<String, AttributeValue> after, boolean byTtl, Instant now) {
        Map<String, AttributeValue> before = after == null ? items.remove(k) : items.put(k, after);
        if (before == null && after == null) {
            return;
        }
        int beforeSize = before == null ? 0 : Values.itemSize(before);
        int afterSize = after == null ? 0 : Values.itemSize(after);
        sizeBytes += afterSize - beforeSize;
        if (before != null && before.equals(after)) {
            return;
        }
        if (pitrSince != null) {
            pitrLog.append(k, before, after, now);
        }
        Stream s = stream;
        if (s != null && s.isEnabled()) {
            Map<String, AttributeValue> keys = key.keyAttributes(k);
            String event = before == null ? "INSERT" : after == null ? "REMOVE" : "MODIFY";
            s.append(
                    new ChangeEvent(
                            event,
                            keys,
                            before,
                            after,
                            partitionHash(k.hash()),
                            Values.itemSize(keys),
                            beforeSize,
                            afterSize,
                            byTtl),
                    now);
        }
    }

    static long partitionHash(AttributeValue hash) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(KeySchema.partitionBytes(hash));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return h & Long.MAX_VALUE;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Stream stream() {
        return stream;
    }

    void stream(Stream s) {
        this.stream = s;
    }

    /** When point-in-time recovery was turned on, or null when it is off. */
    public Instant pitrSince() {
        return pitrSince;
    }

    void pitr(boolean enabled, Instant now) {
        write(() -> {
            if (enabled && pitrSince == null) {
                // To the millisecond, as DescribeContinuousBackups reports it: an export of the reported earliest
                // moment must fall within the window.
                pitrSince = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            } else if (!enabled) {
                pitrSince = null;
                pitrLog.clear();
            }
            return null;
        });
    }

    void prunePitr(Instant cutoff) {
        write(() -> {
            pitrLog.prune(cutoff);
            return null;
        });
    }

    public String ttlAttribute() {
        return ttlAttribute;
    }

    void ttlAttribute(String attribute) {
        this.ttlAttribute = attribute;
    }

    /** A copy of the table as it was at the given time (within the point-in-time-recovery window). */
    public NavigableMap<ItemKey, Map<String, AttributeValue>> snapshotAt(Instant at) {
        NavigableMap<ItemKey, Map<String, AttributeValue>> copy;
        List<PitrLog.Change> later;
        lock.lock();
        try {
            copy = new TreeMap<>(items);
            later = pitrLog.between(PitrLog.toMicros(at), Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
        PitrLog.rollBack(copy, later);
        return copy;
    }

    /** The writes made after {@code from} up to and including {@code to}, oldest first. */
    public List<PitrLog.Change> changesBetween(Instant from, Instant to) {
        return write(() -> pitrLog.between(PitrLog.toMicros(from), PitrLog.toMicros(to)));
    }

    JsonNode keySchemaJson() {
        return definition.get("KeySchema");
    }
}
