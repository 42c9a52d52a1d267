package localaws.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import localaws.http.AwsJsonService;
import localaws.http.AwsServiceException;
import localaws.streams.StreamStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB over AWS JSON 1.0: tables, items, scans and queries, time to live and point-in-time recovery; other
 * parts of the emulator (exports) add their operations with {@link #register}.
 */
public final class DynamoDbService implements AwsJsonService.DynamoDbDialect {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbService.class);

    private final Tables tables;
    private final Clock clock;
    private final Duration pitrWindow;
    private final Map<String, Function<JsonNode, Object>> operations = new ConcurrentHashMap<>();

    public DynamoDbService(
            Tables tables, StreamStore streams, Clock clock, String region, String account, Duration pitrWindow) {
        this.tables = tables;
        this.clock = clock;
        this.pitrWindow = pitrWindow;
        TableOperations t = new TableOperations(tables, streams, clock, region, account, pitrWindow);
        ItemOperations items = new ItemOperations(tables, clock);
        ReadOperations reads = new ReadOperations(tables);
        register("CreateTable", t::createTable);
        register("DescribeTable", t::describeTable);
        register("ListTables", t::listTables);
        register("DeleteTable", t::deleteTable);
        register("UpdateTable", t::updateTable);
        register("UpdateTimeToLive", t::updateTimeToLive);
        register("DescribeTimeToLive", t::describeTimeToLive);
        register("UpdateContinuousBackups", t::updateContinuousBackups);
        register("DescribeContinuousBackups", t::describeContinuousBackups);
        register("PutItem", items::putItem);
        register("GetItem", items::getItem);
        register("UpdateItem", items::updateItem);
        register("DeleteItem", items::deleteItem);
        register("BatchWriteItem", items::batchWriteItem);
        register("BatchGetItem", items::batchGetItem);
        register("Scan", reads::scan);
        register("Query", reads::query);
        register("DescribeEndpoints", r -> Map.of("Endpoints", java.util.List.of()));
    }

    /** Adds an operation, for parts of DynamoDB that live elsewhere in the emulator. */
    public void register(String operation, Function<JsonNode, Object> handler) {
        operations.put(operation, handler);
    }

    @Override
    public String targetPrefix() {
        return "DynamoDB_20120810";
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        Function<JsonNode, Object> handler = operations.get(operation);
        if (handler == null) {
            throw new AwsServiceException(
                    "UnknownOperationException",
                    400,
                    "The local emulator does not implement" + " DynamoDB operation " + operation);
        }
        return handler.apply(request);
    }

    public Tables tables() {
        return tables;
    }

    /**
     * Deletes items whose time-to-live attribute (epoch seconds) has passed; each deletion is a stream record with
     * the userIdentity of the DynamoDB service, as AWS writes it.
     */
    public int sweepExpired() {
        Instant now = clock.instant();
        BigDecimal nowSeconds = BigDecimal.valueOf(now.getEpochSecond());
        int deleted = 0;
        for (Table table : tables.all()) {
            String attribute = table.ttlAttribute();
            if (attribute != null) {
                deleted += sweep(table, attribute, nowSeconds, now);
            }
            if (table.pitrSince() != null) {
                table.prunePitr(now.minus(pitrWindow));
            }
        }
        return deleted;
    }

    private int sweep(Table table, String attribute, BigDecimal nowSeconds, Instant now) {
        int deleted = 0;
        for (Map.Entry<ItemKey, Map<String, AttributeValue>> e : table.items().entrySet()) {
            if (isExpired(e.getValue(), attribute, nowSeconds)) {
                boolean done = table.write(() -> {
                    Map<String, AttributeValue> current = table.get(e.getKey());
                    if (current == null || !isExpired(current, attribute, nowSeconds)) {
                        return false;
                    }
                    table.store(e.getKey(), null, true, now);
                    return true;
                });
                deleted += done ? 1 : 0;
            }
        }
        if (deleted > 0) {
            LOG.debug("Time to live deleted {} items of {}", deleted, table.name);
        }
        return deleted;
    }

    private static boolean isExpired(Map<String, AttributeValue> item, String attribute, BigDecimal now) {
        AttributeValue v = item.get(attribute);
        return v != null && v.n() != null && new BigDecimal(v.n()).compareTo(now) < 0;
    }
}
