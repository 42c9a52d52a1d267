package testsupport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import lake.IcebergClients;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.aws.AwsProperties;
import org.apache.iceberg.aws.glue.GlueCatalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Opens the lake's Iceberg tables from outside the application, through the local stack's Glue catalog, as any
 * Iceberg reader would: by name, from what the catalog and the metadata in the lake say.
 */
public final class IcebergTables {
    public static final String NAMESPACE = "dynamo_lake";

    private IcebergTables() {}

    /** The catalog of the local stack's Glue, with clients of its own. */
    public static GlueCatalog catalog(LocalStackExtension aws) {
        return catalog(aws.s3(), aws.clients().glue());
    }

    /** The Glue catalog these clients reach. */
    public static GlueCatalog catalog(
            software.amazon.awssdk.services.s3.S3Client s3, software.amazon.awssdk.services.glue.GlueClient glue) {
        Map<String, String> properties = new HashMap<>();
        properties.put(AwsProperties.CLIENT_FACTORY, IcebergClients.class.getName());
        properties.put(IcebergClients.CLIENTS, IcebergClients.register(s3, glue));
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, "s3://dynamo-lake/");
        GlueCatalog catalog = new GlueCatalog();
        catalog.initialize("test", properties);
        return catalog;
    }

    /** The table {@code dynamo_lake.<name>} as the catalog holds it now. */
    public static Table load(LocalStackExtension aws, String name) {
        return catalog(aws).loadTable(TableIdentifier.of(NAMESPACE, name));
    }

    /** The URIs of the parts a pointer ({@code _current.json}) names, as a table's data files name them. */
    public static Set<String> partUris(com.fasterxml.jackson.databind.JsonNode pointer) {
        Set<String> uris = new TreeSet<>();
        pointer.path("parts")
                .forEach(p -> uris.add("s3://dynamo-lake/" + p.path("key").asText()));
        return uris;
    }

    /** The data files the table's current commit reads. */
    public static Set<String> dataFiles(Table table) throws Exception {
        Set<String> files = new TreeSet<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(t -> files.add(t.file().location()));
        }
        return files;
    }

    /** The export ids of the table's retained commits, oldest first. */
    public static List<String> exports(Table table) {
        List<String> out = new java.util.ArrayList<>();
        for (Snapshot s : table.snapshots()) {
            out.add(s.summary().get(lake.IcebergSnapshotTable.EXPORT_ID));
        }
        return out;
    }
}
