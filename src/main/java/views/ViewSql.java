package views;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one merge both engines run: the rows of a base (a snapshot or a current view) and the changes after it, the
 * latest per key winning. Every engine difference is named here and nowhere else:
 *
 * <ul>
 *   <li>the bucket of a key: the first 32 bits of the MD5 of {@code _key}, modulo the bucket count. DuckDB writes
 *       {@code CAST(('0x' || substr(md5(_key), 1, 8)) AS UBIGINT)}, Athena
 *       {@code from_base(substr(to_hex(md5(to_utf8(_key))), 1, 8), 16)};
 *   <li>where the base rows come from: DuckDB reads the Parquet files ({@code read_parquet([...])}), Athena the
 *       catalog's table;
 *   <li>neither engine parses the item JSON: DuckDB's and Athena's JSON functions read decimals as doubles. The
 *       changes arrive as rows with the item's exact text, and typed columns are written from that text by the
 *       project's own Parquet writer (DuckDB) or left to the catalog's item column (Athena).
 * </ul>
 *
 * Ordering: {@code _seq} is the sequence number zero-padded to one width, so text order is number order; a
 * snapshot row has {@code ''} and loses to any change of its key. At the same sequence number (a duplicate
 * delivery) the rows are the same change, and any one of them is kept.
 */
public final class ViewSql {
    public enum Engine {
        DUCKDB,
        ATHENA
    }

    private ViewSql() {}

    public static String bucket(Engine engine, String keyColumn, int buckets) {
        return switch (engine) {
            case DUCKDB ->
                "CAST(CAST(('0x' || substr(md5(" + keyColumn + "), 1, 8)) AS UBIGINT) % " + buckets + " AS INTEGER)";
            case ATHENA ->
                "CAST(from_base(substr(to_hex(md5(to_utf8(" + keyColumn + "))), 1, 8), 16) % " + buckets
                        + " AS INTEGER)";
        };
    }

    /** DuckDB's source of base rows: Parquet files; {@code hasSequence} is false for a snapshot's parts. */
    public static String duckDbBase(List<String> files, boolean hasSequence) {
        if (files.isEmpty()) {
            return "(SELECT NULL::VARCHAR AS _key, NULL::VARCHAR AS _seq, NULL::VARCHAR AS _item WHERE false)";
        }
        String list =
                files.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(", ", "[", "]"));
        return "(SELECT _key, " + (hasSequence ? "_seq" : "'' AS _seq") + ", _item FROM read_parquet(" + list + "))";
    }

    /** The text that orders a key's rows: the padded sequence number, then the row number (0 for a base row). */
    static String pick(String alias) {
        return alias + "_seq || lpad(CAST(" + alias + "_row AS VARCHAR), 19, '0')";
    }

    /**
     * The winning rows, one per key that still exists: {@code _bucket, _key, _seq, _item}, ordered by bucket.
     *
     * <p>The winner of each key is found on narrow columns (key, sequence, row number: a grouping that spills to
     * disk), then the rows are joined to it; ranking the wide rows with a window would need them all in memory.
     *
     * @param base a relation of {@code _key, _seq, _item}
     * @param changes a relation of {@code _key, _seq, _action, _time, _item, _row}
     * @param until the latest change time to apply, as an SQL timestamp literal, or null for every change
     */
    public static String merge(Engine engine, String base, String changes, int buckets, String until) {
        String changeFilter = until == null ? "" : " WHERE _time IS NULL OR _time <= " + until;
        return "WITH all_rows AS (\n"
                + "  SELECT _key, _seq, 'BASE' AS _action, _item, CAST(0 AS BIGINT) AS _row FROM " + base + " b\n"
                + "  UNION ALL\n"
                + "  SELECT _key, _seq, _action, _item, _row FROM " + changes + " c" + changeFilter + "\n"
                + "), picked AS (\n"
                + "  SELECT _key, max(" + pick("") + ") AS _pick FROM all_rows GROUP BY _key\n"
                + ")\n"
                + "SELECT " + bucket(engine, "r._key", buckets) + " AS _bucket, r._key, r._seq, r._item\n"
                + "FROM all_rows r JOIN picked p ON p._key = r._key AND p._pick = " + pick("r.") + "\n"
                + "WHERE r._action <> 'REMOVE'\n"
                + "ORDER BY _bucket";
    }

    /**
     * The incremental merge: per key the latest of the new changes, kept only where it is newer than the row the
     * current view holds ({@code current}: {@code _key, _seq}), so a late duplicate of an applied change changes
     * nothing. Rows: {@code _bucket, _key, _seq, _action, _item}; a REMOVE among them deletes its key.
     */
    public static String winningChanges(Engine engine, String changes, String current, int buckets) {
        return "WITH picked AS (SELECT _key, max(" + pick("") + ") AS _pick FROM " + changes + " GROUP BY _key)\n"
                + "SELECT " + bucket(engine, "w._key", buckets) + " AS _bucket, w._key, w._seq, w._action, w._item\n"
                + "FROM " + changes + " w JOIN picked p ON p._key = w._key AND p._pick = " + pick("w.") + "\n"
                + "LEFT JOIN " + current + " o ON o._key = w._key\n"
                + "WHERE o._key IS NULL OR w._seq > o._seq";
    }
}
