package dynamolake.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The demo table of the {@code local} profile: created with a stream (NEW_AND_OLD_IMAGES), point-in-time recovery
 * and time to live, seeded with varied orders, then changed continuously (inserts, updates, replacements, deletes,
 * and orders that time to live deletes). It talks to DynamoDB only through the AWS SDK, so it would run against AWS
 * just the same.
 */
public final class DemoTable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoTable.class);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final DemoItems items;
    private final Random random;
    private final int ttlSeconds;
    private final List<Long> live = new ArrayList<>();
    /** The large orders: updated like the others but never deleted or replaced, so the table always holds them. */
    private final java.util.Set<Long> large = new java.util.HashSet<>();

    private long next;
    private long changes;

    public DemoTable(DynamoDbClient dynamoDb, String table, long seed, int ttlSeconds) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.items = new DemoItems(seed);
        this.random = new Random(seed + 1);
        this.ttlSeconds = ttlSeconds;
    }

    /** Creates the table unless it exists, with its stream, point-in-time recovery and time to live. */
    public boolean create() {
        try {
            dynamoDb.describeTable(b -> b.tableName(table));
            return false;
        } catch (ResourceNotFoundException e) {
            // the usual case on a fresh start
        }
        dynamoDb.createTable(b -> b.tableName(table)
                .keySchema(
                        k -> k.attributeName(DemoItems.PARTITION_KEY).keyType(KeyType.HASH),
                        k -> k.attributeName(DemoItems.SORT_KEY).keyType(KeyType.RANGE))
                .attributeDefinitions(
                        a -> a.attributeName(DemoItems.PARTITION_KEY).attributeType(ScalarAttributeType.S),
                        a -> a.attributeName(DemoItems.SORT_KEY).attributeType(ScalarAttributeType.N))
                .billingMode("PAY_PER_REQUEST")
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        dynamoDb.waiter().waitUntilTableExists(b -> b.tableName(table));
        dynamoDb.updateContinuousBackups(
                b -> b.tableName(table).pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true)));
        dynamoDb.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(
                        t -> t.attributeName(DemoItems.TTL_ATTRIBUTE).enabled(true)));
        return true;
    }

    /** Writes {@code count} orders, {@code large} of them close to 400 KB, in batches of 25. */
    public void seed(int count, int large) {
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long n = next++;
            Map<String, AttributeValue> item = i < large ? items.largeOrder(n) : items.order(n);
            if (i < large) {
                this.large.add(n);
            }
            batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
            live.add(n);
            if (batch.size() == 25 || i == count - 1) {
                write(batch);
                batch = new ArrayList<>();
            }
        }
        LOG.info("Seeded demo table {} with {} orders ({} of them close to 400 KB)", table, count, large);
    }

    private void write(List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of(table, batch);
        while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> requested = pending;
            pending = dynamoDb.batchWriteItem(b -> b.requestItems(requested)).unprocessedItems();
        }
    }

    /** Makes {@code count} changes of every kind. */
    public synchronized void change(int count) {
        for (int i = 0; i < count; i++) {
            int dice = random.nextInt(100);
            if (dice < 40 && !live.isEmpty()) {
                update();
            } else if (dice < 55 && !live.isEmpty()) {
                delete();
            } else if (dice < 65 && !live.isEmpty()) {
                replace();
            } else if (dice < 75) {
                insertExpiring();
            } else {
                insert();
            }
            changes++;
        }
    }

    private void insert() {
        long n = next++;
        dynamoDb.putItem(b -> b.tableName(table).item(items.order(n)));
        live.add(n);
    }

    private void insertExpiring() {
        long n = next++;
        Map<String, AttributeValue> item = items.order(n);
        item.put(
                DemoItems.TTL_ATTRIBUTE,
                AttributeValue.fromN(
                        Long.toString(Instant.now().getEpochSecond() + 1 + random.nextInt(Math.max(1, ttlSeconds)))));
        dynamoDb.putItem(b -> b.tableName(table).item(item));
    }

    private void replace() {
        int index = random.nextInt(live.size());
        long n = live.get(index);
        if (large.contains(n)) {
            update(index);
            return;
        }
        dynamoDb.putItem(b -> b.tableName(table).item(items.order(n)));
    }

    private void update() {
        update(random.nextInt(live.size()));
    }

    private void update(int index) {
        long n = live.get(index);
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(DemoItems.key(n))
                    .updateExpression("SET #s = :s, #t = :t ADD #v :one")
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(
                            Map.of("#s", "status", "#t", "total", "#v", "version", "#pk", DemoItems.PARTITION_KEY))
                    .expressionAttributeValues(Map.of(
                            ":s", AttributeValue.fromS(random.nextBoolean() ? "SHIPPED" : "DELIVERED"),
                            ":t", AttributeValue.fromN(random.nextInt(100_000) + ".5"),
                            ":one", AttributeValue.fromN("1"))));
        } catch (ConditionalCheckFailedException e) {
            live.remove(index);
        }
    }

    private void delete() {
        int index = random.nextInt(live.size());
        if (large.contains(live.get(index))) {
            update(index);
            return;
        }
        long n = live.remove(index);
        dynamoDb.deleteItem(b -> b.tableName(table).key(DemoItems.key(n)));
    }

    /** Changes made so far. */
    public synchronized long changes() {
        return changes;
    }

    public String table() {
        return table;
    }
}
