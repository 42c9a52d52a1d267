package testsupport;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** Builders for items, attribute values and tables, shared by every test. */
public final class Fixtures {
    private Fixtures() {}

    public static AttributeValue s(String s) {
        return AttributeValue.fromS(s);
    }

    public static AttributeValue n(String n) {
        return AttributeValue.fromN(n);
    }

    public static AttributeValue b(byte... bytes) {
        return AttributeValue.fromB(SdkBytes.fromByteArray(bytes));
    }

    public static AttributeValue bool(boolean b) {
        return AttributeValue.fromBool(b);
    }

    public static AttributeValue nul() {
        return AttributeValue.fromNul(true);
    }

    public static AttributeValue ss(String... members) {
        return AttributeValue.fromSs(List.of(members));
    }

    public static AttributeValue ns(String... members) {
        return AttributeValue.fromNs(List.of(members));
    }

    public static AttributeValue bs(byte[]... members) {
        return AttributeValue.fromBs(
                Arrays.stream(members).map(SdkBytes::fromByteArray).toList());
    }

    public static AttributeValue l(AttributeValue... elements) {
        return AttributeValue.fromL(List.of(elements));
    }

    public static AttributeValue m(Object... namesAndValues) {
        return AttributeValue.fromM(item(namesAndValues));
    }

    /**
     * An item of every DynamoDB type holding the values converters tend to get wrong: an empty string, 38 significant
     * digits, the smallest magnitude, negative zero, zeros to trim, binary that is not UTF-8, sets out of sort order
     * and map keys named like types. {@link #awkwardItemAsStored} is what DynamoDB keeps of it.
     */
    public static Map<String, AttributeValue> awkwardItem(String pk) {
        return item(
                "pk",
                s(pk),
                "empty",
                s(""),
                "digits",
                n("12345678901234567890123456789012345678"),
                "tiny",
                n("1E-130"),
                "negativeZero",
                n("-0"),
                "padded",
                n("0100.50"),
                "bytes",
                b((byte) 0xff, (byte) 0x00, (byte) 0xfe),
                "yes",
                bool(true),
                "nothing",
                nul(),
                "strings",
                ss("b", "a"),
                "numbers",
                ns("10", "2.50"),
                "binaries",
                bs(new byte[] {2}, new byte[] {1}),
                "list",
                l(n("1.0"), s("x"), l()),
                "tags",
                m("S", m("S", s("x")), "NULL", s("not null")));
    }

    /** {@link #awkwardItem} as DynamoDB stores it: numbers in plain notation, zeros trimmed, -0 as 0. */
    public static Map<String, AttributeValue> awkwardItemAsStored(String pk) {
        Map<String, AttributeValue> stored = awkwardItem(pk);
        stored.put("tiny", n("0." + "0".repeat(129) + "1"));
        stored.put("negativeZero", n("0"));
        stored.put("padded", n("100.5"));
        stored.put("numbers", ns("10", "2.5"));
        stored.put("list", l(n("1"), s("x"), l()));
        return stored;
    }

    /** An item from alternating names and values: {@code item("pk", s("a"), "n", n("1"))}. */
    public static Map<String, AttributeValue> item(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs");
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            item.put((String) namesAndValues[i], (AttributeValue) namesAndValues[i + 1]);
        }
        return item;
    }

    /**
     * Puts the changes {@code from} to {@code to} (exclusive) one by one: change {@code v} sets {@code v} on the item
     * {@code pk = <prefix><v % keys>}, so each key's changes are in order and a reader can check that order.
     */
    public static void putVersions(DynamoDbClient ddb, String table, String prefix, int keys, int from, int to) {
        for (int v = from; v < to; v++) {
            Map<String, AttributeValue> item = item("pk", s(prefix + (v % keys)), "v", n(Integer.toString(v)));
            ddb.putItem(b -> b.tableName(table).item(item));
        }
    }

    /**
     * Creates an on-demand table with a string partition key {@code pk} and, when {@code rangeType} is set, a sort
     * key {@code sk} of that type; with a stream of the given view type unless null.
     */
    public static void createTable(DynamoDbClient ddb, String name, String rangeType, StreamViewType view) {
        CreateTableRequest.Builder b =
                CreateTableRequest.builder().tableName(name).billingMode("PAY_PER_REQUEST");
        if (rangeType == null) {
            b.keySchema(KeySchemaElement.builder()
                            .attributeName("pk")
                            .keyType(KeyType.HASH)
                            .build())
                    .attributeDefinitions(d -> d.attributeName("pk").attributeType("S"));
        } else {
            b.keySchema(
                            KeySchemaElement.builder()
                                    .attributeName("pk")
                                    .keyType(KeyType.HASH)
                                    .build(),
                            KeySchemaElement.builder()
                                    .attributeName("sk")
                                    .keyType(KeyType.RANGE)
                                    .build())
                    .attributeDefinitions(
                            d -> d.attributeName("pk").attributeType("S"),
                            d -> d.attributeName("sk").attributeType(rangeType));
        }
        if (view != null) {
            b.streamSpecification(s -> s.streamEnabled(true).streamViewType(view));
        }
        ddb.createTable(b.build());
    }
}
