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

    /**
     * The winning rows, one per key that still exists: {@code _bucket, _key, _seq, _item}, ordered by bucket.
     *
     * @param base a relation of {@code _key, _seq, _item}
     * @param changes a relation of {@code _key, _seq, _action, _time, _item}
     * @param until the latest change time to apply, as an SQL timestamp literal, or null for every change
     */
    public static String merge(Engine engine, String base, String changes, int buckets, String until) {
        String changeFilter = until == null ? "" : " WHERE _time IS NULL OR _time <= " + until;
        return "SELECT _bucket, _key, _seq, _item FROM (\n"
                + "  SELECT *, row_number() OVER (PARTITION BY _key ORDER BY _seq DESC, _from_change DESC) AS _rank\n"
                + "  FROM (\n"
                + "    SELECT " + bucket(engine, "_key", buckets) + " AS _bucket, _key, _seq, 'BASE' AS _action, _item,"
                + " 0 AS _from_change FROM " + base + " b\n"
                + "    UNION ALL\n"
                + "    SELECT " + bucket(engine, "_key", buckets) + " AS _bucket, _key, _seq, _action, _item,"
                + " 1 AS _from_change FROM " + changes + " c" + changeFilter + "\n"
                + "  ) all_rows\n"
                + ") ranked\n"
                + "WHERE _rank = 1 AND _action <> 'REMOVE'\n"
                + "ORDER BY _bucket";
    }
}
