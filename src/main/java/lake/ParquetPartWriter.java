package lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import item.ItemKeys;
import item.PlainJson;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Writes items as rows of one Parquet part file with a snapshot's schema: typed columns for top-level attributes,
 * the whole item as plain JSON, the export id and time. A value whose type does not fit its column is left null
 * there; the item JSON always holds it exactly.
 *
 * <pre>{@code
 * try (ParquetPartWriter w = new ParquetPartWriter(file, schema, "zstd", exportId, exportTime)) {
 *     items.forEach(w::write);
 * }
 * }</pre>
 */
public final class ParquetPartWriter implements Closeable {
    private final ParquetWriter<Row> writer;
    private long rows;

    /** Row groups of 32 MiB: Athena and Spark read them well, and a writer holds one in memory at a time. */
    public static final long DEFAULT_ROW_GROUP_BYTES = 32L << 20;

    public ParquetPartWriter(Path file, SnapshotSchema schema, String codec, String exportId, Instant exportTime)
            throws IOException {
        this(file, schema, codec, exportId, exportTime, DEFAULT_ROW_GROUP_BYTES);
    }

    /**
     * @param rowGroupBytes the size a row group reaches before it is written out; the writer buffers one row group
     *     (compressed) in memory
     */
    public ParquetPartWriter(
            Path file, SnapshotSchema schema, String codec, String exportId, Instant exportTime, long rowGroupBytes)
            throws IOException {
        this(file, schema, Map.of(), codec, exportId, exportTime, rowGroupBytes);
    }

    /**
     * @param fieldIds the Iceberg field id of each column of the table the part is for (by column name); a column
     *     without one is written without, and read through the table's name mapping
     */
    public ParquetPartWriter(
            Path file,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            String codec,
            String exportId,
            Instant exportTime,
            long rowGroupBytes)
            throws IOException {
        this(file, schema, fieldIds, codec, 0, exportId, exportTime, rowGroupBytes);
    }

    /**
     * @param zstdLevel zstd's level when the codec is zstd (Parquet's default, 3, when 0): parts rewritten often are
     *     written at the fastest (1), which wrote the demo orders a tenth to a third faster for 0.5% more bytes
     */
    public ParquetPartWriter(
            Path file,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            String codec,
            int zstdLevel,
            String exportId,
            Instant exportTime,
            long rowGroupBytes)
            throws IOException {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        if (zstdLevel != 0) {
            conf.setInt("parquet.compression.codec.zstd.level", zstdLevel);
        }
        ItemWriteSupport support = new ItemWriteSupport(schema, fieldIds, exportId, exportTime);
        Builder builder = new Builder(new LocalOutputFile(file), support)
                .withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(rowGroupBytes)
                .withCompressionCodec(CompressionCodecName.fromConf(codec.toUpperCase()))
                .withDictionaryEncoding(false)
                // A column whose distinct values outgrow 64 KiB in a row group falls back to plain encoding there and
                // then: ids, times and free text stop paying a dictionary lookup per value after the first few
                // thousand (at the 1 MiB default, the dictionary took a third of a view build's writing time).
                .withDictionaryPageSize(64 << 10)
                .withExtraMetaData(
                        Map.of("dynamo-lake.export-id", exportId, "dynamo-lake.schema-version", schema.version()));
        // Dictionaries pay off on repeated values (status fields, the export id), not on ids, sequence numbers or the
        // item JSON: every value of those is new, and hashing it before the dictionary gives up costs a full build a
        // tenth of its time (ViewBenchmark, profiled).
        for (SnapshotColumn c : schema.columns()) {
            boolean repetitive = c.name().equals(SnapshotSchema.EXPORT_ID)
                    || c.type() == ColumnType.BOOLEAN
                    || (c.type() == ColumnType.STRING
                            && !c.key()
                            && !SnapshotSchema.SYSTEM_COLUMNS.contains(c.name())); // _key, _seq: all distinct
            builder.withDictionaryEncoding(c.name(), repetitive);
            // Min and max of JSON text prune nothing a reader asks, and comparing every long text to them cost a build
            // a tenth of its writing (ViewBenchmark, profiled).
            if (c.name().equals(SnapshotSchema.ITEM) || c.type() == ColumnType.JSON) {
                builder.withStatisticsEnabled(c.name(), false);
            }
        }
        // Parquet's size statistics (byte and level histograms): no reader the lake serves uses them.
        builder.withSizeStatisticsEnabled(false);
        this.writer = builder.build();
    }

    public void write(Map<String, AttributeValue> item) throws IOException {
        writer.write(new Row(item, null, 0, 0, null, null));
        rows++;
    }

