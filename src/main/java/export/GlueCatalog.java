package export;

import java.util.Map;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.Column;
import software.amazon.awssdk.services.glue.model.TableInput;

/**
 * Registers the published snapshot as a table in the Glue Data Catalog ({@code <table>_snapshot} in the database
 * named by {@code glue.database}), pointing at the snapshot's Parquet folder: what a Glue crawler would create,
 * without the crawler. Each publish moves the table's location to the new snapshot.
 */
public final class GlueCatalog implements SnapshotPublisher.CatalogRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(GlueCatalog.class);

    private final GlueClient glue;
    private final String database;
    private final String tableName;

    public GlueCatalog(GlueClient glue, String database, String sourceTable) {
        this.glue = glue;
        this.database = database;
        this.tableName = SnapshotPublisher.sqlName(sourceTable) + "_snapshot";
    }

    @Override
    public void register(String exportId, SnapshotSchema schema, String location) {
        TableInput input = tableInput(schema, location, exportId);
        try {
            glue.createTable(b -> b.databaseName(database).tableInput(input));
            LOG.info("Created Glue table {}.{} over {}", database, tableName, location);
        } catch (AlreadyExistsException e) {
            glue.updateTable(b -> b.databaseName(database).tableInput(input));
            LOG.info("Moved Glue table {}.{} to {}", database, tableName, location);
        }
    }

    TableInput tableInput(SnapshotSchema schema, String location, String exportId) {
        return TableInput.builder()
                .name(tableName)
                .description("dynamo-lake snapshot " + exportId + " (schema " + schema.version() + ")")
                .tableType("EXTERNAL_TABLE")
                .parameters(Map.of(
                        "classification",
                        "parquet",
                        "parquet.compression",
                        "ZSTD",
                        "dynamo-lake.export-id",
                        exportId,
                        "dynamo-lake.schema-version",
                        schema.version()))
                .storageDescriptor(sd -> sd.location(location)
                        .columns(schema.columns().stream()
                                .map(GlueCatalog::column)
                                .toList())
                        .inputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
                        .outputFormat("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
                        .serdeInfo(s ->
                                s.serializationLibrary("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")))
                .build();
    }

    private static Column column(SnapshotColumn c) {
        return Column.builder().name(c.name()).type(c.athenaType()).build();
    }
}
