package routes;

import org.apache.camel.builder.RouteBuilder;

/** The {@code local} profile's stand-in for an application: changes the demo table every second. */
public class LocalDemoRoute extends RouteBuilder {
    @Override
    public void configure() {
        from("timer:local-demo?period=1000&delay=1000")
                .routeId("local-demo-changes")
                .routeDescription("Changes the demo table continuously, as the application that owns it would")
                .autoStartup("{{local.demo.enabled}}")
                .bean("demoTable", "change({{local.demo.changes-per-second}})")
                .id("change-demo-table");
    }
}
