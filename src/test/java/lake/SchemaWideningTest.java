package lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Views widen the snapshot's schema by what the deltas bring, and never narrow it. */
class SchemaWideningTest {
    private static SnapshotColumn column(SnapshotSchema s, String name) {
        return s.columns().stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void keepsTheColumnsInOrderWidensTypesAndAppendsNewAttributes() {
        SchemaDiscovery snapshot = new SchemaDiscovery();
        snapshot.observe(Map.of(
                "id", AttributeValue.fromS("a"),
                "qty", AttributeValue.fromN("3"),
                "price", AttributeValue.fromN("1.5"),
                "flag", AttributeValue.fromBool(true)));
        SnapshotSchema before = snapshot.schema(List.of("id"), 10).withSequence();

        SchemaDiscovery merged = SchemaDiscovery.fromJson(snapshot.toJson());
        merged.observe(Map.of(
                "id", AttributeValue.fromS("b"),
                "qty", AttributeValue.fromN("3.25"),
                "flag", AttributeValue.fromS("yes"),
                "added", AttributeValue.fromS("new")));
        SnapshotSchema after = merged.widen(before, 10);

        assertThat(after.columns())
                .extracting(SnapshotColumn::name)
                .containsExactly(
                        "id", "flag", "price", "qty", "added", "_item", "_key", "_seq", "_export_id", "_export_time");
        assertThat(column(after, "qty").type()).isEqualTo(ColumnType.DECIMAL);
        assertThat(column(after, "qty").scale()).isEqualTo(2);
        assertThat(column(after, "flag").type()).isEqualTo(ColumnType.STRING);
        assertThat(column(after, "price")).isEqualTo(column(before, "price"));
        assertThat(column(after, "id").key()).isTrue();
        assertThat(after.version()).isNotEqualTo(before.version());
        assertThat(merged.widen(after, 10)).as("widening again changes nothing").isEqualTo(after);
    }

    @Test
    void neverNarrowsAColumnEvenWhenTheDeltasAloneWouldFitANarrowerType() {
        SnapshotSchema before = new SnapshotSchema(List.of(
                new SnapshotColumn("id", "id", ColumnType.STRING, 0, true),
                new SnapshotColumn("amount", "amount", ColumnType.DECIMAL, 4, false),
                new SnapshotColumn("_item", null, ColumnType.JSON, 0, false)));
        SchemaDiscovery deltas = new SchemaDiscovery();
        deltas.observe(Map.of("id", AttributeValue.fromS("x"), "amount", AttributeValue.fromN("7")));
        assertThat(column(deltas.widen(before, 10), "amount")).isEqualTo(column(before, "amount"));
    }

    @Test
    void stopsAddingTypedColumnsAtTheLimit() {
        SnapshotSchema before = new SnapshotSchema(List.of(
                new SnapshotColumn("id", "id", ColumnType.STRING, 0, true),
                new SnapshotColumn("a", "a", ColumnType.STRING, 0, false),
                new SnapshotColumn("_item", null, ColumnType.JSON, 0, false)));
        SchemaDiscovery deltas = new SchemaDiscovery();
        deltas.observe(Map.of("id", AttributeValue.fromS("x"), "b", AttributeValue.fromS("y")));
        assertThat(deltas.widen(before, 1).columns())
                .extracting(SnapshotColumn::name)
                .containsExactly("id", "a", "_item");
        assertThat(deltas.widen(before, 2).columns())
                .extracting(SnapshotColumn::name)
                .containsExactly("id", "a", "b", "_item");
    }

    @Test
    void anAttributeNamedAsDuckDbsRowPositionColumnsStaysInTheItemJson() {
        // DuckDB's read_parquet gives every row file_index and file_row_number; the current view's position deletes
        // are applied with them, and a column of either name, in any case, would hide them.
        SchemaDiscovery items = new SchemaDiscovery();
        items.observe(Map.of(
                "id", AttributeValue.fromS("a"),
                "File_Row_Number", AttributeValue.fromN("3"),
                "file_index", AttributeValue.fromS("x"),
                "filename", AttributeValue.fromS("invoice.pdf")));
        SnapshotSchema schema = items.schema(List.of("id"), 10);
        assertThat(schema.columns())
                .extracting(SnapshotColumn::name)
                .containsExactly("id", "filename", "_item", "_key", "_export_id", "_export_time");
        assertThat(items.widen(schema.withSequence(), 10).columns())
                .extracting(SnapshotColumn::name)
                .doesNotContain("File_Row_Number", "file_index");
    }
}
