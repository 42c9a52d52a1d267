package views;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import lake.ColumnType;
import lake.SchemaDiscovery;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Which rows win a build, and which base rows a full build may copy with their typed columns, and how. */
class ViewSqlTest {
    private static SnapshotColumn column(String name, ColumnType type, int scale) {
        return new SnapshotColumn(name, name, type, scale, false);
    }

    private static SnapshotSchema schema(SnapshotColumn... columns) {
        List<SnapshotColumn> all = new ArrayList<>(List.of(columns));
        all.add(new SnapshotColumn(SnapshotSchema.ITEM, null, ColumnType.JSON, 0, false));
        all.add(new SnapshotColumn(SnapshotSchema.KEY, null, ColumnType.STRING, 0, false));
        return new SnapshotSchema(all);
    }

    /** What the base's items hold: each attribute once, as a string, or as the type given after it. */
    private static SchemaDiscovery holding(Set<String> attributes, Object... typed) {
        SchemaDiscovery d = new SchemaDiscovery();
        List<SchemaDiscovery.Value> item = new ArrayList<>();
        attributes.forEach(a -> item.add(new SchemaDiscovery.Value(a, AttributeValue.Type.S, "x")));
        for (int i = 0; i < typed.length; i += 2) {
            item.add(new SchemaDiscovery.Value((String) typed[i], (AttributeValue.Type) typed[i + 1], null));
        }
        d.observe(item);
        return d;
    }

    private static Optional<String> copied(SnapshotSchema view, SnapshotSchema base, Set<String> attributes) {
        return ViewSql.copiedColumns(view, base.columns(), holding(attributes), false, why -> {});
    }

