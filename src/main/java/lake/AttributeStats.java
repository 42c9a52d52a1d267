package lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What discovery learned of one top-level attribute: how many items hold it as each DynamoDB type and, for numbers,
 * whether every value fits an exact Parquet type (INT64, DECIMAL(38, s)).
 */
final class AttributeStats {
    private final Map<AttributeValue.Type, Long> counts = new EnumMap<>(AttributeValue.Type.class);
    private boolean allIntegral = true;
    private boolean fitsLong = true;
    private int maxIntegerDigits;
    private int maxScale;

    void observe(AttributeValue v) {
        observe(v.type(), v.type() == AttributeValue.Type.N ? new BigDecimal(v.n()) : null);
    }

    /** One value of the attribute: its type and, for a number, its value. */
    void observe(AttributeValue.Type type, BigDecimal number) {
        counts.merge(type, 1L, Long::sum);
        if (type == AttributeValue.Type.N) {
            number(number.stripTrailingZeros());
        }
    }

    private void number(BigDecimal n) {
        int scale = Math.max(0, n.scale());
        int integerDigits = Math.max(0, n.precision() - n.scale());
        maxScale = Math.max(maxScale, scale);
        maxIntegerDigits = Math.max(maxIntegerDigits, integerDigits);
        if (scale > 0) {
            allIntegral = false;
        }
        if (scale > 0 || integerDigits > 18) {
            fitsLong = false;
        }
    }

    boolean holds(AttributeValue.Type type) {
        return counts.containsKey(type);
    }

    void merge(AttributeStats other) {
        other.counts.forEach((t, c) -> counts.merge(t, c, Long::sum));
        allIntegral &= other.allIntegral;
        fitsLong &= other.fitsLong;
        maxIntegerDigits = Math.max(maxIntegerDigits, other.maxIntegerDigits);
        maxScale = Math.max(maxScale, other.maxScale);
    }

    long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The column type: one type (NULL aside) maps to its column; several become text. */
    SnapshotColumn column(String name, String attribute, boolean key) {
        var types = counts.keySet().stream()
                .filter(t -> t != AttributeValue.Type.NUL)
                .toList();
        if (types.size() != 1) {
            return new SnapshotColumn(name, attribute, types.isEmpty() ? ColumnType.JSON : ColumnType.STRING, 0, key);
        }
        return switch (types.get(0)) {
            case S -> new SnapshotColumn(name, attribute, ColumnType.STRING, 0, key);
            case N -> numberColumn(name, attribute, key);
            case BOOL -> new SnapshotColumn(name, attribute, ColumnType.BOOLEAN, 0, key);
            case B -> new SnapshotColumn(name, attribute, ColumnType.BINARY, 0, key);
            default -> new SnapshotColumn(name, attribute, ColumnType.JSON, 0, key);
        };
    }

    private SnapshotColumn numberColumn(String name, String attribute, boolean key) {
        if (allIntegral && fitsLong) {
            return new SnapshotColumn(name, attribute, ColumnType.INT64, 0, key);
        }
        if (maxIntegerDigits + maxScale <= 38) {
            return new SnapshotColumn(name, attribute, ColumnType.DECIMAL, maxScale, key);
        }
        return new SnapshotColumn(name, attribute, ColumnType.DOUBLE, 0, key);
    }

    JsonNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode c = o.putObject("counts");
        counts.forEach((t, n) -> c.put(t == AttributeValue.Type.NUL ? "NULL" : t.name(), n));
        o.put("allIntegral", allIntegral)
                .put("fitsLong", fitsLong)
                .put("maxIntegerDigits", maxIntegerDigits)
                .put("maxScale", maxScale);
        return o;
    }

    static AttributeStats fromJson(JsonNode o) {
        AttributeStats s = new AttributeStats();
        o.path("counts")
                .fields()
                .forEachRemaining(e -> s.counts.put(
                        e.getKey().equals("NULL") ? AttributeValue.Type.NUL : AttributeValue.Type.valueOf(e.getKey()),
                        e.getValue().asLong()));
        s.allIntegral = o.path("allIntegral").asBoolean(true);
        s.fitsLong = o.path("fitsLong").asBoolean(true);
        s.maxIntegerDigits = o.path("maxIntegerDigits").asInt();
        s.maxScale = o.path("maxScale").asInt();
        return s;
    }
}
