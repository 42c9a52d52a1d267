package dynamolake;

import ddbstream.DdbStreamComponent;
import ddbstream.DdbStreamConfiguration;
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
 * The stream-deltas flow's beans, in every profile: the {@code ddbstream} component (its options from {@code
 * camel.component.ddbstream.*}, the checkpoint table from {@code checkpoint.*}), the lake layout, the envelope mapper,
 * and the meter registry they report to.
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
                                settings.integer("firehose.max-attempts"),
                                settings.bool("firehose.pack-records"),
                                Clock.systemUTC()));
        // The component's own options bind from camel.component.ddbstream.* through its generated configurer; what
        // other flows share with it is set here: the checkpoint table (the views' lease and the exports' records lie
        // in it too) and the account's clients.
        DdbStreamComponent component = context.getComponent("ddbstream", DdbStreamComponent.class);
        DdbStreamConfiguration stream = component.getConfiguration();
        stream.setCheckpointTable(settings.text("checkpoint.table"));
        stream.setCheckpointGroup(settings.text("checkpoint.group"));
        stream.setCreateCheckpointTable(settings.bool("checkpoint.create-table"));
        stream.setDynamoDbClient(ClientBeans.table(context));
        stream.setCheckpointDynamoDbClient(ClientBeans.checkpoints(context));
    }
}
