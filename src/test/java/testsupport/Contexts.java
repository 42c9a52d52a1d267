package testsupport;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/** Camel contexts wired to a test's local stack: the same SDK client beans the application binds. */
public final class Contexts {
    private Contexts() {}

    /** A started context with the stack's clients in its registry and the given routes. */
    public static CamelContext started(LocalStackExtension aws, RoutesBuilder... routes) throws Exception {
        return started(aws, null, routes);
    }

    /** The same, with a meter registry the consumer reports to (null: none). */
    public static CamelContext started(
            LocalStackExtension aws, io.micrometer.core.instrument.MeterRegistry meters, RoutesBuilder... routes)
            throws Exception {
        CamelContext context = new DefaultCamelContext();
        if (meters != null) {
            context.getRegistry().bind("meterRegistry", meters);
        }
        context.getRegistry().bind("dynamoDbClient", aws.dynamoDb());
        context.getRegistry().bind("dynamoDbStreamsClient", aws.streams());
        context.getRegistry().bind("firehoseClient", aws.firehose());
        context.getRegistry().bind("s3Client", aws.s3());
        context.getRegistry().bind("sqsClient", aws.sqs());
        context.getShutdownStrategy().setTimeout(10);
        for (RoutesBuilder r : routes) {
            context.addRoutes(r);
        }
        context.start();
        return context;
    }
}
