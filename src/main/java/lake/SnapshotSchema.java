package lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The columns of every Parquet part of one snapshot or view: typed top-level attributes, the whole item as lossless
 * plain JSON ({@value #ITEM}), the key as one text ({@value #KEY}), in views the sequence number of the last change
 * ({@value #SEQUENCE}), the export id and the export time. The version is a hash of the columns, so two snapshots
 * with the same version can be read as one table.
 */
public record SnapshotSchema(List<SnapshotColumn> columns) {
    public static final String ITEM = "_item";
    public static final String EXPORT_ID = "_export_id";
    public static final String EXPORT_TIME = "_export_time";
    /** The item's primary key as one text ({@link item.ItemKeys}): what the views merge on. */
    public static final String KEY = "_key";
    /** In views: the sequence number of the change that made the row, zero-padded ({@code ""} for snapshot rows). */
    public static final String SEQUENCE = "_seq";

    static final Set<String> SYSTEM_COLUMNS = Set.of(ITEM, KEY, SEQUENCE, EXPORT_ID, EXPORT_TIME);

    /**
     * Names no attribute's typed column gets: DuckDB's virtual columns of {@code read_parquet} (a row's file and its
     * position there), which a column of the same name, in any case, would hide; the current view's position deletes
     * are applied with them. Such an attribute stays in {@value #ITEM}.
     */
    public static final Set<String> READER_COLUMNS = Set.of("file_index", "file_row_number");

    public SnapshotSchema {
        columns = List.copyOf(columns);
    }

    /** A short hash of the column names and types. */
    public String version() {
        StringBuilder sb = new StringBuilder();
        columns.forEach(
                c -> sb.append(c.name()).append(':').append(c.athenaType()).append(';'));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names of the key attributes, partition key first. */
    public List<String> keyAttributes() {
        return columns.stream()
                .filter(SnapshotColumn::key)
                .map(SnapshotColumn::attribute)
                .toList();
    }

    /** This schema with the {@value #SEQUENCE} column after {@value #KEY}, as views have it. */
    public SnapshotSchema withSequence() {
        if (columns.stream().anyMatch(c -> c.name().equals(SEQUENCE))) {
            return this;
        }
        List<SnapshotColumn> out = new ArrayList<>();
        for (SnapshotColumn c : columns) {
            out.add(c);
            if (c.name().equals(KEY)) {
                out.add(new SnapshotColumn(SEQUENCE, null, ColumnType.STRING, 0, false));
            }
        }
        return new SnapshotSchema(out);
    }

    /** The Parquet message type; every column is optional (a sparse attribute is null where an item lacks it). */
    public MessageType toParquet() {
        return toParquet(java.util.Map.of());
    }

    /**
     * The same, each column with its Iceberg field id where {@code fieldIds} has one: Iceberg readers match a file's
     * columns by these ids, so a column dropped and added again under the same name reads right in every commit.
     */
    public MessageType toParquet(java.util.Map<String, Integer> fieldIds) {
        List<Type> fields = new ArrayList<>();
        for (SnapshotColumn c : columns) {
            Type field = field(c);
            Integer id = fieldIds.get(c.name());
            fields.add(id == null ? field : field.withId(id));
        }
        return new MessageType("item", fields);
    }

    private static Type field(SnapshotColumn c) {
        return switch (c.type()) {
            case STRING, JSON ->
                Types.optional(PrimitiveTypeName.BINARY)
                        .as(LogicalTypeAnnotation.stringType())
                        .named(c.name());
            case INT64 -> Types.optional(PrimitiveTypeName.INT64).named(c.name());
            case DECIMAL ->
                Types.optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
                        .length(16)
                        .as(LogicalTypeAnnotation.decimalType(c.scale(), 38))
                        .named(c.name());
            case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(c.name());
            case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(c.name());
            case BINARY -> Types.optional(PrimitiveTypeName.BINARY).named(c.name());
            case TIMESTAMP ->
                Types.optional(PrimitiveTypeName.INT64)
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
                        .named(c.name());
        };
    }

    /** The Athena/Glue DDL of an external table over a folder of this schema's Parquet files. */
    public String athenaDdl(String table, String location) {
        StringBuilder sb = new StringBuilder("CREATE EXTERNAL TABLE IF NOT EXISTS `" + table + "` (\n");
        for (int i = 0; i < columns.size(); i++) {
            SnapshotColumn c = columns.get(i);
            sb.append("  `").append(c.name().replace("`", "``")).append("` ").append(c.athenaType());
            sb.append(i < columns.size() - 1 ? ",\n" : "\n");
        }
        return sb.append(")\nSTORED AS PARQUET\nLOCATION '")
                .append(location)
                .append("'\n")
                .append("TBLPROPERTIES ('parquet.compression'='ZSTD');\n")
                .toString();
    }

    public JsonNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("version", version());
        ArrayNode list = o.putArray("columns");
        for (SnapshotColumn c : columns) {
            ObjectNode col =
                    list.addObject().put("name", c.name()).put("type", c.type().name());
            if (c.attribute() != null) {
                col.put("attribute", c.attribute());
            }
            if (c.type() == ColumnType.DECIMAL) {
                col.put("scale", c.scale());
            }
            if (c.key()) {
                col.put("key", true);
            }
        }
        return o;
    }

    public static SnapshotSchema fromJson(JsonNode o) {
        List<SnapshotColumn> columns = new ArrayList<>();
        for (JsonNode c : o.path("columns")) {
            columns.add(new SnapshotColumn(
                    c.path("name").asText(),
                    c.hasNonNull("attribute") ? c.get("attribute").asText() : null,
                    ColumnType.valueOf(c.path("type").asText()),
                    c.path("scale").asInt(0),
                    c.path("key").asBoolean(false)));
        }
        return new SnapshotSchema(columns);
    }
}
