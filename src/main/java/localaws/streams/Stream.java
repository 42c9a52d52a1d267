package localaws.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import localaws.dynamodb.attributes.DynamoJson;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One emulated DynamoDB stream: the shard tree of a table's changes. Each change goes to the open shard that owns
 * its partition key's hash, so the changes of one item stay in order along one shard lineage; shards roll over and
 * split into children, and records are trimmed after the retention period. Thread-safe.
 */
public final class Stream {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    final String arn;
    final String label;
    final String tableName;
    final JsonNode keySchema;
    final String viewType;
    final Instant created;
    final String region;
    private final Supplier<BigInteger> sequence;
    private final StreamSettings settings;
    private final List<Shard> shards = new ArrayList<>();
    private boolean enabled = true;
    private long records;
    private int corruptNext;
    private int unnumberedNext;

    Stream(
            String arn,
            String label,
            String tableName,
            JsonNode keySchema,
            String viewType,
            Instant created,
            String region,
            Supplier<BigInteger> sequence,
            StreamSettings settings) {
        this.arn = arn;
        this.label = label;
        this.tableName = tableName;
        this.keySchema = keySchema;
        this.viewType = viewType;
        this.created = created;
        this.region = region;
        this.sequence = sequence;
        this.settings = settings;
        shards.add(newShard(null, 0, Long.MAX_VALUE, created));
    }

    public String arn() {
        return arn;
    }

    public String viewType() {
        return viewType;
    }

    public synchronized boolean isEnabled() {
        return enabled;
    }

    /** Appends a change as a stream record to the shard that owns the item's partition key. */
    public synchronized void append(ChangeEvent change, Instant now) {
        if (!enabled) {
            return;
        }
        Shard shard = openShardFor(change.partitionHash());
        BigInteger seq = sequence.get();
        shard.add(new Shard.Entry(seq, now, render(change, seq, now)));
        records++;
        if (settings.rolloverRecords() > 0 && shard.size() >= settings.rolloverRecords()) {
            rollover(shard, settings.splitOnRollover(), now);
        }
    }

    private Shard openShardFor(long hash) {
        for (Shard s : shards) {
            if (s.isOpen() && s.covers(hash)) {
                return s;
            }
        }
        throw new IllegalStateException("no open shard covers hash " + hash + " in " + arn);
    }

