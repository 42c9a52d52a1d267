package dynamolake;

import ddbstream.checkpoint.CheckpointStore;
import ddbstream.checkpoint.Lease;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import lake.LakeLayout;
import lake.LakeStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import views.ViewBuilder;
import views.ViewControl;
import views.ViewLock;

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
                new CheckpointStore(dynamoDb, s.text("checkpoint.table")),
                s.text("checkpoint.group"),
                table,
                Lease.newOwner(),
                s.duration("views.lease-duration"),
                Clock.systemUTC());
        ViewBuilder builder = new ViewBuilder(
                new LakeStore(s3, s.text("lake.bucket")),
                new LakeLayout(s.text("lake.prefix")),
                table,
                new ViewBuilder.Options(
                        s.integer("views.buckets", 1, 4096),
                        s.integer("views.keep", 1, 1000),
                        s.duration("views.replay-margin"),
                        s.duration("views.late-window"),
                        s.text("views.memory-limit"),
                        s.integer("views.threads", 1, 1024),
                        Path.of(s.text("views.work-dir")),
                        s.text("lake.parquet-codec").toUpperCase(Locale.ROOT),
                        (long) s.integer("lake.parquet-row-group-mb", 1, 1024) << 20,
                        s.integer("lake.max-typed-columns", 0, 10_000)),
                Clock.systemUTC(),
                replicas,
                ExportConfiguration.catalog(context, s, table, "current"));
        ViewControl control = new ViewControl(builder);
        context.getRegistry().bind("viewBuilder", builder);
        context.getRegistry().bind("viewControl", control);
        context.addService(control);
    }
}
