package ddbstream.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    public CheckpointStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
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
        Map<String, Checkpoint> out = new HashMap<>();
        String pk = group + "|" + streamArn;
        dynamoDb.queryPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk))))
                .items()
                .forEach(item -> {
                    Checkpoint c = fromItem(item);
                    out.put(c.shardId(), c);
                });
        return out;
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
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":order", AttributeValue.fromS(c.orderKey()));
        values.put(":end", AttributeValue.fromBool(c.shardEnd()));
        values.put(":at", AttributeValue.fromN(Long.toString(c.updatedAt().toEpochMilli())));
        values.put(":epoch", AttributeValue.fromN(Long.toString(epoch)));
        String set = "SET orderKey = :order, shardEnd = :end, updatedAt = :at, leaseEpoch = :epoch";
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
                    .key(Map.of(
                            "pk", AttributeValue.fromS(group + "|" + streamArn),
                            "sk", AttributeValue.fromS(c.shardId())))
                    .updateExpression(update)
                    .conditionExpression("(attribute_not_exists(orderKey) OR orderKey <= :order)"
                            + " AND (attribute_not_exists(leaseEpoch) OR leaseEpoch <= :epoch)")
                    .expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            throw new CheckpointConflictException("checkpoint of shard " + c.shardId() + " at " + c.describe()
                    + " under lease epoch " + epoch
                    + " refused: the stored checkpoint is further along or was written under a newer lease");
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
                    .key(Map.of(
                            "pk", AttributeValue.fromS(group + "|" + streamArn),
                            "sk", AttributeValue.fromS(shardId)))
                    .conditionExpression("shardEnd = :end")
                    .expressionAttributeValues(Map.of(":end", AttributeValue.fromBool(true))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Removes every checkpoint of a stream the group has finished (recorded by {@link #streamFinished}). */
    public int deleteStream(String group, String streamArn) {
        int deleted = 0;
        for (String shardId : load(group, streamArn).keySet()) {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(Map.of(
                            "pk", AttributeValue.fromS(group + "|" + streamArn),
                            "sk", AttributeValue.fromS(shardId))));
            deleted++;
        }
        return deleted;
    }

    /**
     * Takes the lease when it is free, expired or already ours.
     *
     * @return the lease with its new epoch, or empty when another owner holds it
     */
    public Optional<Lease> acquire(String group, String scope, String owner, Duration duration, Instant now) {
        try {
            var out = dynamoDb.updateItem(b -> b.tableName(table)
                    .key(leaseKey(group, scope))
                    .updateExpression("SET #owner = :me, expiresAt = :expires ADD epoch :one")
                    .conditionExpression("attribute_not_exists(#owner) OR expiresAt < :now OR #owner = :me")
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":me", AttributeValue.fromS(owner),
                            ":expires", millis(now.plus(duration)),
                            ":now", millis(now),
                            ":one", AttributeValue.fromN("1")))
                    .returnValues(ReturnValue.ALL_NEW));
            long epoch = Long.parseLong(out.attributes().get("epoch").n());
            return Optional.of(new Lease(group + "|lease|" + scope, owner, epoch, now.plus(duration)));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /** Extends a lease we hold; false when it was taken over meanwhile. */
    public boolean renew(String group, String scope, Lease lease, Duration duration, Instant now) {
        return conditionalLeaseUpdate(group, scope, lease, millis(now.plus(duration)));
    }

    /** Gives a lease up at once, so a standby takes over without waiting for it to expire. */
    public void release(String group, String scope, Lease lease) {
        conditionalLeaseUpdate(group, scope, lease, AttributeValue.fromN("0"));
    }

    /** Who holds the lease and until when, or empty when nobody ever did. */
    public Optional<Lease> currentLease(String group, String scope) {
        var item = dynamoDb.getItem(
                        b -> b.tableName(table).key(leaseKey(group, scope)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Lease(
                group + "|lease|" + scope,
                item.get("owner").s(),
                Long.parseLong(item.get("epoch").n()),
                Instant.ofEpochMilli(Long.parseLong(item.get("expiresAt").n()))));
    }

    private boolean conditionalLeaseUpdate(String group, String scope, Lease lease, AttributeValue expiresAt) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(leaseKey(group, scope))
                    .updateExpression("SET expiresAt = :expires")
                    .conditionExpression("#owner = :me AND epoch = :epoch")
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":expires", expiresAt,
                            ":me", AttributeValue.fromS(lease.owner()),
                            ":epoch", AttributeValue.fromN(Long.toString(lease.epoch())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
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

    private static String streamsKey(String group, String tableName) {
        return group + "|streams|" + tableName;
    }

    private static Map<String, AttributeValue> leaseKey(String group, String scope) {
        return Map.of("pk", AttributeValue.fromS(group + "|lease|" + scope), "sk", AttributeValue.fromS("lease"));
    }

    private static AttributeValue millis(Instant t) {
        return AttributeValue.fromN(Long.toString(t.toEpochMilli()));
    }

    public String table() {
        return table;
    }
}