    private byte[] render(ChangeEvent c, BigInteger seq, Instant now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("eventID", HexFormat.of().formatHex(randomBytes(16)));
            g.writeStringField("eventName", c.eventName());
            g.writeStringField("eventVersion", "1.1");
            g.writeStringField("eventSource", "aws:dynamodb");
            g.writeStringField("awsRegion", region);
            g.writeObjectFieldStart("dynamodb");
            // DynamoDB Streams rounds ApproximateCreationDateTime down to the second.
            g.writeNumberField("ApproximateCreationDateTime", now.getEpochSecond());
            g.writeFieldName("Keys");
            DynamoJson.writeItem(g, c.keys());
            int size = c.keysSize();
            if (c.newImage() != null && viewType.contains("NEW")) {
                g.writeObjectFieldStart("NewImage");
                for (Map.Entry<String, AttributeValue> e : c.newImage().entrySet()) {
                    g.writeFieldName(e.getKey());
                    DynamoJson.writeValue(g, e.getValue());
                }
                if (corruptNext > 0) {
                    // A type DynamoDB does not have: the SDK reads a value without type, which no reader converts.
                    corruptNext--;
                    g.writeObjectFieldStart("corrupted");
                    g.writeStringField("X", "a type no SDK knows");
                    g.writeEndObject();
                }
                g.writeEndObject();
                size += c.newSize();
            }
            if (c.oldImage() != null && viewType.contains("OLD")) {
                g.writeFieldName("OldImage");
                DynamoJson.writeItem(g, c.oldImage());
                size += c.oldSize();
            }
            if (unnumberedNext > 0) {
                unnumberedNext--; // sent without its sequence number (the reader still reads on by the iterator)
            } else {
                g.writeStringField("SequenceNumber", seq.toString());
            }
            g.writeNumberField("SizeBytes", size);
            g.writeStringField("StreamViewType", viewType);
            g.writeEndObject();
            if (c.ttlDelete()) {
                g.writeObjectFieldStart("userIdentity");
                g.writeStringField("PrincipalId", "dynamodb.amazonaws.com");
                g.writeStringField("Type", "Service");
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Fault: the next {@code count} records carry an attribute value of a type that does not exist. */
    public synchronized void corruptNext(int count) {
        corruptNext = count;
    }

    /** Fault: the next {@code count} records are sent without {@code SequenceNumber}. */
    public synchronized void unnumberNext(int count) {
        unnumberedNext = count;
    }

    /** Closes every open shard, each getting one child (or two when {@code split}). */
    public synchronized void rolloverAll(boolean split, Instant now) {
        for (Shard s : List.copyOf(shards)) {
            if (s.isOpen()) {
                rollover(s, split, now);
            }
        }
    }

    /** Rolls over shards that have been open longer than the configured age. */
    synchronized void rolloverAged(Instant now) {
        if (!enabled || settings.rolloverAge().isZero()) {
            return;
        }
        for (Shard s : List.copyOf(shards)) {
            if (s.isOpen() && !s.openedAt.plus(settings.rolloverAge()).isAfter(now)) {
                rollover(s, settings.splitOnRollover(), now);
            }
        }
    }

    private void rollover(Shard shard, boolean split, Instant now) {
        close(shard, now);
        if (!enabled) {
            return;
        }
        long open = shards.stream().filter(Shard::isOpen).count();
        if (split && open + 2 <= settings.maxOpenShards() && shard.hashHigh > shard.hashLow) {
            long mid = shard.hashLow + (shard.hashHigh - shard.hashLow) / 2;
            shards.add(newShard(shard.id, shard.hashLow, mid, now));
            shards.add(newShard(shard.id, mid + 1, shard.hashHigh, now));
        } else {
            shards.add(newShard(shard.id, shard.hashLow, shard.hashHigh, now));
        }
    }

    private void close(Shard shard, Instant now) {
        BigInteger last = shard.lastSequenceNumber();
        shard.endingSequenceNumber = last != null ? last : shard.startingSequenceNumber;
        shard.closedAt = now;
    }

    private Shard newShard(String parent, long low, long high, Instant now) {
        String id = String.format(
                "shardId-%020d-%s", now.toEpochMilli(), HexFormat.of().formatHex(randomBytes(4)));
        return new Shard(id, parent, low, high, sequence.get(), now);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Stops the stream: open shards close, no more records are written; what is there stays readable. */
    public synchronized void disable(Instant now) {
        for (Shard s : shards) {
            if (s.isOpen()) {
                close(s, now);
            }
        }
        enabled = false;
    }

    /**
     * Trims records created before the cutoff, and forgets closed shards that have nothing left and closed before
     * {@code forgetClosedBefore}.
     */
    synchronized int trim(Instant cutoff, Instant forgetClosedBefore) {
        int dropped = 0;
        for (Shard s : shards) {
            dropped += s.trimBefore(cutoff);
        }
        shards.removeIf(s -> !s.isOpen() && s.size() == 0 && s.closedAt.isBefore(forgetClosedBefore));
        return dropped;
    }

    synchronized List<Shard> shards() {
        return List.copyOf(shards);
    }

    synchronized Shard shard(String shardId) {
        for (Shard s : shards) {
            if (s.id.equals(shardId)) {
                return s;
            }
        }
        return null;
    }

    /** Runs an action on a shard while holding the stream's lock. */
    synchronized <T> T withShard(Shard shard, java.util.function.Function<Shard, T> action) {
        return action.apply(shard);
    }

    public synchronized long recordCount() {
        return records;
    }

    /** A short summary for the admin API and logs. */
    public synchronized Map<String, Object> summary() {
        long open = shards.stream().filter(Shard::isOpen).count();
        return Map.of(
                "streamArn", arn, "shards", shards.size(), "openShards", open, "records", records, "enabled", enabled);
    }
}
