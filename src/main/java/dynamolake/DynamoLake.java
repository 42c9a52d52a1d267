package dynamolake;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.main.Main;
import views.Views;

/**
 * dynamo-lake: lands a DynamoDB table in an S3 data lake and keeps it current. Starts Camel Main; the profile
 * ({@code camel.main.profile}, {@code local} by default) picks the configuration classes and routes listed in
 * {@code application.properties} and {@code application-<profile>.properties}.
 *
 * <pre>
 * java -jar dynamo-lake.jar                              run: snapshots, stream deltas, views
 * java -jar dynamo-lake.jar as-of 2026-11-26T08:00:00Z   materialise the table as of that time, then exit
 * </pre>
 */
public final class DynamoLake {
    private DynamoLake() {}

    public static void main(String... args) throws Exception {
        if (args.length > 0 && args[0].equals("as-of")) {
            System.exit(asOf(args));
        }
        try {
            new Main().run(args);
        } catch (Exception e) {
            System.exit(failedToStart(e));
        }
    }

    /**
     * Startup failed: a configuration that does not fit gets its one line (every key and what it expects; a stream
     * component's option that Camel could not bind or the component refused, named) and
     * status 2, as does a table whose stream cannot feed the lake as configured; anything else its message and
     * status 1. Exits, so no thread started before the failure keeps the process alive.
     */
    static int failedToStart(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigCheck.ConfigurationException
                    || t instanceof ddbstream.StreamRefusedException
                    || t instanceof ddbstream.InvalidOptionException
                    || t instanceof PropertyBindingException) {
                System.err.println("dynamo-lake: " + t.getMessage());
                return 2;
            }
        }
        System.err.println("dynamo-lake: could not start: " + e);
        e.printStackTrace();
        return 1;
    }

    /** The as-of command: the same configuration, no route started, one view materialised. */
    private static int asOf(String... args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java -jar dynamo-lake.jar as-of <ISO-8601 time, e.g. 2026-11-26T08:00:00Z>");
            return 2;
        }
        Instant time;
        try {
            time = Instant.parse(args[1]);
        } catch (DateTimeParseException e) {
            System.err.println(
                    "as-of: expected an ISO-8601 instant such as 2026-11-26T08:00:00Z, was '" + args[1] + "'");
            return 2;
        }
        Main main = new Main();
        main.addOverrideProperty("camel.main.auto-startup", "false");
        main.addOverrideProperty("local.demo.enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        try {
            main.start();
        } catch (Exception e) {
            return failedToStart(e);
        }
        try {
            Views views = main.getCamelContext().getRegistry().lookupByNameAndType("viewBuilder", Views.class);
            Views.Result r = views.asOf(time);
            System.out.println("Materialised " + r.items() + " items as of " + time + " at " + r.location());
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("as-of: " + e.getMessage());
            return 1;
        } finally {
            main.stop();
        }
    }
}
