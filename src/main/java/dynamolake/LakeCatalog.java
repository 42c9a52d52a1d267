package dynamolake;

import export.SnapshotPublisher;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lake.IcebergClients;
import lake.IcebergSnapshotTable;
import lake.IcebergTable;
import lake.LakeLayout;
import lake.LakeStore;
import org.apache.camel.CamelContext;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.aws.AwsProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.util.ThreadPools;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;
import views.IcebergViewCatalog;
import views.ViewCatalog;

/**
 * The Apache Iceberg catalog the lake's tables are committed to, chosen by {@code lake.catalog.*} as any Iceberg tool
 * chooses one: {@code glue} (the Glue Data Catalog; in the local profile the local stack's, kept beside the buckets),
 * {@code rest} (an Iceberg REST catalog whose tables may name data in the lake bucket, with {@code lake.catalog.uri} and
 * {@code lake.catalog.warehouse}). A commit there is what publishes a snapshot or a view. Iceberg reaches Glue and S3 through the application's own clients
 * ({@link IcebergClients}); {@code lake.catalog.properties} adds any other Iceberg catalog property. One catalog
 * serves the context's tables: {@code <table>_snapshot} and {@code <table>_current}.
 */
final class LakeCatalog {
    private static final String BEAN = "icebergCatalog";

    private LakeCatalog() {}

    /** The snapshot's Iceberg table, {@code <table>_snapshot}. */
    static SnapshotPublisher.SnapshotTable snapshotTable(CamelContext context, Settings s, String table, int keep)
            throws Exception {
        return SnapshotPublisher.SnapshotTable.of(
                new IcebergSnapshotTable(table(catalog(context, s), s, table, "snapshot")), keep);
    }

    /** The views' Iceberg tables: {@code <table>_current}, each view as of a time, and the snapshot's, read. */
    static ViewCatalog viewTables(CamelContext context, Settings s, String table, LakeStore lake, int keep)
            throws Exception {
        return new IcebergViewCatalog(
                catalog(context, s),
                s.text("lake.catalog.namespace"),
                table,
                lake,
                new LakeLayout(s.text("lake.prefix")),
                keep);
    }

    /**
     * The table {@code <namespace>.<table>_<what>} (in SQL's spelling), its metadata under {@code iceberg/<what>/}.
     */
    private static IcebergTable table(Catalog catalog, Settings s, String table, String what) {
        LakeLayout layout = new LakeLayout(s.text("lake.prefix"));
        return new IcebergTable(
                catalog,
                s.text("lake.catalog.namespace"),
                IcebergTable.sqlName(table + "_" + what),
                "s3://" + s.text("lake.bucket") + "/" + layout.icebergTable(what));
    }

    /** The catalog {@code lake.catalog.*} names, one a context. */
    static synchronized Catalog catalog(CamelContext context, Settings s) throws Exception {
        String type = s.text("lake.catalog.type").toLowerCase(Locale.ROOT);
        Catalog existing = context.getRegistry().lookupByNameAndType(BEAN, Catalog.class);
        if (existing != null) {
            return existing;
        }
        String database = s.optional("glue.database");
        // Glue keeps database names in lower case.
        if (type.equals("glue") && s.text("lake.catalog.namespace").equalsIgnoreCase(database)) {
            throw new IllegalArgumentException("lake.catalog.namespace and glue.database are both '" + database
                    + "': the Iceberg tables need a database of their own (glue.database holds plain tables, and"
                    + " earlier releases registered <table>_snapshot and <table>_current there under the same names)");
        }
        S3Client s3 = context.getRegistry().findSingleByType(S3Client.class);
        GlueClient glue =
                type.equals("glue") ? context.getRegistry().lookupByNameAndType("glueClient", GlueClient.class) : null;
        String clients = IcebergClients.register(s3, glue);
        AutoCloseable forget = () -> IcebergClients.unregister(clients); // the clients close with the context
        context.addService(new ClosingService(List.of(forget)));
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
        Catalog catalog = CatalogUtil.buildIcebergCatalog("dynamo-lake", properties, null);
        // Iceberg's worker pool registers a JVM shutdown hook when first used; used first by a commit racing the
        // application's stop, it failed the commit with ExceptionInInitializerError ("Shutdown in progress").
        ThreadPools.getWorkerPool();
        context.getRegistry().bind(BEAN, Catalog.class, catalog);
        return catalog;
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
