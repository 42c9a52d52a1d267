package views;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import lake.ColumnType;
import lake.SchemaDiscovery;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The one merge both engines run: the rows of a base (a snapshot or a current view) and the changes after it, the
 * latest per key winning. Every engine difference is named here and nowhere else:
 *
 * <ul>
 *   <li>the bucket of a key: DuckDB's merge orders its winners by Iceberg's bucket transform of {@code _key}
 *       ({@code bucket[N]}: Murmur3 of the key's UTF-8, as Iceberg's specification defines it), the function
 *       {@value #BUCKET_FUNCTION} that {@link #registerBucketFunction} adds to the engine, so each file of the current
 *       view is one partition of the Iceberg table and readers skip the others. Athena writes files of its own
 *       choosing, none by bucket;
 *   <li>where the base rows come from: DuckDB reads the Parquet files ({@code read_parquet([...])}), Athena the
 *       catalog's table;
 *   <li>where the changes come from: DuckDB gets them from the project's delta reader (the new image's exact
 *       bytes, malformed lines already dead-lettered); Athena reads the catalog's deltas tables (the OpenX JSON
 *       SerDe hands the {@code object} column over as the exact text of the line) and keeps the rows
 *       {@link #athenaValid} accepts;
 *   <li>how each key's winner is found: DuckDB groups narrow columns (key, sequence, row) so the grouping spills
 *       to disk; Athena ranks the rows of each key with a window, which it spreads over its workers;
 *   <li>the typed columns of a change: DuckDB's rows are typed by the project's Parquet writer from the item's
 *       exact text; Athena types them in SQL ({@link #athenaTyped}) from {@code json_extract_scalar}, which keeps
 *       a number's text, so numbers are exact. Two things differ there: a column of sets, lists or maps holds the
 *       JSON text as Athena writes it (numbers inside as doubles; {@code _item} stays exact), and attributes new to
 *       the deltas stay in {@code _item} until the next snapshot's discovery types them (DuckDB widens the
 *       schema at once);
 *   <li>neither engine parses the item JSON for the key: Athena builds the key's text from {@code keys} the way
 *       {@code item.ItemKeys} does (numbers without leading or trailing zeros; no exponents).
 * </ul>
 *
 * Ordering: {@code _seq} is the sequence number zero-padded to one width, so text order is number order; a
 * snapshot row has {@code ''} and loses to any change of its key. At the same sequence number (a duplicate
 * delivery) the rows are the same change, and any one of them is kept.
 */
public final class ViewSql {
    /** DuckDB's name of Iceberg's bucket transform of a string: {@code iceberg_bucket(text, buckets)}. */
    public static final String BUCKET_FUNCTION = "iceberg_bucket";

    private static final java.util.Map<Integer, java.util.function.Function<Object, Integer>> TRANSFORMS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private ViewSql() {}

    /** The bucket of a key, in DuckDB's SQL: Iceberg's {@code bucket[buckets]} of the key column. */
    public static String bucket(String keyColumn, int buckets) {
        return BUCKET_FUNCTION + "(" + keyColumn + ", " + buckets + ")";
    }

    /**
     * Adds {@value #BUCKET_FUNCTION} to a DuckDB connection: Iceberg's own bucket transform, so the buckets the merge
     * writes are the partitions an Iceberg reader computes for the same key.
     */
    public static void registerBucketFunction(java.sql.Connection db) throws java.sql.SQLException {
        org.duckdb.DuckDBFunctions.scalarFunction()
                .withName(BUCKET_FUNCTION)
                .withParameters(String.class, int.class)
                .withReturnType(int.class)
                .withNullInNullOut()
                .withFunction((java.util.function.BiFunction<String, Integer, Integer>) ViewSql::icebergBucket)
                .register(db);
    }

    /** Iceberg's {@code bucket[buckets]} of a string. */
    public static int icebergBucket(String key, int buckets) {
        return TRANSFORMS
                .computeIfAbsent(
                        buckets,
                        n -> org.apache.iceberg.transforms.Transforms.bucket(n)
                                .bind(org.apache.iceberg.types.Types.StringType.get()))
                .apply(key);
    }

    /** DuckDB's source of base rows: Parquet files; {@code hasSequence} is false for a snapshot's parts. */
    public static String duckDbBase(List<String> files, boolean hasSequence) {
        if (files.isEmpty()) {
            return "(SELECT NULL::VARCHAR AS _key, NULL::VARCHAR AS _seq, NULL::VARCHAR AS _item WHERE false)";
        }
        return "(SELECT _key, " + (hasSequence ? "_seq" : "'' AS _seq") + ", _item FROM read_parquet("
                + duckDbList(files) + "))";
    }

    /**
     * DuckDB's rows of a version of the current view: its parts less the rows its Iceberg position delete files
     * remove ({@code file_path}, {@code pos}). A delete names a part by the part's URI; it is matched on the URI's last
     * two segments ({@code <version>-<attempt>/part-00003.parquet}, one name per part of a table), so the same SQL
     * reads the parts from a copy of the lake, or from local copies named otherwise.
     *
     * @param files where DuckDB reads each part (a URI, or a local copy)
     * @param uris each part's URI in the lake, as its Iceberg table and its delete files name it
     * @param deletes where DuckDB reads each delete file
     * @param columns what to select of the part's rows, aliased {@code p} ({@code p.*}; {@code p.file_index} and
     *     {@code p.file_row_number} are the row's file, as an index into {@code files}, and its position there: DuckDB's
     *     virtual columns, {@link SnapshotSchema#READER_COLUMNS}, which no typed column hides)
     */
    public static String liveRows(List<String> files, List<String> uris, List<String> deletes, String columns) {
        if (files.size() != uris.size() || files.isEmpty()) {
            throw new IllegalArgumentException("a part's file and URI each, at least one: " + files + " " + uris);
        }
        String rows = "SELECT " + columns + " FROM read_parquet(" + duckDbList(files) + ") p";
        if (deletes.isEmpty()) {
            return rows;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < uris.size(); i++) {
            names.add("(" + literal(partName(uris.get(i))) + ", " + i + ")");
        }
        return rows + " ANTI JOIN (SELECT f.i, d.pos FROM read_parquet(" + duckDbList(deletes) + ") d JOIN (VALUES "
                + String.join(", ", names) + ") f(name, i) ON regexp_extract(d.file_path, '[^/]+/[^/]+$') = f.name) x"
                + " ON x.i = p.file_index AND x.pos = p.file_row_number";
    }

    /** The last two segments of a part's URI: its name among every part of the view. */
    static String partName(String uri) {
        int last = uri.lastIndexOf('/');
        int folder = last > 0 ? uri.lastIndexOf('/', last - 1) : -1;
        return uri.substring(folder + 1);
    }

    /** {@code ['a', 'b']}: files as a DuckDB list. */
    static String duckDbList(List<String> files) {
        return files.stream().map(ViewSql::literal).collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * DuckDB's tombstones of a current view: {@code _key, _seq, _time} of the keys it deleted, from its Parquet files
     * (none: no tombstones). A key may be in more than one file (deleted, written again, deleted again): the newest
     * sequence number is the one that counts.
     */
    public static String duckDbTombstones(List<String> files) {
        if (files.isEmpty()) {
            return "(SELECT NULL::VARCHAR AS _key, NULL::VARCHAR AS _seq, NULL::TIMESTAMP AS _time WHERE false)";
        }
        return "(SELECT _key, _seq, _time FROM read_parquet(" + duckDbList(files) + "))";
    }

    /**
     * The changes a view applies, by each change's own time: those made at or after {@code since} (older ones are
     * in the snapshot the view is built on) and, for a view as of a time, at or before {@code until}. A change
     * without a time is applied. Both are SQL timestamp literals; {@code until} may be null.
     */
    public static String inWindow(String changes, String since, String until) {
        return "(SELECT * FROM " + changes + " WHERE _time IS NULL OR (_time >= " + since
                + (until == null ? "" : " AND _time <= " + until) + "))";
    }

    /** A time as DuckDB's timestamp literal, to the microsecond. */
    public static String duckDbTime(java.time.Instant time) {
        return "TIMESTAMP '"
                + time.truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                        .toString()
                        .replace("T", " ")
                        .replace("Z", "")
                + "'";
    }

    /**
     * Per key, its winning change among {@code changes} and {@code tombstones}: the latest by sequence number, then by
     * row number (of two deliveries of one change, the later one): {@code _bucket, _key, _seq, _action, _time, _row}.
     * A winner whose action is {@code REMOVE} is a deleted key: no row of the view but its tombstone, which keeps a late
     * or repeated delivery of an older change of the key from bringing it back. Found on narrow columns in one grouping
     * (which spills to disk); the images wait elsewhere, under {@code _row}.
     *
     * @param changes a relation of {@code _bucket, _key, _seq, _action, _time, _row}, already {@link #inWindow}
     * @param tombstones a relation of {@code _key, _seq, _time}: deleted keys, each a REMOVE at row 0
     */
    public static String latest(String changes, String tombstones, int buckets) {
        return "SELECT w._bucket AS _bucket, _key, w._seq AS _seq, w._action AS _action, w._time AS _time,"
                + " w._row AS _row FROM (\n"
                + "  SELECT _key, arg_max({'_bucket': _bucket, '_seq': _seq, '_action': _action, '_time': _time,"
                + " '_row': _row}, {'s': _seq, 'r': _row}) AS w FROM (\n"
                + "    SELECT _bucket, _key, _seq, _action, _time, _row FROM " + changes + " c\n"
                + "    UNION ALL\n"
                + "    SELECT " + bucket("_key", buckets) + ", _key, _seq, 'REMOVE', _time, CAST(0 AS BIGINT) FROM "
                + tombstones + " t\n"
                + "  ) GROUP BY _key\n"
                + ")";
    }

    /**
     * The winners of {@link #latest} less those older than the base's row of their key ({@code base}: a relation of
     * {@code _key, _seq}): a base that has sequence numbers (the current view rebuilt with a wider schema) may hold a
     * change newer than every change the run read of its key.
     */
    public static String notOlderThan(String latest, String base) {
        return "SELECT w.* FROM (" + latest + ") w ANTI JOIN " + base + " b ON b._key = w._key AND b._seq > w._seq";
    }

    /**
     * When a winner of {@link #latest} (alias {@code w}) replaces a row of the base (alias {@code b}, its sequence
     * number {@code seq}; a snapshot's rows have the empty one): the same key, and a change at least as new.
     */
    public static String replaces(String seq) {
        return "w._key = b._key AND w._seq >= " + seq;
    }

    /**
     * Every row of a view built from a base and its winners ({@code winners}, a table of {@link #latest}), ordered by
     * bucket: the base's rows that no winner replaces, then the winners that are not deletes. Columns {@code _bucket,
     * _key, _seq, _item, _row}: a base row's row number is 0; a winner gives only its row number, under which the spill
     * holds its key, sequence number and image.
     *
     * @param base a relation of {@code _key, _seq, _item}
     */
    public static String merge(String base, String winners, int buckets) {
        return "SELECT " + bucket("b._key", buckets)
                + " AS _bucket, b._key, b._seq, b._item, CAST(0 AS BIGINT) AS _row\n"
                + "FROM " + base + " b ANTI JOIN " + winners + " w ON " + replaces("b._seq") + "\n"
                + "UNION ALL\n"
                + "SELECT _bucket, NULL, NULL, NULL, _row FROM " + winners + " WHERE _action <> 'REMOVE'\n"
                + "ORDER BY _bucket";
    }

    /** The columns DuckDB partitions the copied base rows by: an attribute of one of these names refuses the copy. */
    static final Set<String> PARTITION_COLUMNS = Set.of("_bucket", "_slice");

    /**
     * DuckDB's select list (over the alias {@code b}) that gives base rows the view's columns exactly as the project's
     * writer would type them from the rows' JSON, or empty where it cannot: every column is the base's of the same
     * type, JSON text the view holds as text, a number the base holds in a narrower exact type (a long or a decimal of
     * a smaller scale), or an attribute none of the base's items holds (null); a snapshot's rows get the empty sequence
     * number. A text column that holds binary values in the base is not copied: the snapshot's writer wrote those as
     * JSON text (quoted base64), the row's JSON gives them as plain base64 text.
     *
     * @param base the columns every file of the base holds
     * @param discovery what the base's items hold, or null when not known
     * @param refused told why, when the list is empty
     */
    public static Optional<String> copiedColumns(
            SnapshotSchema view,
            List<SnapshotColumn> base,
            SchemaDiscovery discovery,
            boolean baseHasSequence,
            java.util.function.Consumer<String> refused) {
        Map<String, SnapshotColumn> held = new HashMap<>();
        base.forEach(c -> held.put(c.name(), c));
        Set<String> attributes = discovery == null ? null : discovery.attributes();
        List<String> select = new ArrayList<>();
        for (SnapshotColumn c : view.columns()) {
            String name = "\"" + c.name().replace("\"", "\"\"") + "\"";
            SnapshotColumn b = held.get(c.name());
            boolean same = b != null && java.util.Objects.equals(b.attribute(), c.attribute());
            String why = null;
            if (PARTITION_COLUMNS.contains(c.name().toLowerCase(java.util.Locale.ROOT))) {
                why = "the view has a column named " + c.name() + ", as the copy's partitions are";
            } else if (c.name().equals(SnapshotSchema.SEQUENCE) && !baseHasSequence) {
                select.add("'' AS " + name);
            } else if (same && b.type() == c.type() && b.scale() == c.scale()) {
                if (c.type() == ColumnType.STRING
                        && c.attribute() != null
                        && (discovery == null || discovery.holds(c.attribute(), AttributeValue.Type.B))) {
                    why = "column " + c.name() + " is text that may hold binary values in the base";
                } else {
                    select.add("b." + name);
                }
            } else if (same && b.type() == ColumnType.JSON && c.type() == ColumnType.STRING) {
                // A column of sets, lists or maps only (JSON text) that the deltas' plain JSON made text: its values
                // are the same JSON text (a set and a list are both arrays in plain JSON).
                select.add("b." + name);
            } else if (same
                    && c.type() == ColumnType.DECIMAL
                    && (b.type() == ColumnType.INT64 || (b.type() == ColumnType.DECIMAL && b.scale() <= c.scale()))
                    && (b.type() == ColumnType.DECIMAL || c.scale() <= 18)) {
                select.add("CAST(b." + name + " AS " + duckDbType(c) + ") AS " + name);
            } else if (b == null
                    && c.attribute() != null
                    && attributes != null
                    && !attributes.contains(c.attribute())) {
                select.add("NULL::" + duckDbType(c) + " AS " + name);
            } else {
                why = "column " + c.name() + " is " + c.type() + "(" + c.scale() + ") in the view and "
                        + (b == null
                                ? "not in the base" + (attributes == null ? " (its attributes unknown)" : "")
                                : b.type() + "(" + b.scale() + ") in the base");
            }
            if (why != null) {
                refused.accept(why);
                return Optional.empty();
            }
        }
        return Optional.of(String.join(", ", select));
    }

    private static String duckDbType(SnapshotColumn c) {
        return switch (c.type()) {
            case STRING, JSON -> "VARCHAR";
            case INT64 -> "BIGINT";
            case DECIMAL -> "DECIMAL(38, " + c.scale() + ")";
            case DOUBLE -> "DOUBLE";
            case BOOLEAN -> "BOOLEAN";
            case BINARY -> "BLOB";
            case TIMESTAMP -> "TIMESTAMPTZ";
        };
    }

    /**
     * The incremental merge: per key the latest of the new changes, kept only where it is newer than the row or
     * the tombstone the current view holds ({@code current}: {@code _key, _seq}), so a late duplicate of an applied
     * change, or an older change of a deleted key, changes nothing. Rows: {@code _bucket, _key, _seq, _action,
     * _time, _row}; a REMOVE among them deletes its key and becomes its tombstone.
     */
    public static String winningChanges(String changes, String current, int buckets) {
        return "SELECT w._bucket, w._key, w._seq, w._action, w._time, w._row\n"
                + "FROM (" + latest(changes, duckDbTombstones(List.of()), buckets) + ") w\n"
                + "LEFT JOIN " + current + " o ON o._key = w._key\n"
                + "WHERE o._key IS NULL OR w._seq > o._seq";
    }

    // ---- Athena ------------------------------------------------------------------------------------------------

    /** A JSON path to a top-level attribute, as an SQL literal: {@code '$["name"]'}. */
    static String jsonPath(String attribute) {
        String inPath = attribute.replace("\\", "\\\\").replace("\"", "\\\"");
        return literal("$[\"" + inPath + "\"]");
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** A key's text, as {@code item.ItemKeys} writes it, from the envelope's {@code keys} (plain JSON). */
    static String athenaKey(List<String> keyNames, String keys) {
        StringBuilder sb = new StringBuilder("('{'");
        for (int i = 0; i < keyNames.size(); i++) {
            String name = keyNames.get(i);
            String path = jsonPath(name);
            String nameJson = "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\":";
            String scalar = "json_extract_scalar(" + keys + ", " + path + ")";
            String number = "regexp_replace(regexp_replace(regexp_replace(" + scalar
                    + ", '^(-?)0+(?=[0-9])', '$1'), '(\\.[0-9]*?)0+$', '$1'), '\\.$', '')";
            String value = "CASE WHEN substr(json_format(json_extract(" + keys + ", " + path + ")), 1, 1) = '\"'"
                    + " THEN json_format(json_extract(" + keys + ", " + path + "))"
                    + " WHEN " + number + " = '-0' THEN '0' ELSE " + number + " END";
            sb.append(" || ")
                    .append(literal((i == 0 ? "" : ",") + nameJson))
                    .append(" || ")
                    .append(value);
        }
        return sb.append(" || '}')").toString();
    }

    /** The rows of a deltas table that are change envelopes; the others go to dead letters. */
    static String athenaValid() {
        return "(action IN ('INSERT', 'MODIFY', 'REMOVE')"
                + " AND regexp_like(sequenceNumber, '^[0-9]{1," + DeltaLines.SEQUENCE_WIDTH + "}$')"
                + " AND json_extract(keys, '$') IS NOT NULL"
                + " AND (action = 'REMOVE' OR json_extract(object, '$') IS NOT NULL)"
                + " AND (approximateCreationDateTime IS NULL"
                + " OR try(from_iso8601_timestamp(approximateCreationDateTime)) IS NOT NULL))";
    }

    /**
     * The changes of one deltas table as rows of {@code _key, _seq, _action, _time, _item}.
     *
     * @param where more conditions on the rows (which objects to read), or empty
     */
    static String athenaChanges(List<String> keyNames, String deltasTable, String where) {
        return "SELECT " + athenaKey(keyNames, "keys") + " AS _key, lpad(sequenceNumber, "
                + DeltaLines.SEQUENCE_WIDTH + ", '0') AS _seq, action AS _action,"
                + " try(from_iso8601_timestamp(approximateCreationDateTime)) AS _time, object AS _item"
                + " FROM " + deltasTable + " WHERE " + athenaValid()
                // A change from a stream without new images holds only the keys: its deletes apply, nothing else.
                + " AND (action = 'REMOVE' OR coalesce(keysOnly, false) = false)"
                + (where.isEmpty() ? "" : " AND " + where);
    }

    /** The SQL type of a column as Athena writes it. */
    static String athenaType(lake.SnapshotColumn c) {
        return switch (c.type()) {
            case STRING, JSON -> "varchar";
            case INT64 -> "bigint";
            case DECIMAL -> "decimal(38, " + c.scale() + ")";
            case DOUBLE -> "double";
            case BOOLEAN -> "boolean";
            case BINARY -> "varbinary";
            case TIMESTAMP -> "timestamp(3)";
        };
    }

    /**
     * A typed column of a change, from the item's exact text as the project's Parquet writer types it: a value of
     * another JSON type than the column's, or one that does not fit (a number with more decimals than the scale),
     * is null.
     */
    static String athenaTyped(lake.SnapshotColumn c, String item) {
        String path = jsonPath(c.attribute());
        String json = "json_extract(" + item + ", " + path + ")";
        String scalar = "json_extract_scalar(" + item + ", " + path + ")";
        String first = "substr(json_format(" + json + "), 1, 1)";
        String isNumber = "regexp_like(" + first + ", '[-0-9]')";
        return switch (c.type()) {
            case STRING ->
                "CASE WHEN is_json_scalar(" + json + ") THEN " + scalar + " ELSE json_format(" + json + ") END";
            case JSON -> "nullif(json_format(" + json + "), 'null')";
            case INT64 -> "CASE WHEN " + isNumber + " THEN try_cast(" + scalar + " AS bigint) END";
            case DECIMAL ->
                "CASE WHEN " + isNumber + " AND regexp_like(" + scalar + ", '^-?[0-9]+(\\.[0-9]{0," + c.scale()
                        + "})?$') THEN try_cast(" + scalar + " AS decimal(38, " + c.scale() + ")) END";
            case DOUBLE -> "CASE WHEN " + isNumber + " THEN try_cast(" + scalar + " AS double) END";
            case BOOLEAN -> "CASE json_format(" + json + ") WHEN 'true' THEN true WHEN 'false' THEN false END";
            case BINARY -> "CASE WHEN " + first + " = '\"' THEN try(from_base64(" + scalar + ")) END";
            case TIMESTAMP -> "CAST(NULL AS timestamp(3))";
        };
    }

    /** The columns of a current view's tombstones, as the catalog registers them for Athena. */
    public static final lake.SnapshotSchema TOMBSTONES = new lake.SnapshotSchema(List.of(
            new lake.SnapshotColumn(lake.SnapshotSchema.KEY, null, lake.ColumnType.STRING, 0, false),
            new lake.SnapshotColumn(lake.SnapshotSchema.SEQUENCE, null, lake.ColumnType.STRING, 0, false),
            new lake.SnapshotColumn("_time", null, lake.ColumnType.TIMESTAMP, 0, false)));

    /**
     * The merge on Athena: the base's rows, its tombstones and the changes, the latest per key winning, as the
     * columns of {@code schema} in its order. A base row wins a tie with a change of its own sequence number (a late
     * duplicate of the change it came from).
     *
     * @param base the base table (a snapshot's or a current view's parts)
     * @param baseHasSequence false for a snapshot's parts, which have no {@code _seq}
     * @param tombstones the base's tombstones table ({@link #TOMBSTONES}), or null when it has none
     * @param changes a relation of {@code _key, _seq, _action, _time, _item}
     * @param since the oldest change time to apply, as an SQL timestamp: older changes are in the snapshot
     * @param until the latest change time to apply, as an SQL timestamp, or null for every change
     * @param intoIceberg whether the rows go into an Iceberg table (its timestamps have a time zone and microseconds)
     */
    public static String athenaMerge(
            lake.SnapshotSchema schema,
            String base,
            boolean baseHasSequence,
            String tombstones,
            String changes,
            String exportId,
            java.time.Instant exportTime,
            String since,
            String until,
            boolean intoIceberg) {
        List<String> names =
                schema.columns().stream().map(c -> quoted(c.name())).toList();
        return athenaRanked(
                        schema,
                        base,
                        baseHasSequence,
                        tombstones,
                        changes,
                        exportId,
                        exportTime,
                        since,
                        until,
                        intoIceberg)
                + "SELECT " + String.join(", ", names) + " FROM ranked WHERE _rank = 1 AND _action <> 'REMOVE'";
    }

    /**
     * The same merge as Athena's MERGE INTO the current view's Iceberg table, for an incremental run: the latest
     * change of each key (against the tombstones of the keys deleted before) updates, inserts or deletes the key's row
     * when it is newer than the row the table holds; a change the row already holds, or an older one, changes
     * nothing. The table's columns that {@code schema} lacks (an earlier schema's) become null in every row a change
     * rewrites, as the embedded engine writes them.
     *
     * @param table the Iceberg table, as Athena names it ({@code "namespace"."table"})
     * @param tableColumns the names of every column the table has now
     */
    public static String athenaMergeInto(
            String table,
            List<String> tableColumns,
            lake.SnapshotSchema schema,
            String tombstones,
            String changes,
            String exportId,
            java.time.Instant exportTime,
            String since) {
        List<String> names =
                schema.columns().stream().map(c -> quoted(c.name())).toList();
        java.util.Set<String> ours = new java.util.HashSet<>();
        schema.columns().forEach(c -> ours.add(c.name().toLowerCase(java.util.Locale.ROOT)));
        List<String> set = new java.util.ArrayList<>();
        names.forEach(n -> set.add(n + " = s." + n));
        for (String other : tableColumns) {
            if (!ours.contains(other.toLowerCase(java.util.Locale.ROOT))) {
                set.add(quoted(other) + " = NULL");
            }
        }
        String key = quoted(lake.SnapshotSchema.KEY);
        String seq = quoted(lake.SnapshotSchema.SEQUENCE);
        return "MERGE INTO " + table + " t USING (\n"
                + athenaRanked(schema, null, true, tombstones, changes, exportId, exportTime, since, null, true)
                + "SELECT _action, " + String.join(", ", names) + " FROM ranked WHERE _rank = 1 AND _origin = 0\n"
                + ") s ON t." + key + " = s." + key + "\n"
                // A snapshot's row has '' and loses to any change; a row holding this change, or a newer one, stays.
                + "WHEN MATCHED AND s." + seq + " > coalesce(t." + seq + ", '') AND s._action = 'REMOVE' THEN DELETE\n"
                + "WHEN MATCHED AND s." + seq + " > coalesce(t." + seq + ", '') THEN UPDATE SET "
                + String.join(", ", set) + "\n"
                + "WHEN NOT MATCHED AND s._action <> 'REMOVE' THEN INSERT (" + String.join(", ", names) + ") VALUES ("
                + String.join(", ", names.stream().map(n -> "s." + n).toList()) + ")";
    }

    /** Athena's INSERT INTO a table of the merge's rows, the schema's columns named (the table's others stay null). */
    public static String athenaInsert(String table, lake.SnapshotSchema schema, String select) {
        return "INSERT INTO " + table + " ("
                + String.join(
                        ", ",
                        schema.columns().stream().map(c -> quoted(c.name())).toList())
                + ")\n" + select;
    }

    /** The same merge's deleted keys: {@code _key, _seq, _time} of every key whose winner is a REMOVE. */
    public static String athenaTombstones(
            lake.SnapshotSchema schema,
            String base,
            boolean baseHasSequence,
            String tombstones,
            String changes,
            String exportId,
            java.time.Instant exportTime,
            String since) {
        return athenaRanked(
                        schema, base, baseHasSequence, tombstones, changes, exportId, exportTime, since, null, false)
                + "SELECT \"_key\", \"_seq\", _time FROM ranked WHERE _rank = 1 AND _action = 'REMOVE'";
    }

    private static String athenaRanked(
            lake.SnapshotSchema schema,
            String base,
            boolean baseHasSequence,
            String tombstones,
            String changes,
            String exportId,
            java.time.Instant exportTime,
            String since,
            String until,
            boolean intoIceberg) {
        List<String> baseCols = new java.util.ArrayList<>();
        List<String> tombstoneCols = new java.util.ArrayList<>();
        List<String> changeCols = new java.util.ArrayList<>();
        for (lake.SnapshotColumn c : schema.columns()) {
            String name = quoted(c.name());
            String change = switch (c.name()) {
                case lake.SnapshotSchema.KEY -> "_key";
                case lake.SnapshotSchema.SEQUENCE -> "_seq";
                case lake.SnapshotSchema.ITEM -> "_item";
                case lake.SnapshotSchema.EXPORT_ID -> literal(exportId);
                case lake.SnapshotSchema.EXPORT_TIME ->
                    "TIMESTAMP "
                            + literal(exportTime
                                    .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                                    .toString()
                                    .replace("T", " ")
                                    .replace("Z", ""));
                default -> athenaTyped(c, "_item");
            };
            String fromBase = c.name().equals(lake.SnapshotSchema.SEQUENCE) && !baseHasSequence ? "''" : name;
            String type = athenaType(c);
            if (intoIceberg && c.type() == lake.ColumnType.TIMESTAMP) {
                // into an Iceberg table: Iceberg's timestamp with time zone (the export time has milliseconds)
                type = "timestamp(6) with time zone";
                if (c.name().equals(lake.SnapshotSchema.EXPORT_TIME)) {
                    change = "from_iso8601_timestamp(" + literal(exportTime.toString()) + ")";
                }
            }
            baseCols.add("CAST(" + fromBase + " AS " + type + ") AS " + name);
            tombstoneCols.add(
                    c.name().equals(lake.SnapshotSchema.KEY) || c.name().equals(lake.SnapshotSchema.SEQUENCE)
                            ? name
                            : "CAST(NULL AS " + type + ") AS " + name);
            changeCols.add("CAST(" + change + " AS " + type + ") AS " + name);
        }
        String changeFilter =
                " WHERE _time IS NULL OR (_time >= " + since + (until == null ? "" : " AND _time <= " + until) + ")";
        List<String> olds = new java.util.ArrayList<>();
        if (base != null) {
            olds.add("  SELECT 1 AS _origin, 'BASE' AS _action, CAST(NULL AS timestamp(3)) AS _time, "
                    + String.join(", ", baseCols) + " FROM " + base);
        }
        if (tombstones != null) {
            olds.add("  SELECT 1 AS _origin, 'REMOVE' AS _action, _time, " + String.join(", ", tombstoneCols) + " FROM "
                    + tombstones);
        }
        return "WITH changes AS (\n  " + changes.replace("\n", "\n  ") + "\n), all_rows AS (\n"
                + olds.stream().map(o -> o + "\n  UNION ALL\n").collect(Collectors.joining())
                + "  SELECT 0 AS _origin, _action, CAST(_time AS timestamp(3)) AS _time, "
                + String.join(", ", changeCols) + " FROM changes" + changeFilter
                + "\n), ranked AS (\n"
                + "  SELECT *, row_number() OVER (PARTITION BY \"_key\" ORDER BY \"_seq\" DESC, _origin DESC) AS _rank"
                + " FROM all_rows\n)\n";
    }

    /** Athena's CREATE TABLE AS, writing Parquet to a folder of the lake. */
    public static String athenaCreateTableAs(String table, String location, String codec, String select) {
        return "CREATE TABLE " + table + " WITH (format = 'PARQUET', write_compression = " + literal(codec)
                + ", external_location = " + literal(location) + ") AS\n" + select;
    }

    /** A column name as Athena's SQL quotes it. */
    static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