    /**
     * Writes a view row from the item's exact plain JSON, which is the item column as it stands: the typed columns
     * are read from its top-level values (binary attributes are base64 text there) without building the item, so a
     * build pays one pass over the text per row. The JSON was checked when its delta line or snapshot row was read.
     *
     * @param key the item's key as {@link ItemKeys#canonical} gives it
     * @param sequence the sequence number of the change the row comes from ({@code ""} for a snapshot's row)
     */
    public void writePlain(byte[] itemJson, String key, String sequence) throws IOException {
        writePlain(itemJson, 0, itemJson.length, key, sequence);
    }

    /** The same, the item's JSON being {@code length} bytes of {@code bytes} from {@code offset}, left as they are. */
    public void writePlain(byte[] bytes, int offset, int length, String key, String sequence) throws IOException {
        writer.write(new Row(null, bytes, offset, length, key, sequence));
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** The file's size so far: what is written plus the row group being buffered. */
    public long bytes() {
        return writer.getDataSize();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    /**
     * Whether JSON text is as Jackson writes it: no whitespace outside strings, no escape inside one (an escape may
     * be written otherwise: {@code \\u0041} as {@code A}), and no character Jackson's UTF-8 writer escapes itself or
     * writes anew: one outside the Basic Multilingual Plane (a four-byte sequence, written as an escaped surrogate
     * pair) or bytes that are not well-formed UTF-8 (an overlong form, an encoded surrogate). Control characters
     * cannot stand unescaped in valid JSON.
     */
    static boolean compact(byte[] json, int start, int end) {
        boolean inString = false;
        for (int i = start; i < end; i++) {
            int b = json[i] & 0xff;
            if (b >= 0x80) {
                if (b >= 0xf0 || b == 0xc0 || b == 0xc1 || (b == 0xed && i + 1 < end && (json[i + 1] & 0xff) >= 0xa0)) {
                    return false;
                }
            } else if (inString) {
                if (b == '\\') {
                    return false;
                }
                inString = b != '"';
            } else if (b == '"') {
                inString = true;
            } else if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                return false;
            }
        }
        return !inString;
    }

    private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
        private final WriteSupport<Row> support;

        Builder(OutputFile file, WriteSupport<Row> support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(Configuration conf) {
            return support;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(ParquetConfiguration conf) {
            return support;
        }
    }

    /**
     * One row: the item, or for views its exact JSON text ({@code length} bytes of {@code itemJson} from {@code
     * offset}), key and its change's sequence number.
     */
    private record Row(
            Map<String, AttributeValue> item, byte[] itemJson, int offset, int length, String key, String sequence) {}

    /** Writes one item straight to Parquet's record consumer, column by column. */
    private static final class ItemWriteSupport extends WriteSupport<Row> {
        private static final JsonFactory JSON = JsonFactory.builder().build();

        private final SnapshotSchema schema;
        private final Map<String, Integer> fieldIds;
        private final List<SnapshotColumn> columns;
        private final Binary exportId;
        private final long exportTime;
        private final List<String> keys;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        private final Map<String, Integer> byAttribute = new HashMap<>();
        private final Object[] values;
        private RecordConsumer out;

        ItemWriteSupport(SnapshotSchema schema, Map<String, Integer> fieldIds, String exportId, Instant exportTime) {
            this.schema = schema;
            this.fieldIds = Map.copyOf(fieldIds);
            this.columns = schema.columns();
            this.exportId = Binary.fromString(exportId);
            // Microseconds, as Iceberg's timestamptz requires of Parquet (its readers prune row groups by them).
            this.exportTime = java.time.temporal.ChronoUnit.MICROS.between(Instant.EPOCH, exportTime);
            this.keys = schema.keyAttributes();
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i).attribute() != null) {
                    byAttribute.put(columns.get(i).attribute(), i);
                }
            }
            this.values = new Object[columns.size()];
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema.toParquet(fieldIds), new HashMap<>());
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema.toParquet(fieldIds), new HashMap<>());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Row row) {
            if (row.item() == null) {
                writePlain(row);
                return;
            }
            Map<String, AttributeValue> item = row.item();
            out.startMessage();
            for (int i = 0; i < columns.size(); i++) {
                SnapshotColumn c = columns.get(i);
                if (c.attribute() == null) {
                    system(c, i, row);
                } else {
                    AttributeValue v = item.get(c.attribute());
                    if (v != null && v.type() != AttributeValue.Type.NUL) {
                        typed(c, i, v);
                    }
                }
            }
            out.endMessage();
        }

        /** A row of plain JSON: each top-level value that has a column is converted once, then the row is written. */
        private void writePlain(Row row) {
            java.util.Arrays.fill(values, null);
            try (JsonParser p = JSON.createParser(row.itemJson(), row.offset(), row.length())) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException("an item is a JSON object: " + row.key());
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    Integer i = byAttribute.get(p.currentName());
                    JsonToken t = p.nextToken();
                    if (i == null) {
                        p.skipChildren();
                    } else {
                        values[i] = plainValue(columns.get(i), p, t, row.itemJson(), row.offset());
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("the item JSON of " + row.key() + " is not JSON", e);
            }
            out.startMessage();
            for (int i = 0; i < columns.size(); i++) {
                SnapshotColumn c = columns.get(i);
                if (c.attribute() == null) {
                    system(c, i, row);
                } else if (values[i] != null) {
                    Object v = values[i];
                    if (v instanceof Binary b) {
                        field(c, i, b);
                    } else if (v instanceof Long n) {
                        field(c, i, () -> out.addLong(n));
                    } else if (v instanceof Double d) {
                        field(c, i, () -> out.addDouble(d));
                    } else {
                        field(c, i, () -> out.addBoolean((Boolean) v));
                    }
                }
            }
            out.endMessage();
        }

        /**
         * The column value of one top-level plain JSON value (the parser on its first token), as {@link #typed} gives
         * it for the same value parsed: null where the value does not fit the column.
         */
        private Object plainValue(SnapshotColumn c, JsonParser p, JsonToken t, byte[] json, int base)
                throws IOException {
            try {
                switch (c.type()) {
                    case STRING -> {
                        return switch (t) {
                            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Binary.fromString(p.getText());
                            case VALUE_TRUE, VALUE_FALSE ->
                                Binary.fromString(Boolean.toString(t == JsonToken.VALUE_TRUE));
                            case VALUE_NULL -> null;
                            default -> structure(p, json, base);
                        };
                    }
                    case JSON -> {
                        return t == JsonToken.VALUE_NULL ? null : structure(p, json, base);
                    }
                    case INT64 -> {
                        return isNumber(t) ? long64(p.getText()) : skip(p);
                    }
                    case DECIMAL -> {
                        return isNumber(t) ? decimal(p.getText(), c.scale()) : skip(p);
                    }
                    case DOUBLE -> {
                        return isNumber(t) ? Double.parseDouble(p.getText()) : skip(p);
                    }
                    case BOOLEAN -> {
                        return t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE
                                ? t == JsonToken.VALUE_TRUE
                                : skip(p);
                    }
                    case BINARY -> {
                        return t == JsonToken.VALUE_STRING
                                ? Binary.fromConstantByteArray(
                                        Base64.getDecoder().decode(p.getText()))
                                : skip(p);
                    }
                    default -> throw new IllegalStateException("not an attribute column type: " + c.type());
                }
            } catch (ArithmeticException | IllegalArgumentException e) {
                return null; // left null: the item JSON holds the value exactly
            }
        }

        private static boolean isNumber(JsonToken t) {
            return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
        }

        private static Object skip(JsonParser p) throws IOException {
            p.skipChildren();
            return null;
        }

        /**
         * A value written as JSON text, the way {@link PlainJson#writeValue} writes it parsed. Text already in that form
         * (no whitespace between tokens, no escape in a string; numbers are copied as they stand) is taken as it is. The
         * parser reads {@code json} from {@code base}, where its byte offsets start.
         */
        private Binary structure(JsonParser p, byte[] json, int base) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                int start = base + (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                int end = base + (int) p.currentLocation().getByteOffset();
                if (compact(json, start, end)) {
                    return Binary.fromConstantByteArray(json, start, end - start);
                }
                // Not in the written form: the value is read again and written.
                try (JsonParser again = JSON.createParser(json, start, end - start)) {
                    again.nextToken();
                    return json(g -> PlainJson.copyValue(again, g));
                }
            }
            return json(g -> PlainJson.copyValue(p, g));
        }

        private void system(SnapshotColumn c, int i, Row row) {
            Binary text;
            switch (c.name()) {
                case SnapshotSchema.ITEM ->
                    text = row.itemJson() != null
                            ? Binary.fromConstantByteArray(row.itemJson(), row.offset(), row.length())
                            : json(g -> PlainJson.writeItem(row.item(), g, ""));
                case SnapshotSchema.KEY ->
                    text = Binary.fromString(row.key() != null ? row.key() : ItemKeys.canonical(row.item(), keys));
                case SnapshotSchema.SEQUENCE -> text = Binary.fromString(row.sequence() == null ? "" : row.sequence());
                case SnapshotSchema.EXPORT_ID -> text = exportId;
                case SnapshotSchema.EXPORT_TIME -> {
                    field(c, i, () -> out.addLong(exportTime));
                    return;
                }
                default -> throw new IllegalStateException("not a system column: " + c.name());
            }
            field(c, i, () -> out.addBinary(text));
        }

        /** A value that does not fit its column (a base64 text that is not base64, a number too wide) stays null. */
        private void typed(SnapshotColumn c, int i, AttributeValue v) {
            try {
                switch (c.type()) {
                    case STRING -> field(c, i, text(v));
                    case JSON -> field(c, i, json(g -> PlainJson.writeValue(v, g, "")));
                    case INT64 -> {
                        if (v.n() != null) {
                            long n = long64(v.n());
                            field(c, i, () -> out.addLong(n));
                        }
                    }
                    case DECIMAL -> {
                        if (v.n() != null) {
                            field(c, i, decimal(v.n(), c.scale()));
                        }
                    }
                    case DOUBLE -> {
                        if (v.n() != null) {
                            double n = Double.parseDouble(v.n());
                            field(c, i, () -> out.addDouble(n));
                        }
                    }
                    case BOOLEAN -> {
                        if (v.bool() != null) {
                            field(c, i, () -> out.addBoolean(v.bool()));
                        }
                    }
                    case BINARY -> {
                        if (v.b() != null) {
                            field(c, i, Binary.fromConstantByteArray(v.b().asByteArray()));
                        } else if (v.s() != null) { // plain JSON holds binary as base64 text
                            field(
                                    c,
                                    i,
                                    Binary.fromConstantByteArray(
                                            Base64.getDecoder().decode(v.s())));
                        }
                    }
                    default -> throw new IllegalStateException("not an attribute column type: " + c.type());
                }
            } catch (ArithmeticException | IllegalArgumentException e) {
                // left null: the item JSON holds the value exactly
            }
        }

        private void field(SnapshotColumn c, int i, Binary value) {
            field(c, i, () -> out.addBinary(value));
        }

        private void field(SnapshotColumn c, int i, Runnable value) {
            out.startField(c.name(), i);
            value.run();
            out.endField(c.name(), i);
        }

        private Binary text(AttributeValue v) {
            return switch (v.type()) {
                case S -> Binary.fromString(v.s());
                case N -> Binary.fromString(v.n());
                case BOOL -> Binary.fromString(v.bool().toString());
                default -> json(g -> PlainJson.writeValue(v, g, ""));
            };
        }

        private interface JsonWriter {
            void write(JsonGenerator g) throws IOException;
        }

        private Binary json(JsonWriter writer) {
            buffer.reset();
            try (JsonGenerator g = JSON.createGenerator(buffer)) {
                writer.write(g);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return Binary.fromConstantByteArray(buffer.toByteArray());
        }

        /** A number's text as a long, exactly ({@code 1E+2} is 100); ArithmeticException where it is no long. */
        private static long long64(String n) {
            boolean plain = !n.isEmpty() && n.length() <= 18;
            for (int k = 0; plain && k < n.length(); k++) {
                char ch = n.charAt(k);
                plain = (ch >= '0' && ch <= '9') || (k == 0 && ch == '-' && n.length() > 1);
            }
            return plain ? Long.parseLong(n) : new BigDecimal(n).longValueExact();
        }

        /** The least unscaled value with 39 digits: DECIMAL(38, s) holds only smaller ones. */
        private static final BigInteger DECIMAL_LIMIT = BigInteger.TEN.pow(38);

        /** DECIMAL(38, scale) as 16 bytes, big-endian two's complement, as Parquet stores it. */
        private static Binary decimal(String n, int scale) {
            BigInteger unscaled =
                    new BigDecimal(n).setScale(scale, RoundingMode.UNNECESSARY).unscaledValue();
            byte[] raw = unscaled.toByteArray();
            if (raw.length > 16 || unscaled.abs().compareTo(DECIMAL_LIMIT) >= 0) {
                throw new ArithmeticException(n + " does not fit DECIMAL(38," + scale + ")");
            }
            byte[] fixed = new byte[16];
            byte pad = (byte) (unscaled.signum() < 0 ? 0xff : 0);
            java.util.Arrays.fill(fixed, 0, 16 - raw.length, pad);
            System.arraycopy(raw, 0, fixed, 16 - raw.length, raw.length);
            return Binary.fromConstantByteArray(fixed);
        }
    }
}
