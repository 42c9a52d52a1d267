package lake;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.TableInput;

/**
 * Registers parts of the lake as plain tables in the Glue Data Catalog, in the database named by
 * {@code glue.database}: the deltas as {@code <table>_deltas} (JSON Lines, what Athena reads the changes with) and the
 * Parquet folders a view built by Athena reads and writes. The snapshot and the current view are Iceberg tables of
 * the lake's catalog ({@code lake.catalog.*}), not registered here.
 */
public final class GlueTables {
    private static final Logger LOG = LoggerFactory.getLogger(GlueTables.class);

    private final GlueClient glue;
    private final String database;
    private final String tableName;

    /** @param sourceTable the DynamoDB table; its tables here are named {@code <table>_…} in SQL's spelling */
    public GlueTables(GlueClient glue, String database, String sourceTable) {
        this.glue = glue;
        this.database = database;
        this.tableName = lake.IcebergTable.sqlName(sourceTable);
    }

    /** Creates or moves the Parquet table {@code name} over {@code location}. */
    public void registerTable(String name, SnapshotSchema schema, String location, String id) {
        upsert(tableInput(name, schema, location, id), location);
    }

    private void upsert(TableInput input, String location) {
        try {
            glue.createTable(b -> b.databaseName(database).tableInput(input));
            LOG.info("Created Glue table {}.{} over {}", database, input.name(), location);
        } catch (AlreadyExistsException e) {
            glue.updateTable(b -> b.databaseName(database).tableInput(input));
            LOG.info("Moved Glue table {}.{} to {}", database, input.name(), location);
        }
    }

    TableInput tableInput(String name, SnapshotSchema schema, String location, String id) {
        return TableInput.builder()
                .name(name)
                .description("dynamo-lake " + id + " (schema " + schema.version() + ")")
                .tableType("EXTERNAL_TABLE")
                .parameters(Map.of(
                        "classification",
                        "parquet",
                        "parquet.compression",
                        "ZSTD",
                        "dynamo-lake.id",
                        id,
                        "dynamo-lake.schema-version",
                        schema.version()))
                .storageDescriptor(sd -> sd.location(location)
                        .columns(schema.columns().stream()
                                .map(GlueTables::column)
                                .toList())
                        .inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
                        .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
                        .serdeInfo(s ->
                                s.serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")))
                .build();
    }

    /**
     * Registers the deltas as {@code <table>_deltas}: one row per change, over the delta objects (JSON Lines) with the
     * OpenX JSON SerDe, the images as JSON text; the same table as {@code _catalog/deltas.sql}. Creating it again
     * changes nothing.
     */
    public void registerDeltas(String location) {
        registerDeltas(deltasTableName(), location);
    }

    /** Creates or moves a deltas table, {@code name}, over {@code location}. */
    public void registerDeltas(String name, String location) {
        upsert(deltasInput(name, location), location);
    }

    /** {@code <table>_deltas}. */
    public String deltasTableName() {
        return tableName + "_deltas";
    }

    TableInput deltasInput(String location) {
        return deltasInput(deltasTableName(), location);
    }

    private TableInput deltasInput(String name, String location) {
        List<Column> columns = List.of(
                text("action"),
                text("sequenceNumber"),
                text("object"),
                text("keys"),
                text("oldObject"),
                text("approximateCreationDateTime"),
                text("eventId"),
                text("table"),
                text("shardId"),
                Column.builder().name("ttlExpired").type("boolean").build(),
                Column.builder().name("keysOnly").type("boolean").build());
        return TableInput.builder()
                .name(name)
                .description("dynamo-lake deltas: every change from the stream, one row each")
                .tableType("EXTERNAL_TABLE")
                .parameters(Map.of("classification", "json"))
                .storageDescriptor(sd -> sd.location(location)
                        .columns(columns)
                        .inputFormat("org.apache.hadoop.mapred.TextInputFormat")
                        .outputFormat("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
                        // A line that is not JSON reads as a row of nulls instead of failing every query; the views
                        // send such rows to dead letters.
                        .serdeInfo(s -> s.serializationLibrary("org.openx.data.jsonserde.JsonSerDe")
                                .parameters(Map.of("ignore.malformed.json", "true"))))
                .build();
    }

    private static Column text(String name) {
        return Column.builder().name(name).type("string").build();
    }

    private static Column column(SnapshotColumn c) {
        return Column.builder().name(c.name()).type(c.athenaType()).build();
    }
}
