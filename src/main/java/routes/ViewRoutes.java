package routes;

import org.apache.camel.builder.RouteBuilder;

/**
 * Views: the current table built from the published snapshot and the deltas after it.
 * <pre>
 * ddb-view-compaction   every views.compaction-interval: the current view brought up to date (incremental when it
 *                       can be), published by one commit of the Iceberg table <table>_current
 * </pre>
 * The table as of a time is an operation (JMX {@code materializeAsOf}, or {@code java -jar dynamo-lake.jar as-of T}),
 * not a schedule.
 */
public class ViewRoutes extends RouteBuilder {
    @Override
    public void configure() {
        // Another replica (or an operator's run) is building: this tick has nothing to do.
        onException(views.Views.BusyException.class)
                .handled(true)
                .log(org.apache.camel.LoggingLevel.INFO, "${exception.message}");

        from("timer:view-compaction?delay={{views.compaction-delay}}&period={{views.compaction-interval}}")
                .routeId("ddb-view-compaction")
                .routeDescription("Builds the current view from the published snapshot and the deltas after it")
                .autoStartup("{{views.compaction-enabled}}")
                .bean("viewBuilder", "compact()")
                .id("compact-current-view");
    }
}
