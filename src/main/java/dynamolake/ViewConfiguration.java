package dynamolake;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import lake.GlueTables;
import lake.LakeEncryption;
import lake.LakeLayout;
import lake.LakeStore;
import lake.Published;
import lake.SnapshotSchema;
import lease.Lease;
import lease.LeaseStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.s3.S3Client;
import views.AthenaViews;
import views.CamelAthenaQueries;
import views.DeltaSource;
import views.ViewBuilder;
import views.ViewCatalog;
import views.ViewControl;
import views.ViewLock;
import views.Views;

/**
 * The views' beans, in every profile, from the {@code views.*} and {@code lake.*} properties: the builder the
 * compaction route calls and the JMX operations ({@code compactNow}, {@code materializeAsOf}). Builds are kept to one
 * replica at a time by a lease in the checkpoint table.
 */
@Configuration
public class ViewConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        S3Client s3 = context.getRegistry().findSingleByType(S3Client.class);
        DynamoDbClient dynamoDb = ClientBeans.checkpoints(context);
        String table = s.text("table.name");
        ViewLock replicas = ViewLock.lease(
                new LeaseStore(dynamoDb, s.text("checkpoint.table")),
                s.text("checkpoint.group"),
                table,
                Lease.newOwner(),
                s.duration("views.lease-duration"),
                Clock.systemUTC());
        LakeStore lake = new LakeStore(s3, s.text("lake.bucket"));
        LakeLayout layout = new LakeLayout(s.text("lake.prefix"));
        String codec = s.text("lake.parquet-codec").toUpperCase(Locale.ROOT);
        ViewCatalog catalog = LakeCatalog.viewTables(context, s, table, lake, s.integer("views.keep"));
        // Every builder of this lake publishes its versions here, tools and tests that build one too.
        context.getRegistry().bind("viewCatalog", ViewCatalog.class, catalog);
        context.addService(new TableTakeover("current view of " + table, () -> {
            // A lake of a release before the Iceberg tables: its pointer is what it published.
            if (catalog.publishedState().isEmpty() && catalog.publishedVersion() == 0) {
                Published.currentView(lake, layout, table, java.util.Optional.empty(), java.util.List.of())
                        .ifPresent(pointer -> catalog.register(ViewCatalog.published(pointer)));
            }
        }));
        String database = s.optional("glue.database");
        GlueTables glue = database == null
                ? null
                : new GlueTables(
                        context.getRegistry().lookupByNameAndType("glueClient", GlueClient.class), database, table);
        if (glue != null) {
            // The deltas as a plain Glue table, for Athena's queries of a key's history (and its engine's merge).
            String deltas = lake.uri(layout.deltasPrefix());
            context.addService(new org.apache.camel.support.service.ServiceSupport() {
                @Override
                protected void doStart() {
                    glue.registerDeltas(deltas);
                }
            });
        }
        DeltaSource deltas = DeltaSource.valueOf(s.text("views.deltas").toUpperCase(Locale.ROOT));
        Views builder = s.text("views.engine").equalsIgnoreCase("athena")
                ? athenaViews(context, s, table, lake, layout, codec, replicas, catalog, deltas, glue, database)
                : duckDbViews(s, table, lake, layout, codec, replicas, catalog, deltas);
        ViewControl control = new ViewControl(builder);
        context.getRegistry().bind("viewBuilder", builder);
        context.getRegistry().bind("viewControl", control);
        context.addService(control);
    }

    /** The merge as SQL on Athena, over the Glue tables of {@code glue.database}. */
    private static Views athenaViews(
            CamelContext context,
            Settings s,
            String table,
            LakeStore lake,
            LakeLayout layout,
            String codec,
            ViewLock replicas,
            ViewCatalog catalog,
            DeltaSource deltas,
            GlueTables glue,
            String database) {
        if (database == null) {
            throw new IllegalArgumentException("views.engine=athena: Athena reads the lake through the Glue"
                    + " tables of glue.database; set glue.database");
        }
        if (s.integer("views.buckets") > 100) {
            throw new IllegalArgumentException("views.engine=athena: Athena writes at most 100 partitions a"
                    + " statement, and every bucket of views.buckets is one; set views.buckets to 100 or fewer");
        }
        if (!s.text("lake.catalog.type").equalsIgnoreCase("glue")) {
            throw new IllegalArgumentException("views.engine=athena: Athena merges the changes into the Iceberg"
                    + " table <table>_current by its name in the Glue Data Catalog; set lake.catalog.type=glue");
        }
        String output = s.optional("views.athena.output-location");
        if (output == null) {
            output = lake.uri(layout.prefix() + "_athena-results/");
        }
        return AthenaViews.create(
                lake,
                layout,
                table,
                new AthenaViews.Options(
                        s.integer("views.keep"),
                        s.duration("views.replay-margin"),
                        s.duration("views.late-window"),
                        codec.equals("UNCOMPRESSED") ? "NONE" : codec,
                        s.duration("views.as-of-lag"),
                        s.integer("views.buckets")),
                Clock.systemUTC(),
                replicas,
                new CamelAthenaQueries(
                        context.createProducerTemplate(),
                        context.getRegistry().lookupByNameAndType("athenaClient", AthenaClient.class),
                        "dynamo-lake-views",
                        database,
                        s.text("views.athena.workgroup"),
                        output,
                        s.duration("views.athena.query-timeout"),
                        s.duration("views.athena.poll-interval"),
                        LakeEncryption.of(s.text("lake.sse"), s.optional("lake.sse-kms-key-id"))),
                new AthenaViews.Tables() {
                    @Override
                    public void parquet(String name, SnapshotSchema schema, String location, String id) {
                        glue.registerTable(name, schema, location, id);
                    }

                    @Override
                    public void deltas(String name, String location) {
                        glue.registerDeltas(name, location);
                    }
                },
                catalog,
                deltas);
    }

    /** The merge on the embedded DuckDB, on this machine. */
    private static Views duckDbViews(
            Settings s,
            String table,
            LakeStore lake,
            LakeLayout layout,
            String codec,
            ViewLock replicas,
            ViewCatalog catalog,
            DeltaSource deltas) {
        return new ViewBuilder(
                lake,
                layout,
                table,
                new ViewBuilder.Options(
                        s.integer("views.buckets"),
                        s.integer("views.keep"),
                        s.duration("views.replay-margin"),
                        s.duration("views.late-window"),
                        s.text("views.memory-limit"),
                        s.integer("views.threads"),
                        Path.of(s.text("views.work-dir")),
                        codec,
                        (long) s.integer("lake.parquet-row-group-mb") << 20,
                        s.bytes("lake.target-file-size"),
                        s.integer("lake.max-typed-columns"),
                        s.duration("views.as-of-lag"),
                        s.integer("views.max-patches"),
                        s.integer("views.max-deleted-percent")),
                Clock.systemUTC(),
                replicas,
                catalog,
                deltas);
    }
}
