package lake;

import java.util.Objects;

/**
 * One column of a snapshot's Parquet files.
 *
 * @param attribute the top-level attribute it holds, or null for the item JSON and export columns
 * @param scale the DECIMAL scale (0 for other types)
 */
public record SnapshotColumn(String name, String attribute, ColumnType type, int scale, boolean key) {
    public SnapshotColumn {
        Objects.requireNonNull(name, "name == null");
        Objects.requireNonNull(type, "type == null");
        if (scale < 0 || scale > 38) {
            throw new IllegalArgumentException("scale must be 0 to 38, was " + scale);
        }
    }

    /** The column's type in Athena/Glue DDL. */
    public String athenaType() {
        return type == ColumnType.DECIMAL ? "decimal(38," + scale + ")" : type.athenaName();
    }
}
