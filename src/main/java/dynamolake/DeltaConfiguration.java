package dynamolake;

import ddbstream.DdbStreamComponent;
import ddbstream.DdbStreamConfiguration;
import ddbstream.StartPosition;
import deltas.DeltaMapper;
import deltas.DeltaMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import lake.LakeLayout;
import lake.LakeStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The stream-deltas flow's beans, in every profile: the {@code ddbstream} component configured from the
 * {@code stream.*} and {@code checkpoint.*} properties, the lake layout, the envelope mapper, and the meter registry
 * they report to.
 */
@Configuration
public class DeltaConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) {
        Settings settings = new Settings(context);
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (meters == null) {
            meters = new SimpleMeterRegistry();
            context.getRegistry().bind("meterRegistry", meters);
        }
        LakeLayout layout = new LakeLayout(settings.text("lake.prefix"));
        // The lake's objects the delta route writes itself (oversized envelopes, dead letters).
        context.getRegistry()
                .bind(
                        "lakeStore",
                        new LakeStore(
                                context.getRegistry().findSingleByType(S3Client.class), settings.text("lake.bucket")));
        context.getRegistry().bind("lakeLayout", layout);
        context.getRegistry()
                .bind(
                        "deltaMapper",
                        new DeltaMapper(
                                layout,
                                new DeltaMetrics(meters, settings.text("table.name")),
                                settings.integer("firehose.max-attempts", 1, 10_000),
                                settings.bool("firehose.pack-records"),
                                Clock.systemUTC()));
        DdbStreamComponent component = new DdbStreamComponent();
        DdbStreamConfiguration stream = streamConfiguration(settings);
        stream.setDynamoDbClient(ClientBeans.table(context));
        stream.setCheckpointDynamoDbClient(ClientBeans.checkpoints(context));
        component.setConfiguration(stream);
        context.addComponent("ddbstream", component);
    }

    static DdbStreamConfiguration streamConfiguration(Settings s) {
        DdbStreamConfiguration c = new DdbStreamConfiguration();
        c.setMode(s.text("stream.mode"));
        c.setStartPosition(s.choice("stream.start-position", StartPosition.class));
        c.setMaxRecordsPerRequest(s.integer("stream.max-records-per-request", 1, 1000));
        c.setMaxParallelShards(s.integer("stream.max-parallel-shards", 1, 1000));
        c.setIdleDelay(s.duration("stream.idle-delay").toMillis());
        c.setShardDiscoveryInterval(
                s.duration("stream.shard-discovery-interval").toMillis());
        c.setRetryDelay(s.duration("stream.retry-delay").toMillis());
        c.setMaxRetryDelay(s.duration("stream.max-retry-delay").toMillis());
        c.setResumeFromTrimHorizon(s.bool("stream.resume-from-trim-horizon"));
        c.setAcceptMissingNewImage(s.bool("stream.accept-missing-new-image"));
        c.setBatchFailureTimeout(s.duration("stream.batch-failure-timeout").toMillis());
        c.setStreamRetention(s.duration("stream.retention").toMillis());
        c.setCheckpointTable(s.text("checkpoint.table"));
        c.setCheckpointGroup(s.text("checkpoint.group"));
        c.setCreateCheckpointTable(s.bool("checkpoint.create-table"));
        c.setLeaseDuration(s.duration("checkpoint.lease-duration").toMillis());
        c.setLeaseRenewInterval(s.duration("checkpoint.lease-renew-interval").toMillis());
        return c;
    }
}
