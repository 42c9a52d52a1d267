package dynamolake;

import export.SnapshotPublisher;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import lake.IcebergClients;
import lake.IcebergSnapshotTable;
import lake.LakeLayout;
import org.apache.camel.CamelContext;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.aws.AwsProperties;
import org.apache.iceberg.catalog.Catalog;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The Apache Iceberg catalog the lake's tables are committed to, chosen by {@code lake.catalog.*} as any Iceberg tool
 * chooses one: {@code glue} (the Glue Data Catalog; in the local profile the local stack's, kept beside the buckets),
 * {@code rest} (an Iceberg REST catalog, such as S3 Tables' endpoint, with {@code lake.catalog.uri} and
 * {@code lake.catalog.warehouse}) or {@code none}. Iceberg reaches Glue and S3 through the application's own clients
 * ({@link IcebergClients}); {@code lake.catalog.properties} adds any other Iceberg catalog property.
 */
final class LakeCatalog {
    private LakeCatalog() {}

    /** The snapshot's Iceberg table, or none when {@code lake.catalog.type=none}. */
    static SnapshotPublisher.SnapshotTable snapshotTable(CamelContext context, Settings s, String table, int keep) {
        Catalog catalog = catalog(context, s);
        if (catalog == null) {
            return SnapshotPublisher.SnapshotTable.NONE;
        }
        LakeLayout layout = new LakeLayout(s.text("lake.prefix"));
        IcebergSnapshotTable snapshot = new IcebergSnapshotTable(
                catalog,
                s.text("lake.catalog.namespace"),
                table,
                "s3://" + s.text("lake.bucket") + "/" + layout.icebergTable("snapshot"));
        context.getRegistry().bind("snapshotTable", snapshot);
        return (id, time, schema, parts) -> snapshot.publish(id, time, schema, parts, keep);
    }

    /** The catalog {@code lake.catalog.*} names, or null for {@code none}. */
    static Catalog catalog(CamelContext context, Settings s) {
        String type = s.text("lake.catalog.type").toLowerCase(Locale.ROOT);
        if (type.equals("none")) {
            return null;
        }
        S3Client s3 = context.getRegistry().findSingleByType(S3Client.class);
        GlueClient glue =
                type.equals("glue") ? context.getRegistry().lookupByNameAndType("glueClient", GlueClient.class) : null;
        String clients = IcebergClients.register(s3, glue);
        Map<String, String> properties = new HashMap<>();
        properties.put(AwsProperties.CLIENT_FACTORY, IcebergClients.class.getName());
        properties.put(IcebergClients.CLIENTS, clients);
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        String warehouse = s.optional("lake.catalog.warehouse");
        properties.put(
                CatalogProperties.WAREHOUSE_LOCATION,
                warehouse != null ? warehouse : "s3://" + s.text("lake.bucket") + "/");
        if (type.equals("rest")) {
            properties.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_REST);
            properties.put(CatalogProperties.URI, s.text("lake.catalog.uri"));
        } else {
            properties.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_GLUE);
            // Commits are Glue's optimistic VersionId check; without archived versions a table's history is Iceberg's.
            properties.put(AwsProperties.GLUE_CATALOG_SKIP_ARCHIVE, "true");
        }
        properties.putAll(extra(s.optional("lake.catalog.properties")));
        return CatalogUtil.buildIcebergCatalog("dynamo-lake", properties, null);
    }

    /** {@code key=value,key=value}: Iceberg catalog properties beyond the ones set from the other settings. */
    static Map<String, String> extra(String text) {
        Map<String, String> out = new HashMap<>();
        if (text == null) {
            return out;
        }
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "lake.catalog.properties: expected key=value pairs separated by commas, found '" + pair + "'");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }
}
