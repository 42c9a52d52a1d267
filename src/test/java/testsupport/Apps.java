package testsupport;

import java.util.HashMap;
import java.util.Map;
import org.apache.camel.main.Main;
import software.amazon.awssdk.services.s3.S3Client;

/** The application (Camel Main, local profile) started in the test's JVM against a test's local stack. */
public final class Apps {
    private Apps() {}

    /**
     * A Main on the {@code local} profile using the extension's running stack, with the demo off, Firehose flushing
     * every second, the stream polled quickly and exports started only on demand; {@code more} overrides any of it.
     */
    public static Main against(LocalStackExtension aws, String table, Map<String, String> more) {
        Main main = new Main();
        Map<String, String> props = new HashMap<>();
        props.put("local.stack.embedded", "false");
        props.put(
                "local.emulator.port",
                Integer.toString(aws.stack().emulatorEndpoint().getPort()));
        props.put("local.s3.port", Integer.toString(aws.stack().s3Endpoint().getPort()));
        props.put("local.sqs.port", Integer.toString(aws.stack().sqsEndpoint().getPort()));
        props.put("local.data-dir", aws.dataDir().toString());
        // Several applications may run in one test JVM: each gets its own management port.
        props.put("camel.management.port", Integer.toString(Ports.free()));
        props.put("local.demo.enabled", "false");
        props.put("local.firehose.buffer-seconds", "1");
        props.put("table.name", table);
        props.put("lake.prefix", "tables/" + table + "/");
        props.put("firehose.delivery-stream", table + "-deltas");
        props.put("camel.component.ddbstream.idle-delay", "100ms");
        props.put("camel.component.ddbstream.shard-discovery-interval", "500ms");
        props.put("camel.component.ddbstream.retry-delay", "100ms");
        props.put("camel.component.ddbstream.max-retry-delay", "2s");
        props.put("aws.retry.delay", "50");
        props.put("aws.retry.max-delay", "1000");
        // Exports only where a test asks for them; a table without point-in-time recovery cannot be exported.
        props.put("export.on-start", "false");
        props.put("export.schedule-enabled", "false");
        props.put("export.check-interval", "300ms");
        props.put("export.prefix", "exports/" + table + "/");
        props.put("export.work-dir", aws.dataDir().resolve("work-" + table).toString());
        // Views only where a test asks for them.
        props.put("views.compaction-enabled", "false");
        props.put("views.work-dir", aws.dataDir().resolve("views-" + table).toString());
        props.put("views.memory-limit", "256MB");
        props.putAll(more);
        props.forEach(main::addOverrideProperty);
        return main;
    }

    /** The table's part of the lake, as {@link #against} lays it out. */
    public static Lake lake(LocalStackExtension aws, String table) {
        return lake(aws.s3(), table).withCatalog(IcebergTables.catalog(aws));
    }

    public static Lake lake(S3Client s3, String table) {
        return new Lake(s3, "dynamo-lake", "tables/" + table + "/");
    }
}
