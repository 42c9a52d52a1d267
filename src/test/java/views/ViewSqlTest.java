package views;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import lake.ColumnType;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import org.junit.jupiter.api.Test;

/** Which base rows a full build may copy with their typed columns, and how. */
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

    private static Optional<String> copied(SnapshotSchema view, SnapshotSchema base, Set<String> attributes) {
        return ViewSql.copiedColumns(view, base.columns(), attributes, false, why -> {});
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
        assertThat(ViewSql.copiedColumns(view, base.columns(), Set.of("status", "reason"), false, why::add))
                .as("the base's items hold it, but it has no column there (beyond the typed columns' limit)")
                .isEmpty();
        assertThat(ViewSql.copiedColumns(view, base.columns(), null, false, why::add))
                .as("what the base's items hold is not known")
                .isEmpty();
        assertThat(why).hasSize(2).allMatch(w -> w.startsWith("column reason is STRING(0) in the view and not in"));
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
}
