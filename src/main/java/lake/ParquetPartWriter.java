package lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import item.PlainJson;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
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
    private final ParquetWriter<Map<String, AttributeValue>> writer;
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
        ItemWriteSupport support = new ItemWriteSupport(schema, exportId, exportTime);
        Builder builder = new Builder(new LocalOutputFile(file), support)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(rowGroupBytes)
                .withCompressionCodec(CompressionCodecName.fromConf(codec.toUpperCase()))
                .withDictionaryEncoding(false)
                .withExtraMetaData(
                        Map.of("dynamo-lake.export-id", exportId, "dynamo-lake.schema-version", schema.version()));
        // Dictionaries pay off on repeated values (status fields, the export id), not on ids or the item JSON.
        for (SnapshotColumn c : schema.columns()) {
            boolean repetitive = c.name().equals(SnapshotSchema.EXPORT_ID)
                    || c.type() == ColumnType.BOOLEAN
                    || (c.type() == ColumnType.STRING && !c.key());
            builder.withDictionaryEncoding(c.name(), repetitive);
        }
        this.writer = builder.build();
    }

    public void write(Map<String, AttributeValue> item) throws IOException {
        writer.write(item);
        rows++;
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private static final class Builder extends ParquetWriter.Builder<Map<String, AttributeValue>, Builder> {
        private final WriteSupport<Map<String, AttributeValue>> support;

        Builder(OutputFile file, WriteSupport<Map<String, AttributeValue>> support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Map<String, AttributeValue>> getWriteSupport(Configuration conf) {
            return support;
        }

        @Override
        protected WriteSupport<Map<String, AttributeValue>> getWriteSupport(ParquetConfiguration conf) {
            return support;
        }
    }

    /** Writes one item straight to Parquet's record consumer, column by column. */
    private static final class ItemWriteSupport extends WriteSupport<Map<String, AttributeValue>> {
        private static final JsonFactory JSON = JsonFactory.builder().build();

        private final SnapshotSchema schema;
        private final List<SnapshotColumn> columns;
        private final Binary exportId;
        private final long exportTime;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        private RecordConsumer out;

        ItemWriteSupport(SnapshotSchema schema, String exportId, Instant exportTime) {
            this.schema = schema;
            this.columns = schema.columns();
            this.exportId = Binary.fromString(exportId);
            this.exportTime = exportTime.toEpochMilli();
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema.toParquet(), new HashMap<>());
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema.toParquet(), new HashMap<>());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Map<String, AttributeValue> item) {
            out.startMessage();
            for (int i = 0; i < columns.size(); i++) {
                SnapshotColumn c = columns.get(i);
                if (c.attribute() == null) {
                    system(c, i, item);
                } else {
                    AttributeValue v = item.get(c.attribute());
                    if (v != null && v.type() != AttributeValue.Type.NUL) {
                        typed(c, i, v);
                    }
                }
            }
            out.endMessage();
        }

        private void system(SnapshotColumn c, int i, Map<String, AttributeValue> item) {
            out.startField(c.name(), i);
            switch (c.name()) {
                case SnapshotSchema.ITEM -> out.addBinary(json(g -> PlainJson.writeItem(item, g, "")));
                case SnapshotSchema.EXPORT_ID -> out.addBinary(exportId);
                default -> out.addLong(exportTime);
            }
            out.endField(c.name(), i);
        }

        private void typed(SnapshotColumn c, int i, AttributeValue v) {
            switch (c.type()) {
                case STRING -> field(c, i, () -> out.addBinary(text(v)));
                case JSON -> field(c, i, () -> out.addBinary(json(g -> PlainJson.writeValue(v, g, ""))));
                case INT64 -> {
                    if (v.n() != null) {
                        field(c, i, () -> out.addLong(new BigDecimal(v.n()).longValueExact()));
                    }
                }
                case DECIMAL -> {
                    if (v.n() != null) {
                        field(c, i, () -> out.addBinary(decimal(v.n(), c.scale())));
                    }
                }
                case DOUBLE -> {
                    if (v.n() != null) {
                        field(c, i, () -> out.addDouble(Double.parseDouble(v.n())));
                    }
                }
                case BOOLEAN -> {
                    if (v.bool() != null) {
                        field(c, i, () -> out.addBoolean(v.bool()));
                    }
                }
                case BINARY -> {
                    if (v.b() != null) {
                        field(c, i, () -> out.addBinary(Binary.fromConstantByteArray(v.b().asByteArray())));
                    }
                }
                default -> throw new IllegalStateException("not an attribute column type: " + c.type());
            }
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

        /** DECIMAL(38, scale) as 16 bytes, big-endian two's complement, as Parquet stores it. */
        private static Binary decimal(String n, int scale) {
            BigInteger unscaled =
                    new BigDecimal(n).setScale(scale, RoundingMode.UNNECESSARY).unscaledValue();
            byte[] raw = unscaled.toByteArray();
            byte[] fixed = new byte[16];
            byte pad = (byte) (unscaled.signum() < 0 ? 0xff : 0);
            java.util.Arrays.fill(fixed, 0, 16 - raw.length, pad);
            System.arraycopy(raw, 0, fixed, 16 - raw.length, raw.length);
            return Binary.fromConstantByteArray(fixed);
        }
    }
}
