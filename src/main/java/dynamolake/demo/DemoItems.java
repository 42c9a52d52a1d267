package dynamolake.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Generates the demo table's orders, deterministically from a seed. Between them the items hold every DynamoDB
 * type and the cases a lake gets wrong: 38-digit numbers, 1E-130, binary that is not UTF-8, empty strings, empty
 * lists and maps, maps three levels deep, map keys named like type tags, sparse attributes, an attribute whose type
 * differs between items ({@code ref}: N or S), and a few items close to DynamoDB's 400 KB limit.
 */
public final class DemoItems {
    /** The partition key (S) and sort key (N) of the demo table. */
    public static final String PARTITION_KEY = "customerId";

    public static final String SORT_KEY = "orderId";

    /** The time-to-live attribute (epoch seconds). */
    public static final String TTL_ATTRIBUTE = "expiresAt";

    private static final String[] STATUSES = {"NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"};
    private static final String[] TAGS = {"gift", "express", "fragile", "bulk", "returning", "vip"};
    private static final String[] CITIES = {"Lyon", "Zürich", "São Paulo", "東京", "Nairobi", "Austin"};

    private final Random random;

    public DemoItems(long seed) {
        this.random = new Random(seed);
    }

    /** The key of the n-th order: customers get about ten orders each. */
    public static Map<String, AttributeValue> key(long n) {
        Map<String, AttributeValue> key = new LinkedHashMap<>();
        key.put(PARTITION_KEY, AttributeValue.fromS(String.format("customer-%05d", n / 10)));
        key.put(SORT_KEY, AttributeValue.fromN(Long.toString(n)));
        return key;
    }

    /** A full order for the given key. */
    public Map<String, AttributeValue> order(long n) {
        Map<String, AttributeValue> item = key(n);
        item.put("status", AttributeValue.fromS(STATUSES[random.nextInt(STATUSES.length)]));
        item.put(
                "total",
                AttributeValue.fromN(random.nextInt(100_000) + "." + String.format("%02d", random.nextInt(100))));
        item.put("version", AttributeValue.fromN("1"));
        item.put(
                "placedAt",
                AttributeValue.fromS("2026-"
                        + String.format(
                                "%02d-%02dT%02d:%02d:00Z",
                                1 + random.nextInt(12),
                                1 + random.nextInt(28),
                                random.nextInt(24),
                                random.nextInt(60))));
        item.put("gift", AttributeValue.fromBool(random.nextBoolean()));
        item.put("tags", AttributeValue.fromSs(distinct(TAGS, 1 + random.nextInt(3))));
        item.put("quantities", AttributeValue.fromNs(List.of("1", "2.5", Integer.toString(3 + random.nextInt(97)))));
        item.put("signature", AttributeValue.fromB(SdkBytes.fromByteArray(bytes(16))));
        item.put("lines", AttributeValue.fromL(lines()));
        item.put("shipping", AttributeValue.fromM(shipping()));
        item.put("note", AttributeValue.fromS(random.nextInt(4) == 0 ? "" : "leave at the door"));
        item.put("ref", n % 2 == 0 ? AttributeValue.fromN(Long.toString(n * 7)) : AttributeValue.fromS("R-" + n));
        addRareAttributes(item, n);
        return item;
    }

    private void addRareAttributes(Map<String, AttributeValue> item, long n) {
        if (n % 10 == 3) {
            item.put("coupon", AttributeValue.fromS("SAVE" + random.nextInt(50)));
        }
        if (n % 17 == 0) {
            item.put("exactAmount", AttributeValue.fromN("12345678901234567890123456789012345678"));
            item.put("tiny", AttributeValue.fromN("1E-130"));
            item.put("huge", AttributeValue.fromN("9.9999999999999999999999999999999999999E+125"));
        }
        if (n % 13 == 0) {
            item.put("cancelledAt", AttributeValue.fromNul(true));
            item.put(
                    "attachments",
                    AttributeValue.fromBs(List.of(
                            SdkBytes.fromByteArray(bytes(8)),
                            SdkBytes.fromByteArray(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}))));
            item.put(
                    "typeTags",
                    AttributeValue.fromM(Map.of(
                            "S",
                            AttributeValue.fromS("a string"),
                            "N",
                            AttributeValue.fromN("1"),
                            "M",
                            AttributeValue.fromM(Map.of()))));
            item.put("empty", AttributeValue.fromL(List.of()));
        }
    }

    /** An order padded close to DynamoDB's 400 KB item limit. */
    public Map<String, AttributeValue> largeOrder(long n) {
        Map<String, AttributeValue> item = order(n);
        StringBuilder sb = new StringBuilder(390 * 1024);
        while (sb.length() < 390 * 1024) {
            sb.append("lorem ipsum dolor sit amet ");
        }
        item.put("payload", AttributeValue.fromS(sb.toString()));
        return item;
    }

    private List<AttributeValue> lines() {
        List<AttributeValue> lines = new ArrayList<>();
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> line = new LinkedHashMap<>();
            line.put("sku", AttributeValue.fromS("SKU-" + random.nextInt(1000)));
            line.put("qty", AttributeValue.fromN(Integer.toString(1 + random.nextInt(5))));
            line.put("price", AttributeValue.fromN(random.nextInt(500) + ".99"));
            lines.add(AttributeValue.fromM(line));
        }
        return lines;
    }

    private Map<String, AttributeValue> shipping() {
        Map<String, AttributeValue> geo = new LinkedHashMap<>();
        geo.put("lat", AttributeValue.fromN(String.format(Locale.ROOT, "%.6f", random.nextDouble() * 180 - 90)));
        geo.put("lon", AttributeValue.fromN(String.format(Locale.ROOT, "%.6f", random.nextDouble() * 360 - 180)));
        Map<String, AttributeValue> address = new LinkedHashMap<>();
        address.put("city", AttributeValue.fromS(CITIES[random.nextInt(CITIES.length)]));
        address.put("zip", AttributeValue.fromS(String.format("%05d", random.nextInt(100_000))));
        address.put("geo", AttributeValue.fromM(geo));
        Map<String, AttributeValue> shipping = new LinkedHashMap<>();
        shipping.put("method", AttributeValue.fromS(random.nextBoolean() ? "standard" : "express"));
        shipping.put("address", AttributeValue.fromM(address));
        shipping.put("instructions", AttributeValue.fromM(Map.of()));
        return shipping;
    }

    private List<String> distinct(String[] from, int count) {
        List<String> out = new ArrayList<>();
        while (out.size() < count) {
            String s = from[random.nextInt(from.length)];
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        b[0] = (byte) 0xff; // never valid UTF-8, so a lake that decodes binary as text shows it at once
        return b;
    }

    Random random() {
        return random;
    }
}
