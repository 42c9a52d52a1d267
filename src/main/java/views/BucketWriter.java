package views;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import lake.ParquetPartWriter;
import lake.SchemaDiscovery;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import views.ViewLake.Snapshot;

/**
 * A view build's writing step: the rows of a merge, ordered by bucket, into local Parquet files per bucket with the
 * view's columns and the table's field ids, rolling at the target file size; and a full build of every bucket from a
 * base (the snapshot's parts or the published version's live rows), its tombstones and the winning changes.
 */
final class BucketWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BucketWriter.class);

    /**
     * zstd's level for the view's parts, DuckDB's and the project writer's alike: parts are rewritten on every run that
     * touches their keys, and the fastest level writes them a fifth faster than the default (3) for about the same size.
     */
    private static final int ZSTD_LEVEL = 1;

    private final ViewBuilder.Options options;
    private final String tableName;

    BucketWriter(ViewBuilder.Options options, String tableName) {
        this.options = options;
        this.tableName = tableName;
    }

    /** A part written in the work folder, to be uploaded. */
    record Part(Path file, long rows) {}

    /**
     * Streams rows of {@code _bucket, _key, _seq, _item, _row}, ordered by bucket, into local Parquet files, a bucket's
     * rows rolling to a new file once one reaches {@code targetBytes}: typed columns written from the item's exact text.
     * A base row gives its key, sequence number and item ({@code _row} 0); a change only its {@code _row}, under which
     * the spill holds the rest. No deletes among them.
     */
    Map<Integer, List<Part>> write(
            Connection db,
            ItemSpill spill,
            String sql,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            Snapshot snapshot,
            Path work,
            String prefix,
            long targetBytes)
            throws Exception {
        Map<Integer, List<Part>> out = new TreeMap<>();
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            int bucket = -1;
            ParquetPartWriter writer = null;
            Path file = null;
            try {
                while (rs.next()) {
                    int b = rs.getInt(1);
                    if (rs.wasNull()) {
                        throw new IllegalStateException(
                                "A row of the merge has no key, so no bucket: " + rs.getString(2));
                    }
                    boolean full = writer != null && writer.rows() % 64 == 0 && writer.bytes() >= targetBytes;
                    if (b != bucket || full) {
                        if (writer != null) {
                            writer.close();
                            out.computeIfAbsent(bucket, x -> new ArrayList<>()).add(new Part(file, writer.rows()));
                        }
                        int n = b == bucket ? out.get(b).size() : 0;
                        bucket = b;
                        file = work.resolve(prefix + b + "-" + n + ".parquet");
                        writer = new ParquetPartWriter(
                                file,
                                schema,
                                fieldIds,
                                options.codec(),
                                ZSTD_LEVEL,
                                snapshot.exportId(),
                                snapshot.exportTime(),
                                Math.min(options.rowGroupBytes(), targetBytes));
                    }
                    long row = rs.getLong(5);
                    if (row == 0) {
                        writer.writePlain(
                                rs.getString(4).getBytes(StandardCharsets.UTF_8), rs.getString(2), rs.getString(3));
                    } else {
                        ItemSpill.Entry change = spill.get(row);
                        if (change == null) {
                            throw new IllegalStateException("A delete among the rows to write, at row " + row);
                        }
                        writer.writePlain(
                                change.bytes(),
                                change.imageOffset(),
                                change.imageLength(),
                                change.key(),
                                change.sequence());
                    }
                }
                if (writer != null) {
                    writer.close();
                    out.computeIfAbsent(bucket, x -> new ArrayList<>()).add(new Part(file, writer.rows()));
                    writer = null;
                }
            } finally {
                if (writer != null) {
                    writer.close();
                }
            }
        }
        return out;
    }

    /**
     * The rows every bucket is rebuilt from: Parquet files (a snapshot's parts, or the current view's when it is
     * rebuilt with a wider schema) with their schema and what their items hold (null when not known).
     */
    record Base(List<String> files, boolean hasSequence, SnapshotSchema schema, SchemaDiscovery discovery) {}

    /**
     * Rebuilds every bucket from the base and the changes. Each key's winning change is found on narrow columns
     * ({@link ViewSql#latest}); the changes that win are typed by the project's writer, and the base rows no winner
     * replaces are copied by DuckDB with their typed columns as they are, when every column of the view's schema is one
     * the base holds exactly (the same type, a number widened exactly, or an attribute none of its items has).
     * Otherwise every row is typed anew from its JSON. A bucket's parts are then DuckDB's files of its base rows and the
     * writer's files of its changes. The winners that delete a key are the {@code new_tombstones} table.
     *
     * @param tombstones a relation of {@code _key, _seq, _time}: keys the base no longer holds
     * @param keepTombstones whether deleted keys go to the {@code new_tombstones} table (a current view) or nowhere
     */
    Map<Integer, List<Part>> rebuild(
            Connection db,
            ItemSpill spill,
            Base base,
            String tombstones,
            String changes,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            Snapshot snapshot,
            Path work,
            boolean keepTombstones)
            throws Exception {
        long k0 = System.nanoTime();
        String seq = base.hasSequence() ? "b._seq" : "''";
        String files = base.files().isEmpty() ? null : ViewSql.duckDbList(base.files());
        try (Statement st = db.createStatement()) {
            // A base row newer than every change of its key (the current view rebuilt with a wider schema, over
            // changes a later snapshot no longer replays) keeps its key.
            String latest = ViewSql.latest(changes, tombstones, options.buckets());
            st.execute("CREATE OR REPLACE TABLE winners AS "
                    + (base.hasSequence() && files != null
                            ? ViewSql.notOlderThan(latest, "(SELECT _key, _seq FROM read_parquet(" + files + "))")
                            : latest));
            st.execute("CREATE OR REPLACE TABLE new_tombstones AS SELECT _key, _seq, _time FROM winners"
                    + " WHERE _action = 'REMOVE'" + (keepTombstones ? "" : " AND false"));
        }
        long k1 = System.nanoTime();
        Optional<String> columns = files == null
                ? Optional.empty()
                : ViewSql.copiedColumns(
                        schema,
                        heldByEveryFile(db, base),
                        base.discovery(),
                        base.hasSequence(),
                        why -> LOG.info("Every row of {} is typed anew from its JSON: {}", tableName, why));
        if (columns.isEmpty()) {
            Map<Integer, List<Part>> out = write(
                    db,
                    spill,
                    ViewSql.merge(ViewSql.duckDbBase(base.files(), base.hasSequence()), "winners", options.buckets()),
                    schema,
                    fieldIds,
                    snapshot,
                    work,
                    "part-",
                    options.targetFileBytes());
            LOG.debug(
                    "Rebuilt {} buckets: winners picked in {} ms, every row typed in {} ms",
                    out.size(),
                    (k1 - k0) / 1_000_000,
                    (System.nanoTime() - k1) / 1_000_000);
            return out;
        }
        // DuckDB cannot roll files at a size while it partitions: a bucket whose base rows outgrow the target file
        // size is split into slices by a hash of the key, each about that size.
        long baseBytes = 0;
        for (String f : base.files()) {
            baseBytes += Files.size(Path.of(f));
        }
        long slices = Math.max(1, -Math.floorDiv(-baseBytes, (long) options.buckets() * options.targetFileBytes()));
        Path dir = work.resolve("base");
        String copy = "COPY (SELECT " + ViewSql.bucket("b._key", options.buckets()) + " AS _bucket, "
                + (slices > 1 ? "hash(b._key) % " + slices + " AS _slice, " : "")
                + columns.get() + " FROM read_parquet(" + files + ") b ANTI JOIN winners w ON "
                + ViewSql.replaces(seq) + ") TO '" + sqlText(dir.toString())
                + "' (FORMAT parquet, PARTITION_BY (_bucket"
                + (slices > 1 ? ", _slice" : "") + "), " + partOptions(fieldIds) + ")";
        // One after the other: on two cores, copying the base rows while the changes are typed took longer than both.
        Map<Integer, List<Part>> changed = typeInParallel(
                db, spill, "winners", schema, fieldIds, snapshot, work, "changes-", options.targetFileBytes());
        long k2 = System.nanoTime();
        long copiedRows;
        try (Statement st = db.createStatement()) {
            st.execute("SET partitioned_write_flush_threshold = " + flushRows(db, base.files()));
            copiedRows = st.executeUpdate(copy);
        }
        long k3 = System.nanoTime();
        Map<Integer, List<Part>> out = new TreeMap<>();
        java.util.regex.Pattern bucketFolder = java.util.regex.Pattern.compile("_bucket=(\\d+)");
        List<String> copied = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> found = Files.walk(dir)) {
                found.filter(f -> f.toString().endsWith(".parquet")).forEach(f -> copied.add(f.toString()));
            }
        }
        if (!copied.isEmpty()) { // none when no base row won
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata("
                            + ViewSql.duckDbList(copied) + ") ORDER BY file_name")) {
                while (rs.next()) {
                    java.util.regex.Matcher m = bucketFolder.matcher(rs.getString(1));
                    if (!m.find()) {
                        throw new IllegalStateException(
                                "DuckDB wrote a part outside a bucket's folder: " + rs.getString(1));
                    }
                    out.computeIfAbsent(Integer.parseInt(m.group(1)), b -> new ArrayList<>())
                            .add(new Part(Path.of(rs.getString(1)), rs.getLong(2)));
                }
            }
        }
        changed.forEach(
                (b, parts) -> out.computeIfAbsent(b, x -> new ArrayList<>()).addAll(parts));
        LOG.debug(
                "Rebuilt {} buckets: winners picked in {} ms, changes typed in {} ms, {} base rows copied in {} ms",
                out.size(),
                (k1 - k0) / 1_000_000,
                (k2 - k1) / 1_000_000,
                copiedRows,
                (k3 - k2) / 1_000_000);
        return out;
    }

    /**
     * The rows a partitioned COPY gathers for one bucket before it writes them out as a row group: about half a row
     * group's bytes ({@code lake.parquet-row-group-mb}) of the base's rows as they are uncompressed. DuckDB's default
     * (524,288 rows a bucket) holds every bucket's rows in memory until the end; copying the 427,083 base rows of the
     * views benchmark took 3.0 to 4.3 s that way, 2.0 to 2.6 s at 16,384 rows (half a row group of these ~900-byte
     * rows) and 2.3 to 2.9 s at a whole row group.
     */
    private long flushRows(Connection db, List<String> files) throws SQLException {
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT sum(total_uncompressed_size) FROM parquet_metadata("
                        + ViewSql.duckDbList(files) + ")), (SELECT sum(num_rows) FROM parquet_file_metadata("
                        + ViewSql.duckDbList(files) + "))")) {
            rs.next();
            long bytes = rs.getLong(1);
            long rows = rs.getLong(2);
            long rowBytes = rows == 0 ? 1 : Math.max(1, bytes / rows);
            return Math.max(2_048, Math.min(122_880, options.rowGroupBytes() / 2 / rowBytes));
        }
    }

    /**
     * The columns of the base's schema that every one of its files holds: a part written by an earlier release may
     * lack a column its schema names, and its rows are then typed from their JSON.
     */
    private static List<SnapshotColumn> heldByEveryFile(Connection db, Base base) throws SQLException {
        Map<String, Integer> files = new java.util.HashMap<>();
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT name, count(DISTINCT file_name) FROM parquet_schema("
                        + ViewSql.duckDbList(base.files()) + ") GROUP BY name")) {
            while (rs.next()) {
                files.put(rs.getString(1), rs.getInt(2));
            }
        }
        return base.schema().columns().stream()
                .filter(c -> files.getOrDefault(c.name(), 0) == base.files().size())
                .toList();
    }

    /**
     * Writes the rows of a table of winners ({@code _bucket, _key, _seq, _action, _time, _row}; deletes are no rows)
     * with the project's writer, as {@link #writeBuckets} does, the buckets shared among {@code threads} writers side by
     * side, each reading its buckets one at a time over a connection of its own: a bucket's row numbers, in the order
     * the spill holds them.
     */
    private Map<Integer, List<Part>> typeInParallel(
            Connection db,
            ItemSpill spill,
            String table,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            Snapshot snapshot,
            Path work,
            String prefix,
            long targetBytes)
            throws Exception {
        int writers = options.threads();
        Map<Integer, List<Part>> out = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int k = 0; k < writers; k++) {
                int writer = k;
                running.add(pool.submit(() -> {
                    try (Connection c = db.unwrap(DuckDBConnection.class).duplicate()) {
                        for (int b = writer; b < options.buckets(); b += writers) {
                            out.putAll(write(
                                    c,
                                    spill,
                                    "SELECT _bucket, NULL, NULL, NULL, _row FROM " + table + " WHERE _bucket = " + b
                                            + " AND _action <> 'REMOVE' ORDER BY _row",
                                    schema,
                                    fieldIds,
                                    snapshot,
                                    work,
                                    prefix,
                                    targetBytes));
                        }
                    }
                    return null;
                }));
            }
            Parallel.awaitAll(running);
        } finally {
            Parallel.stopAll(pool);
        }
        return out;
    }

    /**
     * DuckDB's COPY options for the view's parts: the codec, the row group size and the table's field ids. Parts are
     * rewritten on every run that touches their keys: zstd's fastest level writes a fifth faster than DuckDB's default
     * (3), for parts of about the same size.
     */
    String partOptions(Map<String, Integer> fieldIds) {
        return "COMPRESSION " + options.codec().toLowerCase()
                + (options.codec().equalsIgnoreCase("zstd") ? ", COMPRESSION_LEVEL " + ZSTD_LEVEL : "")
                + ", ROW_GROUP_SIZE_BYTES " + Math.min(options.rowGroupBytes(), options.targetFileBytes())
                + fieldIdsOption(fieldIds);
    }

    /** DuckDB's COPY option that writes each column's Iceberg field id, as the project's writer does; or nothing. */
    static String fieldIdsOption(Map<String, Integer> fieldIds) {
        if (fieldIds.isEmpty()) {
            return "";
        }
        return ", FIELD_IDS {"
                + String.join(
                        ", ",
                        fieldIds.entrySet().stream()
                                .map(e -> "'" + sqlText(e.getKey()) + "': " + e.getValue())
                                .toList())
                + "}";
    }

    static String sqlText(String s) {
        return s.replace("'", "''");
    }
}
