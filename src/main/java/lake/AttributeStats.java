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
        observe(v.type(), v.type() == AttributeValue.Type.N ? v.n() : null);
    }

    /** One value of the attribute: its type and, for a number, its text. */
    void observe(AttributeValue.Type type, String number) {
        counts.merge(type, 1L, Long::sum);
        if (type == AttributeValue.Type.N) {
            long shape = plainShape(number);
            if (shape >= 0) {
                number((int) (shape >>> 32), (int) shape);
            } else {
                BigDecimal n = new BigDecimal(number).stripTrailingZeros();
                number(Math.max(0, n.scale()), Math.max(0, n.precision() - n.scale()));
            }
        }
    }

    /**
     * The scale and integer digits of a number in plain decimal notation ({@code -12.50}: no exponent), as its value
     * without trailing zeros has them ({@code 2 << 32 | 1}, where a {@link BigDecimal} would be parsed and stripped: it
     * took a seventh of reading a delta line), or -1 for other text. Zero has one integer digit, as
     * {@link BigDecimal#ZERO} has.
     */
    static long plainShape(String s) {
        int n = s.length();
        int i = n > 0 && s.charAt(0) == '-' ? 1 : 0;
        int dot = -1;
        for (int k = i; k < n; k++) {
            char c = s.charAt(k);
            if (c == '.' && dot < 0) {
                dot = k;
            } else if (c < '0' || c > '9') {
                return -1;
            }
        }
        int intEnd = dot < 0 ? n : dot;
        if (intEnd == i || dot == n - 1) {
            return -1; // no integer digit, or no digit after the point
        }
        int lead = i;
        while (lead < intEnd && s.charAt(lead) == '0') {
            lead++;
        }
        int fracEnd = n;
        if (dot >= 0) {
            while (fracEnd > dot + 1 && s.charAt(fracEnd - 1) == '0') {
                fracEnd--;
            }
        }
        int scale = dot < 0 ? 0 : fracEnd - dot - 1;
        int integerDigits = intEnd - lead;
        if (integerDigits == 0 && scale == 0) {
            integerDigits = 1; // zero
        }
        return (long) scale << 32 | integerDigits;
    }

    private void number(int scale, int integerDigits) {
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
