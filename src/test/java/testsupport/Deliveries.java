package testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Deliveries as Firehose and operators make them besides the stream route's own: a change's exact line delivered
 * again, an object moved to the hour folder a late delivery lands in; and the demo orders' changes they start from.
 */
public final class Deliveries {
    private final LocalStackExtension aws;
    private final String table;
    private final Lake lake;

    public Deliveries(LocalStackExtension aws, String table) {
        this.aws = aws;
        this.table = table;
        this.lake = Apps.lake(aws, table);
    }

    /** The key of the first demo order from the n-th on that the table holds. */
    public Map<String, AttributeValue> existing(long n) {
        for (long i = n; i < n + 1_000; i++) {
            Map<String, AttributeValue> key = DemoItems.key(i);
            if (aws.dynamoDb()
                    .getItem(b -> b.tableName(table).key(key).consistentRead(true))
                    .hasItem()) {
                return key;
            }
        }
        throw new AssertionError("no order from " + n + " on in " + table);
    }

    /** Sets one attribute of an item of the table, keeping the rest. */
    public void set(Map<String, AttributeValue> key, String attribute, String value) {
        Map<String, AttributeValue> item = new HashMap<>(aws.dynamoDb()
                .getItem(b -> b.tableName(table).key(key).consistentRead(true))
                .item());
        assertThat(item).as("item %s", key).isNotEmpty();
        item.put(attribute, AttributeValue.fromS(value));
        aws.dynamoDb().putItem(b -> b.tableName(table).item(item));
    }

    public static JsonNode plain(Map<String, AttributeValue> key) {
        return Lake.JSON.valueToTree(Map.of(
                DemoItems.PARTITION_KEY, key.get(DemoItems.PARTITION_KEY).s(),
                DemoItems.SORT_KEY, Long.parseLong(key.get(DemoItems.SORT_KEY).n())));
    }

    private static boolean matches(JsonNode envelope, Map<String, AttributeValue> key, String action) {
        return envelope.path("action").asText().equals(action)
                && DemoOrders.key(envelope.path("keys")).equals(DemoOrders.key(plain(key)));
    }

    /** The exact lines of the key's changes with that action, oldest first, as Firehose wrote them. */
    public List<String> changesOf(Map<String, AttributeValue> key, String action) throws Exception {
        List<String> out = new ArrayList<>();
        for (String object : lake.keys("deltas/")) {
            byte[] bytes = lake.bytes(object);
            if (object.endsWith(".gz")) {
                bytes = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes)).readAllBytes();
            }
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && matches(Lake.JSON.readTree(line), key, action)) {
                    out.add(line);
                }
            }
        }
        out.sort(java.util.Comparator.comparing((String l) ->
                new java.math.BigInteger(readTree(l).path("sequenceNumber").asText())));
        return out;
    }

    private static JsonNode readTree(String line) {
        try {
            return Lake.JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The delta objects holding the key's change with that action and status. */
    public List<String> objectsWith(Map<String, AttributeValue> key, String action, String status) {
        List<String> out = new ArrayList<>();
        for (String object : lake.keys("deltas/")) {
            for (JsonNode e : lake.lines(object)) {
                if (matches(e, key, action)
                        && e.path("object").path("status").asText().equals(status)) {
                    out.add(object);
                    break;
                }
            }
        }
        assertThat(out).as("objects holding %s %s", action, status).isNotEmpty();
        return out;
    }

    /** Puts the lines as a new object in a folder of the table's lake, named as Firehose names its objects. */
    public void redeliver(List<String> lines, String folder) {
        String name = table + "-deltas-1-" + Instant.now().toString().replace(':', '-') + "-redelivered";
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key("tables/" + table + "/" + folder + "/" + name),
                        RequestBody.fromString(String.join("\n", lines) + "\n"));
    }

    /** Moves an object of the lake to another hour folder, keeping its name. */
    public void move(String object, String folder) {
        String to = "tables/" + table + "/" + folder + "/" + object.substring(object.lastIndexOf('/') + 1);
        aws.s3()
                .copyObject(b -> b.sourceBucket("dynamo-lake")
                        .sourceKey(object)
                        .destinationBucket("dynamo-lake")
                        .destinationKey(to));
        aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(object));
    }
}
