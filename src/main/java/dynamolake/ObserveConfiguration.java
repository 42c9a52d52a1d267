package dynamolake;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import lake.LakeLayout;
import lake.LakeStore;
import lake.Published;
import observe.DependencyReadiness;
import observe.DependencyReadiness.Dependency;
import observe.JolokiaPlugin;
import observe.LakeFreshness;
import observe.RouteExhaustion;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.health.HealthCheckRegistry;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import views.ViewCatalog;

/**
 * What the management port serves beyond Camel's own: Jolokia with the access policy {@code
 * observe.jolokia.allow-control} chooses (read-only by default) and the bearer token of {@code
 * observe.jolokia.token-file}, and the readiness checks of the dependencies (the
 * table, the lake, the delivery stream, the export queue) and of routes whose last exchange failed for good.
 */
@Configuration
public class ObserveConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        context.getRegistry()
                .bind("jolokia", new JolokiaPlugin(s.bool("observe.jolokia.allow-control"), bearerToken(s)));

        var registry = context.getRegistry();
        DynamoDbClient dynamoDb = ClientBeans.table(context);
        S3Client s3 = registry.findSingleByType(S3Client.class);
        FirehoseClient firehose = registry.findSingleByType(FirehoseClient.class);
        SqsClient sqs = registry.findSingleByType(SqsClient.class);
        String table = s.text("table.name");
        String bucket = s.text("lake.bucket");
        String prefix = s.text("lake.prefix");
        String stream = s.text("firehose.delivery-stream");
        String queue = s.text("export.queue");
        Map<String, Dependency> deps = new LinkedHashMap<>();
        deps.put(
                "table",
                new Dependency(
                        "table " + table,
                        DependencyReadiness.call(() -> dynamoDb.describeTable(r -> r.tableName(table)))));
        deps.put(
                "lake",
                new Dependency(
                        "lake s3://" + bucket + "/" + prefix,
                        DependencyReadiness.call(() -> s3.listObjectsV2(
                                r -> r.bucket(bucket).prefix(prefix).maxKeys(1)))));
        deps.put(
                "delivery-stream",
                new Dependency(
                        "delivery stream " + stream,
                        DependencyReadiness.call(
                                () -> firehose.describeDeliveryStream(r -> r.deliveryStreamName(stream)))));
        deps.put(
                "export-queue",
                new Dependency(
                        "export queue " + queue,
                        DependencyReadiness.call(() -> sqs.getQueueUrl(r -> r.queueName(queue)))));
        RouteExhaustion exhaustion = new RouteExhaustion();
        context.getManagementStrategy().addEventNotifier(exhaustion.notifier());
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        health.register(new DependencyReadiness(deps, s.duration("observe.readiness-recheck"), Clock.systemUTC()));
        health.register(exhaustion);

        MeterRegistry meters = registry.findSingleByType(MeterRegistry.class);
        if (meters != null) {
            LakeStore lake = new LakeStore(s3, bucket);
            LakeLayout layout = new LakeLayout(prefix);
            ViewCatalog tables = LakeCatalog.viewTables(context, s, table, lake, s.integer("views.keep"));
            context.addService(new LakeFreshness(
                    context.getExecutorServiceManager(),
                    meters,
                    table,
                    () -> Published.snapshot(lake, layout, table, tables.publishedSnapshot()),
                    () -> Published.currentView(lake, layout, table, tables.publishedState(), tables.keptStates()),
                    s.duration("observe.freshness-refresh"),
                    Clock.systemUTC()));
        }
    }

    /** The token in {@code observe.jolokia.token-file} (ConfigCheck made sure it reads), or null. */
    private static String bearerToken(Settings s) throws IOException {
        String file = s.optional("observe.jolokia.token-file");
        return file == null ? null : Files.readString(Path.of(file)).strip();
    }
}
