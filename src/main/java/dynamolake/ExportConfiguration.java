package dynamolake;

import ddbstream.checkpoint.CheckpointStore;
import export.ExportControl;
import export.ExportFileWorker;
import export.ExportMetrics;
import export.ExportProgress;
import export.ExportQueue;
import export.ExportRequester;
import export.ExportWatcher;
import export.SnapshotPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.function.Supplier;
import lake.LakeLayout;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The snapshot flow's beans, in every profile, from the {@code export.*}, {@code snapshot.*} and {@code lake.*}
 * properties: the requester and watcher the timer routes call, the file worker the queue route calls, the publisher,
 * and the JMX operations ({@code startExportNow}). Needs the AWS clients of the profile's configuration.
 */
@Configuration
public class ExportConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        Registry registry = context.getRegistry();
        MeterRegistry meters = registry.findSingleByType(MeterRegistry.class);
        if (meters == null) {
            meters = new SimpleMeterRegistry();
            registry.bind("meterRegistry", meters);
        }
        LakeLayout layout = new LakeLayout(s.text("lake.prefix"));
        DynamoDbClient dynamoDb = ClientBeans.table(context);
        S3Client s3 = registry.findSingleByType(S3Client.class);
        SqsClient sqs = registry.findSingleByType(SqsClient.class);
        Clock clock = Clock.systemUTC();
        String table = s.text("table.name");
        String lakeBucket = s.text("lake.bucket");

        ExportProgress progress = new ExportProgress(
                ClientBeans.checkpoints(context), s.text("checkpoint.table"), s.text("checkpoint.group"), table);
        ExportMetrics metrics = new ExportMetrics(meters, table, clock);
        String queueName = s.text("export.queue");
        Supplier<String> queueUrl = queueUrl(sqs, queueName);
        ExportQueue queue = new ExportQueue(sqs, queueUrl, s.integer("export.queue-max-attempts"), 200);
        int keep = s.integer("snapshot.keep");
        SnapshotPublisher publisher = new SnapshotPublisher(
                s3,
                lakeBucket,
                layout,
                progress,
                metrics,
                table,
                keep,
                LakeCatalog.snapshotTable(context, s, table, keep),
                clock);
        // Parquet's codec names, in upper case; the declared rule took only those.
        String codec = s.text("lake.parquet-codec").toUpperCase(Locale.ROOT);
        ExportFileWorker worker = new ExportFileWorker(
                s3,
                layout,
                progress,
                queue,
                publisher,
                metrics,
                new ExportFileWorker.Options(
                        lakeBucket,
                        table,
                        codec,
                        (long) s.integer("lake.parquet-row-group-mb") << 20,
                        s.integer("lake.max-typed-columns"),
                        Path.of(s.text("export.work-dir"))));
        ExportRequester requester = requester(s, dynamoDb, progress, publisher, table, clock);
        registry.bind("exportRequester", requester);
        // The queue's URL for the route's aws2-sqs endpoint, which would otherwise find it with ListQueues (an
        // account-wide listing the lake policy need not grant).
        registry.bind("exportQueueUrl", queueUrl);
        registry.bind("exportWatcher", new ExportWatcher(dynamoDb, s3, progress, queue, metrics, worker::landEmpty));
        registry.bind("exportFileWorker", worker);
        registry.bind("exportDiscovery", worker.discovery());
        registry.bind("exportConversion", worker.conversion());
        registry.bind("exportDeltas", worker.deltas());
        registry.bind("exportProgress", progress);
        registry.bind("snapshotPublisher", publisher);
        context.addService(new TableTakeover("snapshot of " + table, publisher::commitPublished));
        registry.bind("exportMetrics", metrics);
        ExportControl control = new ExportControl(requester, progress, clock);
        registry.bind("exportControl", control);
        if (s.bool("checkpoint.create-table")) {
            // The export state lives in the checkpoint table; it must exist before the first trigger.
            CheckpointStore store = new CheckpointStore(ClientBeans.checkpoints(context), s.text("checkpoint.table"));
            context.addService(new ServiceSupport() {
                @Override
                protected void doStart() {
                    store.createTableIfMissing();
                }
            });
        }
        context.addService(control);
    }

    /** The queue's URL, asked for once, when first needed. */
    private static Supplier<String> queueUrl(SqsClient sqs, String queueName) {
        return new Supplier<>() {
            private volatile String url;

            @Override
            public String get() {
                if (url == null) {
                    url = sqs.getQueueUrl(b -> b.queueName(queueName)).queueUrl();
                }
                return url;
            }
        };
    }

    private static ExportRequester requester(
            Settings s,
            DynamoDbClient dynamoDb,
            ExportProgress progress,
            SnapshotPublisher publisher,
            String table,
            Clock clock) {
        return new ExportRequester(
                dynamoDb,
                progress,
                publisher,
                new ExportRequester.Options(
                        table,
                        s.text("export.bucket"),
                        prefix(s.optional("export.prefix")),
                        s.optional("export.bucket-owner"),
                        s.optional("export.sse-algorithm"),
                        s.optional("export.kms-key-id"),
                        s.choice("export.type", ExportRequester.Type.class),
                        s.duration("export.min-incremental-window"),
                        s.duration("export.max-incremental-window"),
                        s.duration("export.stale-after"),
                        s.duration("export.interval")),
                clock);
    }

    private static String prefix(String p) {
        return p == null ? "" : p.endsWith("/") ? p : p + "/";
    }
}