    @Test
    void theLatestChangeOfAKeyWinsAndReplacesTheBaseRowsOfItsKeyAndNoNewerOne() throws Exception {
        String changes = "(SELECT iceberg_bucket(_key, 4) AS _bucket, * FROM (VALUES"
                + " ('k1', '05', 'MODIFY', NULL::TIMESTAMP, 10::BIGINT)," // the same change delivered twice:
                + " ('k1', '05', 'MODIFY', NULL, 20)," //                      the later delivery wins
                + " ('k2', '03', 'MODIFY', NULL, 30),"
                + " ('k2', '07', 'REMOVE', NULL, 40)," // deleted after its update
                + " ('k3', '04', 'MODIFY', NULL, 50)," // older than the base's row of k3
                + " ('k4', '06', 'MODIFY', NULL, 60)," // the change the base's row of k4 came from
                + " ('k5', '02', 'MODIFY', NULL, 70)" //  older than k5's tombstone
                + ") c(_key, _seq, _action, _time, _row))";
        String tombstones = "(SELECT * FROM (VALUES ('k5', '08', NULL::TIMESTAMP)) t(_key, _seq, _time))";
        String base = "(SELECT * FROM (VALUES ('k3', '09', '{\"v\":3}'), ('k4', '06', '{\"v\":4}'),"
                + " ('k6', '01', '{\"v\":6}')) b(_key, _seq, _item))";
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement st = db.createStatement()) {
            ViewSql.registerBucketFunction(db);
            st.execute("CREATE TABLE winners AS "
                    + ViewSql.notOlderThan(
                            ViewSql.latest(changes, tombstones, 4), "(SELECT _key, _seq FROM " + base + ")"));
            List<String> winners = new ArrayList<>();
            try (java.sql.ResultSet rs =
                    st.executeQuery("SELECT _key, _seq, _action, _row FROM winners ORDER BY _key")) {
                while (rs.next()) {
                    winners.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getLong(4));
                }
            }
            assertThat(winners)
                    .containsExactly("k1 05 MODIFY 20", "k2 07 REMOVE 40", "k4 06 MODIFY 60", "k5 08 REMOVE 0");
            List<String> rows = new ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery("SELECT m._bucket, coalesce(m._key, w._key), m._seq, m._item,"
                    + " m._row FROM (" + ViewSql.merge(base, "winners", 4) + ") m LEFT JOIN winners w"
                    + " ON m._row > 0 AND w._row = m._row")) {
                while (rs.next()) {
                    assertThat(rs.getInt(1)).isEqualTo(ViewSql.icebergBucket(rs.getString(2), 4));
                    rows.add(rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " " + rs.getLong(5));
                }
            }
            // One row per key: a change by its row number (its key and text wait in the spill), a base row whole.
            assertThat(rows)
                    .containsExactlyInAnyOrder(
                            "k1 null null 20", "k3 09 {\"v\":3} 0", "k4 null null 60", "k6 01 {\"v\":6} 0");
        }
    }

    @Test
    void columnsOfTheSameTypeAreCopiedAndASnapshotsRowsGetTheEmptySequenceNumber() {
        SnapshotSchema base = schema(column("status", ColumnType.STRING, 0), column("total", ColumnType.DECIMAL, 2));
        assertThat(copied(base.withSequence(), base, Set.of("status", "total")))
                .contains("b.\"status\", b.\"total\", b.\"_item\", b.\"_key\", '' AS \"_seq\"");
    }

    @Test
    void numbersWidenedExactlyAreCastAndSetsTheChangesMadeTextKeepTheirJson() {
        SnapshotSchema base = schema(
                column("qty", ColumnType.INT64, 0),
                column("total", ColumnType.DECIMAL, 1),
                column("tags", ColumnType.JSON, 0));
        SnapshotSchema view = schema(
                column("qty", ColumnType.DECIMAL, 2),
                column("total", ColumnType.DECIMAL, 3),
                column("tags", ColumnType.STRING, 0));
        assertThat(copied(view, base, Set.of("qty", "total", "tags")))
                .contains("CAST(b.\"qty\" AS DECIMAL(38, 2)) AS \"qty\", CAST(b.\"total\" AS DECIMAL(38, 3)) AS"
                        + " \"total\", b.\"tags\", b.\"_item\", b.\"_key\"");
    }

    @Test
    void anAttributeNoBaseItemHoldsIsNullButOneItMayHoldIsNotGuessed() {
        SnapshotSchema base = schema(column("status", ColumnType.STRING, 0));
        SnapshotSchema view = schema(column("status", ColumnType.STRING, 0), column("reason", ColumnType.STRING, 0));
        assertThat(copied(view, base, Set.of("status")))
                .contains("b.\"status\", NULL::VARCHAR AS \"reason\"," + " b.\"_item\", b.\"_key\"");
        List<String> why = new ArrayList<>();
        assertThat(ViewSql.copiedColumns(view, base.columns(), holding(Set.of("status", "reason")), false, why::add))
                .as("the base's items hold it, but it has no column there (beyond the typed columns' limit)")
                .isEmpty();
        assertThat(ViewSql.copiedColumns(view, base.columns(), null, false, why::add))
                .as("what the base's items hold is not known")
                .isEmpty();
        assertThat(why)
                .containsExactly(
                        "column reason is STRING(0) in the view and not in the base",
                        "column status is text that may hold binary values in the base");
    }

    @Test
    void textThatHoldsBinaryValuesOrAColumnNamedAsAPartitionIsTypedFromTheJson() {
        SnapshotSchema base = schema(column("sig", ColumnType.STRING, 0));
        List<String> why = new ArrayList<>();
        // The snapshot's writer wrote a binary value of a text column as quoted base64; its JSON holds it bare.
        assertThat(ViewSql.copiedColumns(
                        base, base.columns(), holding(Set.of("sig"), "sig", AttributeValue.Type.B), false, why::add))
                .isEmpty();
        assertThat(copied(base, base, Set.of("sig"))).isPresent();
        SnapshotSchema clash = schema(column("_Bucket", ColumnType.STRING, 0));
        assertThat(ViewSql.copiedColumns(clash, clash.columns(), holding(Set.of("_Bucket")), false, why::add))
                .isEmpty();
        assertThat(why)
                .containsExactly(
                        "column sig is text that may hold binary values in the base",
                        "the view has a column named _Bucket, as the copy's partitions are");
    }

    @Test
    void aTypeTheBaseCannotBeCastToExactlyIsTypedFromTheJson() {
        SnapshotSchema view = schema(column("n", ColumnType.STRING, 0));
        assertThat(copied(view, schema(column("n", ColumnType.INT64, 0)), Set.of("n")))
                .as("a number as text is its exact text, which the base's long has lost")
                .isEmpty();
        assertThat(copied(
                        schema(column("n", ColumnType.DECIMAL, 1)),
                        schema(column("n", ColumnType.DECIMAL, 2)),
                        Set.of("n")))
                .as("a narrower scale")
                .isEmpty();
        assertThat(copied(
                        schema(column("n", ColumnType.DOUBLE, 0)),
                        schema(column("n", ColumnType.DECIMAL, 2)),
                        Set.of("n")))
                .as("a double is no exact cast of a decimal")
                .isEmpty();
    }

    @Test
    void aVersionsRowsAreItsPartsLessTheRowsItsPositionDeletesNameWhereverThePartsAreRead(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // Two parts of the same name in two versions' folders, read from local copies named otherwise.
        String v1 = "s3://lake/tables/t/current/00000001-aa/part-00003.parquet";
        String v2 = "s3://lake/tables/t/current/00000002-bb/part-00003.parquet";
        String local1 = dir.resolve("copy-1.parquet").toString();
        String local2 = dir.resolve("copy-2.parquet").toString();
        String deletes = dir.resolve("deletes.parquet").toString();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement st = db.createStatement()) {
            st.execute("COPY (SELECT 'a' || range AS _key FROM range(4)) TO '" + local1 + "'");
            st.execute("COPY (SELECT 'b' || range AS _key FROM range(3)) TO '" + local2 + "'");
            // Rows 1 and 3 of version 1's part, row 0 of version 2's; and a row of a part this version does not name.
            st.execute("COPY (SELECT * FROM (VALUES ('" + v1 + "', 1::BIGINT), ('" + v1 + "', 3::BIGINT), ('" + v2
                    + "', 0::BIGINT), ('s3://lake/tables/t/current/00000000-cc/part-00003.parquet', 2::BIGINT))"
                    + " d(file_path, pos)) TO '" + deletes + "'");
            List<String> keys = new ArrayList<>();
            try (java.sql.ResultSet rs =
                    st.executeQuery(ViewSql.liveRows(List.of(local1, local2), List.of(v1, v2), List.of(deletes), "p.*")
                            + " ORDER BY _key")) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
            assertThat(keys).containsExactly("a0", "a2", "b1", "b2");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM ("
                    + ViewSql.liveRows(List.of(local1), List.of(v1), List.of(), "p.*") + ")")) {
                rs.next();
                assertThat(rs.getLong(1)).as("no delete file: every row").isEqualTo(4);
            }
        }
    }
}
