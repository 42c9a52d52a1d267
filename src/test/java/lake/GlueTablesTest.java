package lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Glue tables the lake registers: what Athena reads folders with. (No Glue here: the input it sends.) */
class GlueTablesTest {
    private static final SnapshotSchema SCHEMA = new SnapshotSchema(List.of(
            new SnapshotColumn("customerId", "customerId", ColumnType.STRING, 0, true),
            new SnapshotColumn("total", "total", ColumnType.DECIMAL, 2, false),
            new SnapshotColumn("_item", null, ColumnType.JSON, 0, false),
            new SnapshotColumn("_export_time", null, ColumnType.TIMESTAMP, 0, false)));

    @Test
    void aParquetFolderIsATableOfTheSchemasColumns() {
        var input = new GlueTables(null, "lake", "demo-orders")
                .tableInput(
                        "demo_orders_view_base",
                        SCHEMA,
                        "s3://dynamo-lake/tables/demo-orders/current/00000007/",
                        "version 7");
        assertThat(input.name()).isEqualTo("demo_orders_view_base");
        assertThat(input.storageDescriptor().location())
                .isEqualTo("s3://dynamo-lake/tables/demo-orders/current/00000007/");
        assertThat(input.storageDescriptor().columns())
                .extracting(c -> c.name() + " " + c.type())
                .containsExactly("customerId string", "total decimal(38,2)", "_item string", "_export_time timestamp");
        assertThat(input.parameters()).containsEntry("dynamo-lake.id", "version 7");
        assertThat(input.storageDescriptor().serdeInfo().serializationLibrary())
                .isEqualTo("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe");
    }

    @Test
    void tablesAreNamedInSqlsSpelling() {
        assertThat(new GlueTables(null, "lake", "Orders.2026").deltasTableName())
                .isEqualTo("orders_2026_deltas");
    }

    @Test
    void theDeltasAreATableOfJsonLines() {
        var input =
                new GlueTables(null, "lake", "demo-orders").deltasInput("s3://dynamo-lake/tables/demo-orders/deltas/");
        assertThat(input.name()).isEqualTo("demo_orders_deltas");
        assertThat(input.storageDescriptor().location()).isEqualTo("s3://dynamo-lake/tables/demo-orders/deltas/");
        assertThat(input.storageDescriptor().columns())
                .extracting(c -> c.name())
                .startsWith("action", "sequenceNumber", "object", "keys")
                .contains("approximateCreationDateTime", "ttlExpired");
        assertThat(input.storageDescriptor().serdeInfo().serializationLibrary())
                .isEqualTo("org.openx.data.jsonserde.JsonSerDe");
    }
}
