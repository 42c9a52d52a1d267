package lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What a Glue crawler does, over the items of an export: per top-level attribute the DynamoDB types seen and how
 * often, and for numbers whether an exact Parquet type fits. Discoveries of separate data files merge, so every file
 * can be read by another worker; the merged discovery gives one schema for all parts of a snapshot.
 *
 * <pre>{@code
 * SchemaDiscovery d = new SchemaDiscovery();
 * items.forEach(d::observe);
 * SnapshotSchema schema = d.schema(List.of("customerId", "orderId"), 500);
 * }</pre>
 */
public final class SchemaDiscovery {
    private final Map<String, AttributeStats> attributes = new LinkedHashMap<>();
    private long items;

    public void observe(Map<String, AttributeValue> item) {
        items++;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            attributes.computeIfAbsent(e.getKey(), k -> new AttributeStats()).observe(e.getValue());
        }
    }

    /**
     * One top-level value of an item as discovery counts it: its DynamoDB type as plain JSON shows it (arrays are
     * {@code L}, objects {@code M}) and, for a number or a string, its exact text (a number's is one {@link
     * java.math.BigDecimal} reads).
     */
    public record Value(String attribute, AttributeValue.Type type, String text) {}

    /** Observes one item given as its top-level values, read from its JSON without building the item. */
    public void observe(List<Value> item) {
        items++;
        for (Value v : item) {
            attributes.computeIfAbsent(v.attribute(), k -> new AttributeStats()).observe(v.type(), v.text());
        }
    }

    public void merge(SchemaDiscovery other) {
        items += other.items;
        other.attributes.forEach((name, stats) ->
                attributes.computeIfAbsent(name, k -> new AttributeStats()).merge(stats));
    }

    /** Whether some item held the attribute as a value of this type. */
    public boolean holds(String attribute, AttributeValue.Type type) {
        AttributeStats stats = attributes.get(attribute);
        return stats != null && stats.holds(type);
    }

    /** The top-level attributes seen in any item. */
    public Set<String> attributes() {
        return Set.copyOf(attributes.keySet());
    }

    public long items() {
        return items;
    }

    /**
     * The snapshot schema: the key attributes first, then the other attributes in order of how many items hold them
     * (at most {@code maxTypedColumns}; the rest live in the item JSON only), then the item JSON, the export id and
     * the export time. Attribute names that clash with those columns, or with an earlier column when case is
     * ignored (as Athena and Glue do), or that DuckDB's reader uses ({@link SnapshotSchema#READER_COLUMNS}), get no typed
     * column.
     */
    public SnapshotSchema schema(List<String> keys, int maxTypedColumns) {
        List<SnapshotColumn> columns = new ArrayList<>();
        // Athena, Glue and Hive compare column names without case: one column per name in any case.
        Set<String> taken = new LinkedHashSet<>();
        SnapshotSchema.SYSTEM_COLUMNS.forEach(n -> taken.add(n.toLowerCase(Locale.ROOT)));
        taken.addAll(SnapshotSchema.READER_COLUMNS);
        for (String key : keys) {
            AttributeStats stats = attributes.getOrDefault(key, new AttributeStats());
            columns.add(stats.column(key, key, true));
            taken.add(key.toLowerCase(Locale.ROOT));
        }
        List<Map.Entry<String, AttributeStats>> others = new ArrayList<>(attributes.entrySet());
        others.removeIf(e -> taken.contains(e.getKey().toLowerCase(Locale.ROOT)));
        others.sort(Comparator.comparingLong(
                        (Map.Entry<String, AttributeStats> e) -> -e.getValue().total())
                .thenComparing(Map.Entry::getKey));
        int typed = 0;
        for (Map.Entry<String, AttributeStats> e : others) {
            if (typed == maxTypedColumns) {
                break;
            }
            if (taken.add(e.getKey().toLowerCase(Locale.ROOT))) {
                columns.add(e.getValue().column(e.getKey(), e.getKey(), false));
                typed++;
            }
        }
        columns.add(new SnapshotColumn(SnapshotSchema.ITEM, null, ColumnType.JSON, 0, false));
        columns.add(new SnapshotColumn(SnapshotSchema.KEY, null, ColumnType.STRING, 0, false));
        columns.add(new SnapshotColumn(SnapshotSchema.EXPORT_ID, null, ColumnType.STRING, 0, false));
        columns.add(new SnapshotColumn(SnapshotSchema.EXPORT_TIME, null, ColumnType.TIMESTAMP, 0, false));
        return new SnapshotSchema(columns);
    }

    /**
     * A schema that every value seen so far fits and that reads the previous one's files as one table: the previous
     * columns in their order, each widened where this discovery saw other types (never narrowed), then attributes the
     * previous schema had no column for, by how many items hold them, while fewer than {@code maxTypedColumns}
     * attributes are typed; the system columns last.
     */
    public SnapshotSchema widen(SnapshotSchema previous, int maxTypedColumns) {
        List<SnapshotColumn> typed = new ArrayList<>();
        List<SnapshotColumn> system = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        SnapshotSchema.SYSTEM_COLUMNS.forEach(n -> taken.add(n.toLowerCase(Locale.ROOT)));
        taken.addAll(SnapshotSchema.READER_COLUMNS);
        for (SnapshotColumn c : previous.columns()) {
            if (c.attribute() == null) {
                system.add(c);
                continue;
            }
            taken.add(c.name().toLowerCase(Locale.ROOT));
            AttributeStats stats = attributes.get(c.attribute());
            typed.add(stats == null ? c : wider(c, stats.column(c.name(), c.attribute(), c.key())));
        }
        List<Map.Entry<String, AttributeStats>> others = new ArrayList<>(attributes.entrySet());
        others.removeIf(e -> taken.contains(e.getKey().toLowerCase(Locale.ROOT)));
        others.sort(Comparator.comparingLong(
                        (Map.Entry<String, AttributeStats> e) -> -e.getValue().total())
                .thenComparing(Map.Entry::getKey));
        long attributesTyped = typed.stream().filter(c -> !c.key()).count();
        for (Map.Entry<String, AttributeStats> e : others) {
            if (attributesTyped >= maxTypedColumns) {
                break;
            }
            if (taken.add(e.getKey().toLowerCase(Locale.ROOT))) {
                typed.add(e.getValue().column(e.getKey(), e.getKey(), false));
                attributesTyped++;
            }
        }
        typed.addAll(system);
        return new SnapshotSchema(typed);
    }

    /** The narrowest column type both columns' values fit. */
    static SnapshotColumn wider(SnapshotColumn a, SnapshotColumn b) {
        if (a.type() == b.type() && a.scale() == b.scale()) {
            return a;
        }
        ColumnType type;
        int scale = 0;
        boolean an = isNumber(a.type());
        boolean bn = isNumber(b.type());
        if (an && bn) {
            if (a.type() == ColumnType.DOUBLE || b.type() == ColumnType.DOUBLE) {
                type = ColumnType.DOUBLE;
            } else {
                type = ColumnType.DECIMAL;
                scale = Math.max(a.scale(), b.scale());
            }
        } else {
            type = ColumnType.STRING;
        }
        return new SnapshotColumn(a.name(), a.attribute(), type, scale, a.key());
    }

    private static boolean isNumber(ColumnType t) {
        return t == ColumnType.INT64 || t == ColumnType.DECIMAL || t == ColumnType.DOUBLE;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public JsonNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("items", items);
        ObjectNode a = o.putObject("attributes");
        attributes.forEach((name, stats) -> a.set(name, stats.toJson()));
        return o;
    }

    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    public static SchemaDiscovery fromJson(JsonNode o) {
        SchemaDiscovery d = new SchemaDiscovery();
        d.items = o.path("items").asLong();
        o.path("attributes")
                .fields()
                .forEachRemaining(e -> d.attributes.put(e.getKey(), AttributeStats.fromJson(e.getValue())));
        return d;
    }
}
