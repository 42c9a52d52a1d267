package lake;

/**
 * The Parquet type of a snapshot column, chosen by schema discovery. Numbers become INT64 or DECIMAL(38, s) when every
 * value fits exactly, DOUBLE otherwise; the exact text of every number stays in the item JSON column.
 */
public enum ColumnType {
    /** UTF-8 text; also the column of an attribute whose type differs between items (the value's text or JSON). */
    STRING("string"),
    /** Whole numbers that fit in 64 bits. */
    INT64("bigint"),
    /** Decimal numbers with at most 38 digits, scale from discovery. */
    DECIMAL("decimal"),
    /** Numbers that fit neither of the above, as the nearest double: a convenience, not the exact value. */
    DOUBLE("double"),
    BOOLEAN("boolean"),
    BINARY("binary"),
    /** Sets, lists, maps and NULL-only attributes, as plain JSON text. */
    JSON("string"),
    /** Milliseconds since the epoch, UTC. */
    TIMESTAMP("timestamp");

    private final String athena;

    ColumnType(String athena) {
        this.athena = athena;
    }

    /** The type's name in Athena/Glue DDL (DECIMAL needs its precision and scale added). */
    public String athenaName() {
        return athena;
    }
}
