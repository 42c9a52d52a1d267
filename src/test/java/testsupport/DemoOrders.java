package testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import item.PlainJson;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The demo orders as tests compare them: by key, as plain JSON, straight from a Scan of the table. */
public final class DemoOrders {
    private DemoOrders() {}

    /** {@code customerId|orderId} of an order, or of an envelope's keys. */
    public static String key(JsonNode item) {
        return item.path(DemoItems.PARTITION_KEY).asText() + "|"
                + item.path(DemoItems.SORT_KEY).asText();
    }

    /** The table as plain JSON items, by key. */
    public static Map<String, JsonNode> scan(DynamoDbClient ddb, String table) {
        Map<String, JsonNode> out = new HashMap<>();
        for (Map<String, AttributeValue> item :
                ddb.scanPaginator(b -> b.tableName(table)).items()) {
            try {
                JsonNode node = Lake.JSON.readTree(PlainJson.toJson(item));
                out.put(key(node), node);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * Waits until the clock has passed {@code time}: for windows measured by the clock (DynamoDB Streams' times to
     * the second, an export's shortest window, a late window), where no event says the time has come.
     */
    public static void awaitClockPast(Instant time) {
        Duration left = Duration.between(Instant.now(), time);
        if (left.isNegative()) {
            return;
        }
        Awaitility.await()
                .atMost(left.plusSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> Instant.now().isAfter(time));
    }
}
