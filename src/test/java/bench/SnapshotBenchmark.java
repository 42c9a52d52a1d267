package bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dynamolake.demo.DemoItems;
import export.ChangeEnvelopes;
import export.ExportLines;
import item.AttributeValues;
import item.ItemFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import lake.DataFileReader;
import lake.ParquetPartWriter;
import lake.SchemaDiscovery;
import lake.SnapshotColumn;
import lake.SnapshotSchema;

/**
 * Snapshot conversion speed and memory: dynamo-lake's export file worker code (stream, MD5, gunzip, split, convert,
 * discover the schema, write zstd Parquet) over an export folder in AWS's layout, next to DuckDB (duckdb_jdbc,
 * threads=2) writing the same columns from the same files to Parquet, in the same run. Then one data file of 1 GiB
 * uncompressed (the export's files concatenated in a cycle, so items may repeat) converted alone, to show the heap
 * it needs; and one incremental export data file of 1 GiB uncompressed landed as delta envelopes by the DELTAS step's
 * own code, next to a bare read of the same file (gunzip and split only), to show that memory stays flat.
 *
 * <pre>
 * ./mvnw -q -Pbench test-compile exec:exec -Dbench.class=bench.SnapshotBenchmark -Dbench.records=1000000
 * ./mvnw -q -Pbench test-compile exec:exec -Dbench.class=bench.SnapshotBenchmark \
 *     -Dbench.export=/path/to/AWSDynamoDB/01234-abcd -Dbench.keys=pk,sk     # your own export
 * </pre>
 *
 * Files are read from the local disk by both, so the figures are conversion, not S3. dynamo-lake reads every file
 * twice (discovery, then Parquet); DuckDB is handed the discovered schema and reads once.
 */
