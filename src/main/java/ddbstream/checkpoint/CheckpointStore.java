package ddbstream.checkpoint;

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
import lease.LeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Durable shard checkpoints and the stream lease, in one DynamoDB table ({@code pk}, {@code sk}):
 *
 * <ul>
 *   <li>a checkpoint per shard under {@code pk = <group>|<streamArn>}, {@code sk = <shardId>}; it never moves
 *       backwards and is never written under an older lease than the one that wrote it last; removed once the shard
 *       is read to its end and gone from the stream, or its stream finished;
 *   <li>with {@code mode=shared}, each shard's lease on its checkpoint item: {@code owner}, {@code
 *       shardEpoch} and {@code expiresAt} ({@link ShardLease}); the item exists from the first take on, before any
 *       checkpoint;
 *   <li>with {@code mode=shared}, each replica's heartbeat under {@code pk = <group>|workers|<table>}, {@code
 *       sk = <owner>}: the replicas sharing the stream, which the shards are spread over;
 *   <li>the lease under {@code pk = <group>|lease|<table>}, {@code sk = lease}: owner, epoch and expiry;
 *   <li>the table's streams the group has read, under {@code pk = <group>|streams|<table>}, {@code sk = <streamArn>}:
 *       whether each was read to its end, so a restart finishes an old stream before reading its successor.
 * </ul>
 *
 * Every write is conditional, so several replicas can share the table safely.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final LeaseStore leases;

    public CheckpointStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.leases = new LeaseStore(dynamoDb, table);
    }

    /** The leases ({@code <group>|lease|<scope>}) this table holds beside the checkpoints. */
    public LeaseStore leases() {
        return leases;
    }

    /** Creates the checkpoint table (on demand billing) unless it exists, and waits until it is active. */
    public void createTableIfMissing() {
        try {
            dynamoDb.describeTable(b -> b.tableName(table));
            return;
        } catch (ResourceNotFoundException e) {
            LOG.info("Creating checkpoint table {}", table);
        }
        try {
            dynamoDb.createTable(b -> b.tableName(table)
                    .billingMode("PAY_PER_REQUEST")
                    .keySchema(
                            k -> k.attributeName("pk").keyType(KeyType.HASH),
                            k -> k.attributeName("sk").keyType(KeyType.RANGE))
                    .attributeDefinitions(
                            a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                            a -> a.attributeName("sk").attributeType(ScalarAttributeType.S)));
        } catch (ResourceInUseException e) {
            // another replica created it at the same moment
        }
        dynamoDb.waiter().waitUntilTableExists(b -> b.tableName(table));
    }

    /** Every checkpoint of the group for the stream, by shard id. */
    public Map<String, Checkpoint> load(String group, String streamArn) {
        return loadShards(group, streamArn).checkpoints();
    }

    /** Every checkpoint and every shard lease of the group for the stream ({@code mode=shared}). */
    public record Shards(Map<String, Checkpoint> checkpoints, Map<String, ShardLease> leases) {}

    /** The stream's checkpoints and shard leases, read at once. */
    public Shards loadShards(String group, String streamArn) {
        Map<String, Checkpoint> checkpoints = new HashMap<>();
        Map<String, ShardLease> leases = new HashMap<>();
        String pk = group + "|" + streamArn;
        dynamoDb.queryPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk))))
                .items()
                .forEach(item -> {
                    if (item.containsKey("orderKey")) {
                        Checkpoint c = fromItem(item);
                        checkpoints.put(c.shardId(), c);
                    }
                    ShardLease l = leaseOf(item);
                    if (l != null) {
                        leases.put(l.shardId(), l);
                    }
                });
        return new Shards(checkpoints, leases);
    }

    private static ShardLease leaseOf(Map<String, AttributeValue> item) {
        AttributeValue owner = item.get("owner");
        AttributeValue epoch = item.get("shardEpoch");
        AttributeValue expires = item.get("expiresAt");
        if (owner == null || epoch == null || expires == null) {
            return null;
        }
        AttributeValue taken = item.get("takenAt");
        return new ShardLease(
                item.get("sk").s(),
                owner.s(),
                Long.parseLong(epoch.n()),
                Instant.ofEpochMilli(Long.parseLong(expires.n())),
                taken == null ? Instant.EPOCH : Instant.ofEpochMilli(Long.parseLong(taken.n())),
                item.containsKey("recordsPerSecond")
                        ? Double.parseDouble(item.get("recordsPerSecond").n())
                        : 0);
    }

    /** A shard lease taken, and the shard's checkpoint as the take found it (null: none yet). */
    public record Taken(ShardLease lease, Checkpoint checkpoint) {}

    /**
     * Takes a shard's lease: when {@code from} is null, only if it is free (never taken, expired or released) or
     * already ours; otherwise only if {@code from} still holds it (a steal, to balance). The take returns the shard's
     * checkpoint as it stands, so the new owner reads on exactly from where the last one saved.
     *
     * <p>The take also writes {@code streamEpoch}, the epoch of the stream lease the sharing replicas hold, as the
     * shard's {@code leaseEpoch}: a reader of {@code mode=single} whose lease on the stream ended before (its
     * epoch is lower) can no longer move the checkpoint; a take under an older stream epoch than the item holds (a
     * reader of mode single held the stream since) is refused.
     *
     * @return empty when someone else holds it (or took it meanwhile)
     */
    public Optional<Taken> takeShard(
            String group,
            String streamArn,
            String shardId,
            String owner,
            ShardLease from,
            long streamEpoch,
            Duration duration,
            Instant now) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":me", AttributeValue.fromS(owner));
        values.put(":expires", millis(now.plus(duration)));
        values.put(":one", AttributeValue.fromN("1"));
        values.put(":now", millis(now));
        values.put(":stream", AttributeValue.fromN(Long.toString(streamEpoch)));
        String condition;
        if (from == null) {
            condition = "(attribute_not_exists(#owner) OR expiresAt <= :now OR #owner = :me)";
        } else {
            condition = "#owner = :them AND shardEpoch = :theirs";
            values.put(":them", AttributeValue.fromS(from.owner()));
            values.put(":theirs", AttributeValue.fromN(Long.toString(from.epoch())));
        }
        try {
            var out = dynamoDb.updateItem(b -> b.tableName(table)
                    .key(shardKey(group, streamArn, shardId))
                    .updateExpression("SET #owner = :me, expiresAt = :expires, takenAt = :now, leaseEpoch = :stream"
                            + " ADD shardEpoch :one")
                    .conditionExpression(condition + " AND (attribute_not_exists(leaseEpoch) OR leaseEpoch <= :stream)")
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW));
            Map<String, AttributeValue> item = out.attributes();
            return Optional.of(new Taken(leaseOf(item), item.containsKey("orderKey") ? fromItem(item) : null));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Extends a shard lease we hold; false when it was taken or released meanwhile. */
    public boolean renewShard(String group, String streamArn, ShardLease lease, Duration duration, Instant now) {
        return renewShard(group, streamArn, lease, duration, now, -1);
    }

    /**
     * Extends a shard lease we hold and records the shard's recent throughput on it, by which the replicas balance
     * (a negative figure leaves the one there); false when it was taken or released meanwhile.
     */
    public boolean renewShard(
            String group, String streamArn, ShardLease lease, Duration duration, Instant now, double recordsPerSecond) {
        // A renewal racing a release must not extend the lease again.
        return shardLeaseUpdate(
                group,
                streamArn,
                lease,
                millis(now.plus(duration)),
                " AND expiresAt > :zero",
                recordsPerSecond < 0 ? -1 : Math.round(recordsPerSecond * 10) / 10.0);
    }

    /** Gives a shard lease up at once (its expiry becomes 0), so another replica takes the shard without waiting. */
    public boolean releaseShard(String group, String streamArn, ShardLease lease) {
        return shardLeaseUpdate(group, streamArn, lease, AttributeValue.fromN("0"), "", -1);
    }

    /** @param recordsPerSecond written when not negative */
    private boolean shardLeaseUpdate(
            String group,
            String streamArn,
            ShardLease lease,
            AttributeValue expiresAt,
            String more,
            double recordsPerSecond) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":expires", expiresAt,
                ":me", AttributeValue.fromS(lease.owner()),
                ":epoch", AttributeValue.fromN(Long.toString(lease.epoch()))));
        if (!more.isEmpty()) {
            values.put(":zero", AttributeValue.fromN("0"));
        }
        String update = "SET expiresAt = :expires";
        if (recordsPerSecond >= 0) {
            values.put(":rate", AttributeValue.fromN(Double.toString(recordsPerSecond)));
            update += ", recordsPerSecond = :rate";
        }
        String expression = update;
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(shardKey(group, streamArn, lease.shardId()))
                    .updateExpression(expression)
                    .conditionExpression("#owner = :me AND shardEpoch = :epoch" + more)
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Map<String, AttributeValue> shardKey(String group, String streamArn, String shardId) {
        return Map.of("pk", AttributeValue.fromS(group + "|" + streamArn), "sk", AttributeValue.fromS(shardId));
    }

    private static Checkpoint fromItem(Map<String, AttributeValue> item) {
        AttributeValue seq = item.get("sequenceNumber");
        boolean end = item.get("shardEnd").bool();
        Checkpoint.LatestStart latest = null;
        if (seq == null && !end) {
            AttributeValue since = item.get("latestSince");
            AttributeValue first = item.get("latestFirstSeen");
            latest = new Checkpoint.LatestStart(
                    since == null ? null : Instant.ofEpochMilli(Long.parseLong(since.n())),
                    first == null ? null : first.s());
        }
        return new Checkpoint(
                item.get("sk").s(),
                seq == null ? null : seq.s(),
                end,
                latest,
                Instant.ofEpochMilli(Long.parseLong(item.get("updatedAt").n())));
    }

    /**
     * Writes a checkpoint under the given lease epoch.
     *
     * @throws CheckpointConflictException when the stored checkpoint is further along or was written under a newer
     *     lease
     */
    public void save(String group, String streamArn, Checkpoint c, long epoch) {
        save(group, streamArn, c, epoch, null);
    }

    /**
     * Writes a checkpoint under a shard lease ({@code mode=shared}): only while the item holds the lease's owner
     * and epoch.
     *
     * @throws CheckpointConflictException when the stored checkpoint is further along or another replica took the
     *     shard
     */
    public void save(String group, String streamArn, Checkpoint c, ShardLease lease) {
        save(group, streamArn, c, 0, lease);
    }

    /**
     * Writes a checkpoint no reader holds, of a stream the replicas share ({@code mode=shared}): a shard gone
     * before it was read, or (with {@code firstOnly}) where the group's first start at LATEST begins. It is written
     * only while no replica holds a lease on the shard, and with {@code firstOnly} only where nothing was saved yet.
     *
     * @throws CheckpointConflictException when the stored checkpoint is further along, something was saved already
     *     ({@code firstOnly}), or a replica holds the shard
     */
    public void saveUnleased(String group, String streamArn, Checkpoint c, boolean firstOnly, Instant now) {
        save(group, streamArn, c, firstOnly ? -2 : -1, null, now);
    }

    private void save(String group, String streamArn, Checkpoint c, long epoch, ShardLease lease) {
        save(group, streamArn, c, epoch, lease, null);
    }

    private void save(String group, String streamArn, Checkpoint c, long epoch, ShardLease lease, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":order", AttributeValue.fromS(c.orderKey()));
        values.put(":end", AttributeValue.fromBool(c.shardEnd()));
        values.put(":at", AttributeValue.fromN(Long.toString(c.updatedAt().toEpochMilli())));
        String set = "SET orderKey = :order, shardEnd = :end, updatedAt = :at";
        String fence;
        Map<String, String> names = new HashMap<>();
        if (lease == null && epoch < 0) {
            values.put(":now", millis(now));
            names.put("#owner", "owner");
            fence = "(attribute_not_exists(#owner) OR expiresAt <= :now)"
                    + (epoch == -2 ? " AND attribute_not_exists(orderKey)" : "");
        } else if (lease == null) {
            values.put(":epoch", AttributeValue.fromN(Long.toString(epoch)));
            set += ", leaseEpoch = :epoch";
            fence = "(attribute_not_exists(leaseEpoch) OR leaseEpoch <= :epoch)";
        } else {
            values.put(":me", AttributeValue.fromS(lease.owner()));
            values.put(":shardEpoch", AttributeValue.fromN(Long.toString(lease.epoch())));
            names.put("#owner", "owner");
            fence = "#owner = :me AND shardEpoch = :shardEpoch";
        }
        if (c.sequenceNumber() != null) {
            values.put(":seq", AttributeValue.fromS(c.sequenceNumber()));
            set += ", sequenceNumber = :seq";
        }
        if (c.latest() != null && c.latest().since() != null) {
            values.put(
                    ":since",
                    AttributeValue.fromN(Long.toString(c.latest().since().toEpochMilli())));
            set += ", latestSince = :since";
        }
        if (c.latest() != null && c.latest().firstSeen() != null) {
            values.put(":first", AttributeValue.fromS(c.latest().firstSeen()));
            set += ", latestFirstSeen = :first";
        }
        String update = c.latest() == null ? set + " REMOVE latestSince, latestFirstSeen" : set;
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(shardKey(group, streamArn, c.shardId()))
                    .updateExpression(update)
                    .conditionExpression("(attribute_not_exists(orderKey) OR orderKey <= :order)"
                            + (fence == null ? "" : " AND " + fence))
                    .expressionAttributeNames(names.isEmpty() ? null : names)
                    .expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            throw new CheckpointConflictException("checkpoint of shard " + c.shardId() + " at " + c.describe()
                    + (lease == null && epoch < 0
                            ? " refused: the stored checkpoint is further along, or a replica holds the shard"
                            : lease == null
                                    ? " under lease epoch " + epoch
                                            + " refused: the stored checkpoint is further along or was written under a newer"
                                            + " lease"
                                    : " under the shard's lease epoch " + lease.epoch() + " of " + lease.owner()
                                            + " refused: the stored checkpoint is further along or another replica took the"
                                            + " shard"));
        }
    }

    /**
     * Removes the checkpoint of a shard read to its end that the stream no longer holds: nothing reads it again. A
     * checkpoint short of the end is kept (it is where a loss is reported from).
     *
     * @return false when the stored checkpoint is not the shard's end, or is gone already
     */
    public boolean deleteFinished(String group, String streamArn, String shardId) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(shardKey(group, streamArn, shardId))
                    .conditionExpression("shardEnd = :end")
                    .expressionAttributeValues(Map.of(":end", AttributeValue.fromBool(true))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Removes every checkpoint and shard lease of a stream the group has finished (recorded by {@link #streamFinished}),
     * but an item a replica still holds a lease on.
     */
    public int deleteStream(String group, String streamArn, Instant now) {
        Shards shards = loadShards(group, streamArn);
        Set<String> items = new TreeSet<>(shards.checkpoints().keySet());
        items.addAll(shards.leases().keySet());
        int deleted = 0;
        for (String shardId : items) {
            try {
                dynamoDb.deleteItem(b -> b.tableName(table)
                        .key(shardKey(group, streamArn, shardId))
                        .conditionExpression("attribute_not_exists(#owner) OR expiresAt <= :now")
                        .expressionAttributeNames(Map.of("#owner", "owner"))
                        .expressionAttributeValues(Map.of(":now", millis(now))));
                deleted++;
            } catch (ConditionalCheckFailedException e) {
                // a replica still holds it: removed by a later pass
            }
        }
        return deleted;
    }

    /** The table's streams this group has started reading, oldest first. */
    public List<StreamProgress> streams(String group, String tableName) {
        List<StreamProgress> out = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(streamsKey(group, tableName)))))
                .items()
                .forEach(item -> out.add(new StreamProgress(
                        item.get("sk").s(),
                        "FINISHED".equals(item.get("state").s()),
                        Instant.ofEpochMilli(
                                Long.parseLong(item.get("updatedAt").n())))));
        out.sort(Comparator.comparing(StreamProgress::label));
        return out;
    }

    /** Records that the group reads this stream now (kept as it is when already recorded). */
    public void streamReading(String group, String tableName, String streamArn, Instant now) {
        try {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(
                            "pk", AttributeValue.fromS(streamsKey(group, tableName)),
                            "sk", AttributeValue.fromS(streamArn),
                            "state", AttributeValue.fromS("READING"),
                            "updatedAt", millis(now)))
                    .conditionExpression("attribute_not_exists(sk)"));
        } catch (ConditionalCheckFailedException e) {
            // recorded before: reading it again after a restart, or finished already
        }
    }

    /** Records that every shard of the stream was read to its end, or that the stream is gone. */
    public void streamFinished(String group, String tableName, String streamArn, Instant now) {
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        "pk", AttributeValue.fromS(streamsKey(group, tableName)),
                        "sk", AttributeValue.fromS(streamArn),
                        "state", AttributeValue.fromS("FINISHED"),
                        "updatedAt", millis(now))));
    }

    /** A replica sharing the table's stream says it is there until {@code expiresAt} ({@code mode=shared}). */
    public void heartbeat(String group, String tableName, String owner, Instant expiresAt) {
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        "pk", AttributeValue.fromS(workersKey(group, tableName)),
                        "sk", AttributeValue.fromS(owner),
                        "expiresAt", millis(expiresAt))));
    }

    /** A replica leaves (it stops): the others share the stream without it at once. */
    public void leave(String group, String tableName, String owner) {
        dynamoDb.deleteItem(b -> b.tableName(table)
                .key(Map.of(
                        "pk", AttributeValue.fromS(workersKey(group, tableName)),
                        "sk", AttributeValue.fromS(owner))));
    }

    /**
     * The replicas sharing the table's stream now: those whose heartbeat has not expired. Heartbeats expired for longer
     * than {@code forgetAfter} (replicas killed long ago) are removed, so restarts do not grow the table.
     */
    public Set<String> workers(String group, String tableName, Instant now, Duration forgetAfter) {
        Set<String> live = new TreeSet<>();
        dynamoDb.queryPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(workersKey(group, tableName)))))
                .items()
                .forEach(item -> {
                    Instant expires = Instant.ofEpochMilli(
                            Long.parseLong(item.get("expiresAt").n()));
                    if (expires.isAfter(now)) {
                        live.add(item.get("sk").s());
                    } else if (expires.isBefore(now.minus(forgetAfter))) {
                        try {
                            dynamoDb.deleteItem(b -> b.tableName(table)
                                    .key(Map.of("pk", item.get("pk"), "sk", item.get("sk")))
                                    .conditionExpression("expiresAt = :seen")
                                    .expressionAttributeValues(Map.of(":seen", item.get("expiresAt"))));
                        } catch (ConditionalCheckFailedException e) {
                            // it came back meanwhile
                        }
                    }
                });
        return live;
    }

    private static String workersKey(String group, String tableName) {
        return group + "|workers|" + tableName;
    }

    private static String streamsKey(String group, String tableName) {
        return group + "|streams|" + tableName;
    }

    private static AttributeValue millis(Instant t) {
        return AttributeValue.fromN(Long.toString(t.toEpochMilli()));
    }

    public String table() {
        return table;
    }
}
