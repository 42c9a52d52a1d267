package bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dynamolake.AwsClients;
import dynamolake.demo.DemoItems;
import item.DeltaEnvelope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import lake.IcebergSnapshotTable;
import lake.IcebergTable;
import lake.LakeLayout;
import lake.LakeStore;
import lake.ParquetPartWriter;
import lake.SchemaDiscovery;
import lake.SnapshotSchema;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import testsupport.StackProcess;
import views.IcebergViewCatalog;
import views.ViewBuilder;
import views.Views;

/**
 * The views' merge on the embedded engine: the current view of N demo orders (a published snapshot) plus N changes
 * (updates, deletes, inserts as delta objects), built in full, then 10,000 more changes applied incrementally, twice. Next
 * to it, in the same run, the time DuckDB alone needs to read the same inputs (the snapshot's Parquet and the delta
 * JSON, from the same files). The lake is S3Proxy in a process of its own, its folder under target/bench-views/.
 *
 * <pre>
 * ./mvnw -q -Pbench test-compile exec:exec -Dbench.class=bench.ViewBenchmark -Dbench.records=1000000
 * </pre>
 */
public final class ViewBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "bench";
    private static final String BUCKET = "dynamo-lake";
    private static final int LINES_PER_OBJECT = 10_000;
    private static final int INCREMENTAL_CHANGES = 10_000;

    public static void main(String[] args) throws Exception {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Path.of("target", "bench-views").toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        try (StackProcess stack = StackProcess.start(dir, List.of("-Xmx1g"))) {
            AwsClients clients = AwsClients.local(stack.emulator(), stack.s3(), stack.sqs(), "us-east-1");
            try (S3Client s3 = clients.s3()) {
                s3.createBucket(b -> b.bucket(BUCKET));
                run(s3, dir, items);
            }
            stack.process().stop(Duration.ofSeconds(30));
        }
    }

    private static void run(S3Client s3, Path dir, int items) throws Exception {
        LakeLayout layout = new LakeLayout("tables/" + TABLE + "/");
        LakeStore lake = new LakeStore(s3, BUCKET);
        Instant now = Instant.now();
        Instant exportTime = now.minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        long g0 = System.nanoTime();
        String exportId = "01700000000000-bench";
        // The views' Iceberg tables in Iceberg's in-memory catalog: a commit costs what it costs in any catalog but
        // the catalog's own round trip.
        InMemoryCatalog iceberg = new InMemoryCatalog();
        iceberg.initialize("bench", Map.of());
        IcebergViewCatalog catalog = new IcebergViewCatalog(iceberg, "dynamo_lake", TABLE, lake, layout, 2);
        long rows = snapshot(lake, layout, dir, exportId, exportTime, items, iceberg);
        long deltaBytes = deltas(s3, layout, 0, items, items, exportTime.plusSeconds(60), 1);
        System.out.printf(
                "generated a snapshot of %,d demo orders and %,d changes (%,d MB of delta JSON) in %.1f s%n",
                rows, items, deltaBytes >> 20, (System.nanoTime() - g0) / 1e9);

        ViewBuilder builder = builder(lake, layout, dir, catalog);
        HeapSampler.start();
        System.out.printf(
                "JVM max heap %,d MB, DuckDB memory limit %s, %d cores%n",
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("bench.duckdb-memory", "1GB"),
                Runtime.getRuntime().availableProcessors());

        // DuckDB's native library is loaded once a process, by whichever opens DuckDB first: before both here, so
        // neither the full build nor the hand-written merge pays it.
        long d0 = System.nanoTime();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
            db.createStatement().execute("SELECT 1");
        }
        System.out.printf(
                "DuckDB's native library loaded in %,d ms, before both%n", (System.nanoTime() - d0) / 1_000_000);

        HeapSampler.reset();
        long f0 = System.nanoTime();
        Views.Result full = builder.rebuild().orElseThrow();
        double fullSeconds = (System.nanoTime() - f0) / 1e9;
        System.out.printf(
                "full build: %,d items from %,d snapshot rows + %,d changes in %.1f s; peak heap in use %,d MB,"
                        + " peak resident memory of the process %,d MB%n",
                full.items(), rows, full.changes(), fullSeconds, HeapSampler.peakMb(), peakResidentMb());

        // DuckDB alone reading the same inputs, straight from S3Proxy's files.
        Path tableDir = dir.resolve("data").resolve(BUCKET).resolve("tables").resolve(TABLE);
        long r0 = System.nanoTime();
        long[] read = duckDbRead(tableDir, exportId);
        double readSeconds = (System.nanoTime() - r0) / 1e9;
        System.out.printf(
                "DuckDB alone (threads=2) reading the same inputs: %,d snapshot rows and %,d delta lines (%,d MB of"
                        + " item JSON) in %.1f s%n",
                read[0], read[1], read[2] >> 20, readSeconds);
        System.out.printf("full build / DuckDB reading alone: %.1fx the time%n", fullSeconds / readSeconds);

        // The baseline the views are held to: the same merge written by hand in DuckDB's SQL over the same files
        // (keys and sequence number extracted from the JSON, latest per key, REMOVE dropped, zstd Parquet out), which
        // keeps no typed columns exact.
        long m0 = System.nanoTime();
        long merged = duckDbMerge(tableDir, exportId, dir.resolve("duckdb-merge.parquet"));
        double mergeSeconds = (System.nanoTime() - m0) / 1e9;
        System.out.printf(
                "DuckDB hand-written merge (threads=2): %,d items in %.1f s (the full build published %,d)%n",
                merged, mergeSeconds, full.items());
        System.out.printf(
                "full build / DuckDB hand-written merge: %.1fx the time (the bar: at most 2.0x)%n",
                fullSeconds / mergeSeconds);

        // 10,000 more changes, in the current hour's folder, applied to the current view: the unchanged parts stay
        // where they lie, named by the new commit.
        deltas(s3, layout, items, items + INCREMENTAL_CHANGES, items, Instant.now(), 2);
        HeapSampler.reset();
        long i0 = System.nanoTime();
        Views.Result incremental = builder.compact().orElseThrow();
        double incrementalSeconds = (System.nanoTime() - i0) / 1e9;
        JsonNode published = builder.current().orElseThrow();
        System.out.printf(
                "incremental run: %,d changes, %d of 16 buckets rewritten and %d patched, %,d items in %.1f s; peak"
                        + " heap in use %,d MB%n",
                incremental.changes(),
                incremental.bucketsWritten(),
                incremental.bucketsPatched(),
                incremental.items(),
                incrementalSeconds,
                HeapSampler.peakMb());
        System.out.printf("incremental / full: %.3f (the bar: at most 0.100)%n", incrementalSeconds / fullSeconds);

        // 10,000 more, as a long-running application applies them every few minutes: its code for a patch has run
        // once now, as it has in every run of such a process but its first.
        deltas(s3, layout, items + INCREMENTAL_CHANGES, items + 2 * INCREMENTAL_CHANGES, items, Instant.now(), 3);
        HeapSampler.reset();
        long j0 = System.nanoTime();
        Views.Result again = builder.compact().orElseThrow();
        double againIncrementalSeconds = (System.nanoTime() - j0) / 1e9;
        published = builder.current().orElseThrow();
        System.out.printf(
                "incremental run again: %,d changes, %d of 16 buckets rewritten and %d patched, %,d items in %.1f s;"
                        + " peak heap in use %,d MB%n",
                again.changes(),
                again.bucketsWritten(),
                again.bucketsPatched(),
                again.items(),
                againIncrementalSeconds,
                HeapSampler.peakMb());
        System.out.printf(
                "incremental run again / full: %.3f (the bar: at most 0.100)%n", againIncrementalSeconds / fullSeconds);

        // The incremental result must be what a full rebuild over the same inputs gives. That rebuild is also the full
        // build of a process that has run builds before (a long-running application's): its code compiled by the JIT.
        HeapSampler.reset();
        long c0 = System.nanoTime();
        Views.Result check = builder.rebuild().orElseThrow();
        double againSeconds = (System.nanoTime() - c0) / 1e9;
        System.out.printf(
                "full build again in the same process (its code compiled by now): %,d items from %,d changes in %.1f s,"
                        + " %.1fx the hand-written merge; peak heap in use %,d MB%n",
                check.items(), check.changes(), againSeconds, againSeconds / mergeSeconds, HeapSampler.peakMb());
        long differences =
                differences(tableDir, layout, published, builder.current().orElseThrow(), check.version());
        System.out.printf("check: the full rebuild differs from the incremental view in %d rows%n", differences);
        if (differences != 0) {
            throw new IllegalStateException("the incremental view differs from a full rebuild");
        }
    }

    private static ViewBuilder builder(LakeStore lake, LakeLayout layout, Path dir, IcebergViewCatalog catalog) {
        return new ViewBuilder(
                lake,
                layout,
                TABLE,
                new ViewBuilder.Options(
                        16,
                        2,
                        Duration.ofMinutes(15),
                        Duration.ofMinutes(5),
                        System.getProperty("bench.duckdb-memory", "1GB"),
                        2,
                        dir.resolve("work"),
                        "ZSTD",
                        ParquetPartWriter.DEFAULT_ROW_GROUP_BYTES,
                        512L << 20,
                        500,
                        Duration.ofMinutes(15),
                        16,
                        30),
                Clock.systemUTC(),
                views.ViewLock.NONE,
                catalog,
                views.DeltaSource.STREAM);
    }

    /** Rows (key, sequence number, item) in one published version of the current view and not the other, both ways. */
    private static long differences(Path tableDir, LakeLayout layout, JsonNode a, JsonNode b, long bVersion)
            throws Exception {
        if (b.path("version").asLong() != bVersion) {
            throw new IllegalStateException("the table does not publish the rebuilt version " + bVersion);
        }
        String va = partsOf(tableDir, layout, a);
        String vb = partsOf(tableDir, layout, b);
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM ((SELECT _key, _seq, _item FROM " + va
                        + " EXCEPT ALL SELECT _key, _seq, _item FROM " + vb + ") UNION ALL (SELECT _key, _seq, _item"
                        + " FROM " + vb + " EXCEPT ALL SELECT _key, _seq, _item FROM " + va + "))")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The rows of a version, in DuckDB's SQL, from the files where S3Proxy keeps them: its parts less the rows its
     * position delete files remove.
     */
    private static String partsOf(Path tableDir, LakeLayout layout, JsonNode pointer) {
        List<String> files = new java.util.ArrayList<>();
        List<String> uris = new java.util.ArrayList<>();
        List<String> deletes = new java.util.ArrayList<>();
        pointer.path("parts").forEach(p -> {
            String key = p.path("key").asText();
            files.add(tableDir.resolve(key.substring(layout.prefix().length())).toString());
            uris.add("s3://dynamo-lake/" + key);
        });
        pointer.path("deletes")
                .forEach(p -> deletes.add(tableDir.resolve(
                                p.path("key").asText().substring(layout.prefix().length()))
                        .toString()));
        return "(" + views.ViewSql.liveRows(files, uris, deletes, "p.*") + ")";
    }

    /**
     * Publishes a snapshot as the export worker would: discovered schema, 10 parts, its record and the commit of the
     * snapshot's table. Returns rows.
     */
    private static long snapshot(
            LakeStore lake,
            LakeLayout layout,
            Path dir,
            String exportId,
            Instant exportTime,
            int items,
            InMemoryCatalog iceberg)
            throws Exception {
        List<String> keys = List.of(DemoItems.PARTITION_KEY, DemoItems.SORT_KEY);
        SchemaDiscovery discovery = new SchemaDiscovery();
        DemoItems demo = new DemoItems(42);
        for (long n = 0; n < items; n++) {
            discovery.observe(demo.order(n));
        }
        SnapshotSchema schema = discovery.schema(keys, 500);
        ObjectNode schemaJson = (ObjectNode) schema.toJson();
        schemaJson.set("discovery", discovery.toJson());
        lake.putJson(layout.snapshotSchema(exportId), schemaJson);
        demo = new DemoItems(42);
        int partsCount = 10;
        long per = (items + partsCount - 1) / partsCount;
        var parts = JSON.createArrayNode();
        Map<String, Long> rowsByKey = new java.util.LinkedHashMap<>();
        Path work = Files.createDirectories(dir.resolve("gen"));
        for (int p = 0; p < partsCount; p++) {
            Path file = work.resolve("part.parquet");
            long rows = 0;
            try (ParquetPartWriter w = new ParquetPartWriter(file, schema, "ZSTD", exportId, exportTime)) {
                for (long n = p * per; n < Math.min(items, (p + 1) * per); n++) {
                    w.write(demo.order(n));
                }
                rows = w.rows();
            }
            String key = layout.snapshotPart(exportId, p, "data/part" + p + ".json.gz");
            lake.putFile(key, file);
            parts.addObject().put("key", key).put("rows", rows);
            rowsByKey.put(key, rows);
        }
        ObjectNode pointer = JSON.createObjectNode()
                .put("exportId", exportId)
                .put("exportTime", exportTime.toString())
                .put("itemCount", items);
        pointer.set("parts", parts);
        lake.putJson(layout.snapshotPublished(exportId), pointer);
        new IcebergSnapshotTable(new IcebergTable(
                        iceberg, "dynamo_lake", TABLE + "_snapshot", lake.uri(layout.icebergTable("snapshot"))))
                .publish(exportId, exportTime, schema, lake.parts(rowsByKey, "The snapshot"), 2, Map.of());
        return items;
    }

    /**
     * Writes changes {@code from} to {@code to} as delta objects in the hour folder of {@code start}: 70% updates of
     * an existing order, 15% deletes, 15% inserts of new orders. Returns the bytes written.
     */
    private static long deltas(S3Client s3, LakeLayout layout, int from, int to, int items, Instant start, long seed)
            throws IOException {
        Random random = new Random(seed);
        DemoItems demo = new DemoItems(seed + 100);
        String folder = LakeLayout.hourFolder(layout.deltasPrefix(), start) + "/";
        long bytes = 0;
        long next = items;
        StringBuilder object = new StringBuilder(LINES_PER_OBJECT * 1200);
        int inObject = 0;
        int objectIndex = from / LINES_PER_OBJECT;
        for (int i = from; i < to; i++) {
            int dice = random.nextInt(100);
            long n = dice < 85 ? random.nextInt(items) : next++;
            Map<String, AttributeValue> item = demo.order(n);
            Map<String, AttributeValue> keys = DemoItems.key(n);
            DeltaEnvelope.Action action = dice < 70
                    ? DeltaEnvelope.Action.MODIFY
                    : dice < 85 ? DeltaEnvelope.Action.REMOVE : DeltaEnvelope.Action.INSERT;
            String sequence = String.format("1%020d", i);
            DeltaEnvelope e = new DeltaEnvelope(
                    action,
                    sequence,
                    action == DeltaEnvelope.Action.REMOVE ? keys : item,
                    keys,
                    null,
                    start.plusMillis(i - from),
                    "bench-" + i,
                    TABLE,
                    "shardId-bench",
                    false,
                    false);
            object.append(e.toJson()).append('\n');
            if (++inObject == LINES_PER_OBJECT || i == to - 1) {
                byte[] content = object.toString().getBytes(StandardCharsets.UTF_8);
                String key = folder + String.format("bench-deltas-%06d", objectIndex++);
                s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content));
                bytes += content.length;
                object.setLength(0);
                inObject = 0;
            }
        }
        return bytes;
    }

    /** {snapshot rows, delta lines, item JSON bytes} as DuckDB reads them. */
    private static long[] duckDbRead(Path tableDir, String exportId) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            st.execute("SET threads = 2");
            long[] out = new long[3];
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(length(_item)) + sum(length(_key)) FROM"
                    + " read_parquet('"
                    + tableDir.resolve("snapshots").resolve(exportId).resolve("data")
                    + "/*.parquet')")) {
                rs.next();
                out[0] = rs.getLong(1);
                out[2] = rs.getLong(2);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(length(json)) FROM read_ndjson_objects('"
                    + tableDir.resolve("deltas") + "/*/*/*/*/bench-deltas-*')")) {
                rs.next();
                out[1] = rs.getLong(1);
                out[2] += rs.getLong(2);
            }
            return out;
        }
    }

    /** The merge as a user would write it in DuckDB: latest change per key by sequence number over the snapshot. */
    private static long duckDbMerge(Path tableDir, String exportId, Path out) throws Exception {
        String key = "json_extract_string(%1$s, '$." + DemoItems.PARTITION_KEY
                + "') || '|' || json_extract_string(%1$s," + " '$." + DemoItems.SORT_KEY + "')";
        String sql = "COPY (WITH changes AS (SELECT json_extract_string(json, '$.action') AS action,"
                + " json_extract_string(json, '$.sequenceNumber') AS seq, json_extract(json, '$.keys') AS k,"
                + " json_extract(json, '$.object')::VARCHAR AS item FROM read_ndjson_objects('"
                + tableDir.resolve("deltas") + "/*/*/*/*/bench-deltas-*')),"
                + " rows AS (SELECT " + String.format(key, "_item") + " AS key, '' AS seq, 'BASE' AS action,"
                + " _item AS item FROM read_parquet('"
                + tableDir.resolve("snapshots").resolve(exportId).resolve("data") + "/*.parquet')"
                + " UNION ALL SELECT " + String.format(key, "k") + ", seq, action, item FROM changes),"
                + " latest AS (SELECT * FROM rows QUALIFY row_number() OVER (PARTITION BY key"
                + " ORDER BY length(seq) DESC, seq DESC) = 1)"
                + " SELECT key, seq, item FROM latest WHERE action <> 'REMOVE')"
                + " TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)";
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            // DuckDB as a user would run it on this machine: two threads, its own memory limit (80% of the RAM), no
            // insertion order to keep. Under the views' 1 GB limit it runs out of memory on 1,000,000 orders.
            st.execute("SET threads = 2");
            st.execute("SET preserve_insertion_order = false");
            st.execute(sql);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM read_parquet('" + out + "')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long peakResidentMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
            }
        }
        return -1;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }
}