public final class SnapshotBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 2;
    private static final int ITEMS_PER_FILE = 100_000;

    record DataFile(Path path, long items, String md5) {}

    record Export(String exportId, Instant exportTime, List<DataFile> files, long items) {}

    private static final long SINGLE_FILE_BYTES = 1L << 30;
    private static final Map<Path, Long> uncompressed = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        long items = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        String given = System.getProperty("bench.export", "");
        List<String> keys =
                List.of(System.getProperty("bench.keys", "customerId,orderId").split(","));
        Path work = Path.of("target", "bench-snapshot");
        Path folder = given.isBlank() ? generate(work.resolve("export"), items) : Path.of(given);
        Export export = read(folder);
        HeapSampler.start();
        System.out.printf(
                "export %s: %,d items in %d data files (%,d MB gzip) from %s; heap limit %,d MB; %d cores%n",
                export.exportId(),
                export.items(),
                export.files().size(),
                export.files().stream().mapToLong(f -> size(f.path())).sum() >> 20,
                folder,
                Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());

        // ---- dynamo-lake ----
        Path out = clean(work.resolve("out-dynamo-lake"));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long t0 = System.nanoTime();
        List<Future<SchemaDiscovery>> discoveries = new ArrayList<>();
        for (DataFile f : export.files()) {
            discoveries.add(pool.submit(() -> discover(f)));
        }
        SchemaDiscovery merged = new SchemaDiscovery();
        for (Future<SchemaDiscovery> d : discoveries) {
            merged.merge(d.get());
        }
        SnapshotSchema schema = merged.schema(keys, 500);
        long t1 = System.nanoTime();
        List<Future<Long>> parts = new ArrayList<>();
        for (int i = 0; i < export.files().size(); i++) {
            DataFile f = export.files().get(i);
            Path part = out.resolve(String.format("part-%05d.parquet", i));
            parts.add(pool.submit(() -> convert(f, part, schema, export)));
        }
        long rows = 0;
        for (Future<Long> p : parts) {
            rows += p.get();
        }
        long t2 = System.nanoTime();
        pool.shutdown();
        if (rows != export.items()) {
            throw new IllegalStateException("wrote " + rows + " rows for " + export.items() + " items");
        }
        double lakeSeconds = (t2 - t0) / 1e9;
        double convertSeconds = (t2 - t1) / 1e9;
        long lakeBytes = folderSize(out);
        System.out.printf(
                "dynamo-lake: %,d rows in %.1f s = %,.0f rows/s (discovery %.1f s, Parquet %.1f s = %,.0f rows/s);"
                        + " %d columns, %,d MB Parquet; peak heap in use %,d MB%n",
                rows,
                lakeSeconds,
                rows / lakeSeconds,
                (t1 - t0) / 1e9,
                convertSeconds,
                rows / convertSeconds,
                schema.columns().size(),
                lakeBytes >> 20,
                HeapSampler.peakMb());

        // ---- DuckDB, the same columns from the same files ----
        Path duck = clean(work.resolve("out-duckdb"));
        String sql = duckDbCopy(export, schema, duck.resolve("snapshot.parquet"));
        long d0 = System.nanoTime();
        long duckRows;
        String version;
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            st.execute("SET threads = " + THREADS);
            st.execute("SET preserve_insertion_order = false");
            try (ResultSet rs = st.executeQuery("SELECT version()")) {
                rs.next();
                version = rs.getString(1);
            }
            st.execute(sql);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + duck + "/*.parquet')")) {
                rs.next();
                duckRows = rs.getLong(1);
            }
        }
        double duckSeconds = (System.nanoTime() - d0) / 1e9;
        System.out.printf(
                "DuckDB %s (threads=%d): %,d rows in %.1f s = %,.0f rows/s (schema given, files read once); %,d MB"
                        + " Parquet%n",
                version, THREADS, duckRows, duckSeconds, duckRows / duckSeconds, folderSize(duck) >> 20);
        System.out.printf(
                "dynamo-lake / DuckDB: %.2fx overall, %.2fx for the Parquet pass alone%n",
                (rows / lakeSeconds) / (duckRows / duckSeconds), (rows / convertSeconds) / (duckRows / duckSeconds));

        // ---- one large data file, alone: the export's files in a cycle until it holds 1 GiB uncompressed ----
        Path single = work.resolve("single.json.gz");
        long singleItems = 0;
        long singleBytes = 0;
        try (OutputStream o = Files.newOutputStream(single)) {
            for (int i = 0;
                    singleBytes < SINGLE_FILE_BYTES;
                    i = (i + 1) % export.files().size()) {
                DataFile f = export.files().get(i);
                Files.copy(f.path(), o); // gzip members concatenate into one valid gzip file
                singleItems += f.items();
                singleBytes += uncompressed.get(f.path());
            }
        }
        HeapSampler.reset();
        System.gc();
        long s0 = System.nanoTime();
        DataFile one = new DataFile(single, singleItems, null);
        AtomicLong bytes = new AtomicLong();
        SchemaDiscovery d = discover(one, bytes);
        SnapshotSchema oneSchema = d.schema(keys, 500);
        long oneRows = convert(one, clean(work.resolve("out-single")).resolve("part.parquet"), oneSchema, export);
        if (oneRows != singleItems) {
            throw new IllegalStateException("wrote " + oneRows + " rows for " + singleItems + " items");
        }
        System.out.printf(
                "one data file of %,d MB uncompressed (%,d items): discovered and converted in %.1f s on one thread,"
                        + " peak heap in use %,d MB of %,d MB%n",
                bytes.get() >> 20,
                oneRows,
                (System.nanoTime() - s0) / 1e9,
                HeapSampler.peakMb(),
                Runtime.getRuntime().maxMemory() >> 20);

        incrementalBenchmark(work);
    }

    /**
     * An incremental export's data file of {@code bytes} uncompressed (demo orders changed in turn: updates with both
     * images, every tenth a delete), as DynamoDB writes it; returns its line count.
     */
    private static long incrementalFile(Path file, long bytes) throws IOException {
        DemoItems demo = new DemoItems(43);
        JsonFactory factory = JsonFactory.builder().build();
        long lines = 0;
        try (OutputStream raw = Files.newOutputStream(file);
                GZIPOutputStream gz = new GZIPOutputStream(raw, 1 << 16);
                CountingOutputStream out = new CountingOutputStream(gz)) {
            for (long n = 0; out.count < bytes; n++) {
                try (JsonGenerator g = factory.createGenerator(out)) {
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.writeStartObject();
                    g.writeObjectFieldStart("Metadata");
                    g.writeObjectFieldStart("WriteTimestampMicros");
                    g.writeStringField("N", Long.toString(1_764_662_400_000_000L + n));
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeFieldName("Keys");
                    AttributeValues.writeItem(DemoItems.key(n % 100_000), g, "Keys");
                    g.writeFieldName("OldImage");
                    AttributeValues.writeItem(demo.order(n % 100_000), g, "OldImage");
                    if (n % 10 != 9) {
                        g.writeFieldName("NewImage");
                        AttributeValues.writeItem(demo.order(n % 100_000 + 1), g, "NewImage");
                    }
                    g.writeEndObject();
                }
                out.write('\n');
                lines++;
            }
        }
        return lines;
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** The incremental file as the DELTAS step lands it: envelopes streamed to a file on disk, bad lines counted. */
    private static void incrementalBenchmark(Path work) throws IOException {
        Path file = work.resolve("incremental.json.gz");
        long t = System.nanoTime();
        long lines = incrementalFile(file, SINGLE_FILE_BYTES);
        System.out.printf(
                "generated an incremental data file of %,d changes (%,d MB gzip) in %.1f s%n",
                lines, size(file) >> 20, (System.nanoTime() - t) / 1e9);

        HeapSampler.reset();
        System.gc();
        long b0 = System.nanoTime();
        DataFileReader.Result bare;
        try (InputStream in = Files.newInputStream(file)) {
            bare = DataFileReader.read(in, (buf, off, len, line) -> {});
        }
        double bareSeconds = (System.nanoTime() - b0) / 1e9;
        long barePeak = HeapSampler.peakMb();
        long bareLive = HeapSampler.peakLiveMb();

        HeapSampler.reset();
        System.gc();
        Path out = work.resolve("incremental-deltas.json");
        long[] bad = {0};
        long d0 = System.nanoTime();
        ChangeEnvelopes envelopes;
        try (InputStream in = Files.newInputStream(file);
                OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
            envelopes =
                    new ChangeEnvelopes(o, "bench", "01700000000000-bench001", 0, (buf, off, len, l, r) -> bad[0]++);
            DataFileReader.read(in, envelopes::line);
            envelopes.finish();
        }
        double deltaSeconds = (System.nanoTime() - d0) / 1e9;
        if (envelopes.changes() + bad[0] != lines || bad[0] != 0) {
            throw new IllegalStateException(
                    "wrote " + envelopes.changes() + " envelopes and " + bad[0] + " bad lines for " + lines);
        }
        System.out.printf(
                "incremental data file of %,d MB uncompressed (%,d changes): bare read (gunzip, split) %.1f s, peak heap"
                        + " in use %,d MB, live after collections %,d MB; DELTAS step (parse, envelope, write %,d MB"
                        + " to disk) %.1f s, peak heap in use %,d MB, live after collections %,d MB, of %,d MB%n",
                bare.uncompressedBytes() >> 20,
                envelopes.changes(),
                bareSeconds,
                barePeak,
                bareLive,
                size(out) >> 20,
                deltaSeconds,
                HeapSampler.peakMb(),
                HeapSampler.peakLiveMb(),
                Runtime.getRuntime().maxMemory() >> 20);
        Files.delete(out);
    }

    private static SchemaDiscovery discover(DataFile f) throws IOException {
        AtomicLong bytes = new AtomicLong();
        SchemaDiscovery d = discover(f, bytes);
        uncompressed.put(f.path(), bytes.get());
        return d;
    }

    private static SchemaDiscovery discover(DataFile f, AtomicLong uncompressed) throws IOException {
        SchemaDiscovery d = new SchemaDiscovery();
        try (InputStream in = Files.newInputStream(f.path())) {
            DataFileReader.Result r = DataFileReader.read(in, (buf, off, len, line) -> {
                try {
                    d.observe(ExportLines.item(buf, off, len));
                } catch (ItemFormatException e) {
                    // counted below
                }
            });
            check(f, r);
            uncompressed.set(r.uncompressedBytes());
        }
        return d;
    }

    private static long convert(DataFile f, Path part, SnapshotSchema schema, Export export) throws IOException {
        try (InputStream in = Files.newInputStream(f.path());
                ParquetPartWriter w =
                        new ParquetPartWriter(part, schema, "ZSTD", export.exportId(), export.exportTime())) {
            DataFileReader.Result r = DataFileReader.read(in, (buf, off, len, line) -> {
                try {
                    w.write(ExportLines.item(buf, off, len));
                } catch (ItemFormatException e) {
                    // a bad line: dead-lettered by the application, skipped here
                }
            });
            check(f, r);
            return w.rows();
        }
    }

    private static void check(DataFile f, DataFileReader.Result r) {
        if (f.md5() != null && !f.md5().equals(r.md5())) {
            throw new IllegalStateException(f.path() + ": MD5 " + r.md5() + ", manifest " + f.md5());
        }
    }

    // ---- the DuckDB statement ----

    static String duckDbCopy(Export export, SnapshotSchema schema, Path target) {
        StringBuilder select = new StringBuilder();
        for (SnapshotColumn c : schema.columns()) {
            if (select.length() > 0) {
                select.append(",\n  ");
            }
            select.append(expression(c, export, schema.keyAttributes()))
                    .append(" AS \"")
                    .append(c.name().replace("\"", "\"\""))
                    .append('"');
        }
        StringBuilder files = new StringBuilder();
        for (DataFile f : export.files()) {
            files.append(files.length() == 0 ? "" : ", ")
                    .append('\'')
                    .append(f.path())
                    .append('\'');
        }
        return "COPY (SELECT\n  " + select + "\nFROM read_ndjson([" + files + "], columns = {'Item': 'JSON'},"
                + " compression = 'gzip', maximum_object_size = 16777216)) TO '" + target
                + "' (FORMAT parquet, COMPRESSION zstd)";
    }

    /** The key as one JSON text, as dynamo-lake writes it (DuckDB's JSON keeps a key's digits). */
    private static String keyExpression(List<String> keys) {
        StringBuilder sb = new StringBuilder("concat('{'");
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i).replace("'", "''").replace("\"", "\\\"");
            sb.append(", '")
                    .append(i == 0 ? "" : ",")
                    .append(k.isEmpty() ? "" : "\"" + k + "\":")
                    .append("', ")
                    .append("coalesce(to_json(Item->>'$.\"")
                    .append(k)
                    .append("\".S'), Item->>'$.\"")
                    .append(k)
                    .append("\".N', to_json(Item->>'$.\"")
                    .append(k)
                    .append("\".B'))");
        }
        return sb.append(", '}')").toString();
    }

    private static String expression(SnapshotColumn c, Export export, List<String> keys) {
        if (c.attribute() == null) {
            return switch (c.name()) {
                case SnapshotSchema.ITEM -> "CAST(Item AS VARCHAR)";
                case SnapshotSchema.KEY -> keyExpression(keys);
                case SnapshotSchema.EXPORT_ID -> "'" + export.exportId() + "'";
                default ->
                    "TIMESTAMP '"
                            + export.exportTime().toString().replace("T", " ").replace("Z", "") + "'";
            };
        }
        String path = "'$.\"" + c.attribute().replace("'", "''").replace("\"", "\\\"") + "\"";
        return switch (c.type()) {
            case STRING ->
                "coalesce(Item->>" + path + ".S', Item->>" + path + ".N', Item->>" + path + ".BOOL', CAST(Item->" + path
                        + "' AS VARCHAR))";
            case JSON -> "CAST(Item->" + path + "' AS VARCHAR)";
            case INT64 -> "TRY_CAST(Item->>" + path + ".N' AS BIGINT)";
            case DECIMAL -> "TRY_CAST(Item->>" + path + ".N' AS DECIMAL(38," + c.scale() + "))";
            case DOUBLE -> "TRY_CAST(Item->>" + path + ".N' AS DOUBLE)";
            case BOOLEAN -> "TRY_CAST(Item->>" + path + ".BOOL' AS BOOLEAN)";
            case BINARY -> "from_base64(Item->>" + path + ".B')";
            case TIMESTAMP -> throw new IllegalStateException("no attribute column is a timestamp");
        };
    }

    // ---- the export folder ----

    /** Reads an export folder in AWS's layout: manifest-summary.json, manifest-files.json, data/. */
    static Export read(Path folder) throws IOException {
        JsonNode summary = JSON.readTree(folder.resolve("manifest-summary.json").toFile());
        String arn = summary.path("exportArn").asText();
        String filesKey = summary.path("manifestFilesS3Key").asText("manifest-files.json");
        Path manifest = folder.resolve(filesKey.substring(filesKey.lastIndexOf('/') + 1));
        List<DataFile> files = new ArrayList<>();
        long items = 0;
        for (String line : Files.readAllLines(manifest)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode f = JSON.readTree(line);
            String key = f.path("dataFileS3Key").asText();
            Path local = folder.resolve("data").resolve(key.substring(key.lastIndexOf('/') + 1));
            files.add(new DataFile(
                    local, f.path("itemCount").asLong(), f.path("md5Checksum").asText(null)));
            items += f.path("itemCount").asLong();
        }
        String time =
                summary.path("exportTime").asText(summary.path("exportToTime").asText());
        return new Export(arn.substring(arn.lastIndexOf('/') + 1), Instant.parse(time), files, items);
    }

    /** Writes {@code items} demo orders as an export in AWS's layout, unless the folder already holds them. */
    static Path generate(Path folder, long items) throws Exception {
        Path summaryFile = folder.resolve("manifest-summary.json");
        if (Files.exists(summaryFile)
                && JSON.readTree(summaryFile.toFile()).path("itemCount").asLong() == items) {
            return folder;
        }
        clean(folder);
        Files.createDirectories(folder.resolve("data"));
        String id = "01700000000000-bench000";
        String prefix = "bench/AWSDynamoDB/" + id + "/";
        DemoItems demo = new DemoItems(42);
        JsonFactory factory = JsonFactory.builder().build();
        StringBuilder manifest = new StringBuilder();
        long t0 = System.nanoTime();
        for (long from = 0; from < items; from += ITEMS_PER_FILE) {
            long to = Math.min(items, from + ITEMS_PER_FILE);
            String name = String.format("bench%021d", from) + ".json.gz";
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            try (OutputStream file =
                            new DigestOutputStream(Files.newOutputStream(folder.resolve("data/" + name)), md5);
                    GZIPOutputStream gz = new GZIPOutputStream(file, 1 << 16)) {
                for (long n = from; n < to; n++) {
                    try (JsonGenerator g = factory.createGenerator(gz)) {
                        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                        g.writeStartObject();
                        g.writeFieldName("Item");
                        AttributeValues.writeItem(demo.order(n), g, "Item");
                        g.writeEndObject();
                    }
                    gz.write('\n');
                }
            }
            ObjectNode entry = JSON.createObjectNode()
                    .put("itemCount", to - from)
                    .put("md5Checksum", Base64.getEncoder().encodeToString(md5.digest()))
                    .put("etag", "bench")
                    .put("dataFileS3Key", prefix + "data/" + name);
            manifest.append(entry).append('\n');
        }
        Files.writeString(folder.resolve("manifest-files.json"), manifest);
        ObjectNode summary = JSON.createObjectNode()
                .put("version", "2020-06-30")
                .put("exportArn", "arn:aws:dynamodb:us-east-1:000000000000:table/bench/export/" + id)
                .put("exportTime", "2026-11-26T00:00:00Z")
                .put("manifestFilesS3Key", prefix + "manifest-files.json")
                .put("itemCount", items)
                .put("outputFormat", "DYNAMODB_JSON");
        Files.writeString(summaryFile, summary.toString());
        System.out.printf("generated %,d demo orders in %.1f s%n", items, (System.nanoTime() - t0) / 1e9);
        return folder;
    }

    // ---- small helpers ----

    private static Path clean(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long folderSize(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .mapToLong(SnapshotBenchmark::size)
                    .sum();
        }
    }
}
