package dynamolake;

import dynamolake.demo.DemoTable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import localaws.LocalStack;
import localaws.LocalStackProperties;
import localaws.LocalStackSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The {@code local} profile: starts the local stack in this JVM (or, with {@code local.stack.embedded=false}, uses
 * one already running), binds AWS SDK clients pointing at it, creates the resources an AWS account would have, and
 * creates and seeds the demo table. Everything it opens is closed when Camel stops.
 */
@Configuration
public class LocalStackConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStackConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        LocalStackSettings settings = LocalStackProperties.settings(
                key -> context.getPropertiesComponent().resolveProperty(key).orElse(null));
        List<AutoCloseable> opened = new ArrayList<>();
        AwsClients clients;
        if (Boolean.parseBoolean(property(context, "local.stack.embedded"))) {
            LocalStack stack = start(settings);
            opened.add(stack);
            clients = AwsClients.local(
                    stack.emulatorEndpoint(), stack.s3Endpoint(), stack.sqsEndpoint(), settings.region());
        } else {
            String base = "http://" + settings.host() + ":";
            clients = AwsClients.local(
                    URI.create(base + settings.emulatorPort()),
                    URI.create(base + settings.s3Port()),
                    URI.create(base + settings.sqsPort()),
                    settings.region());
            LOG.info("Using the local stack already running on {} (local.stack.embedded=false)", settings.host());
        }
        // The local account's own clients (base credentials) provision the resources and write the demo table, as
        // the user's infrastructure code and application would; the application's clients may assume a role per side.
        try (var s3 = clients.s3();
                var firehose = clients.firehose();
                var sqs = clients.sqs();
                var glue = clients.glue()) {
            provision(context, s3, firehose, sqs);
            String database = property(context, "glue.database");
            if (!database.isBlank()) {
                LocalProvisioning.glueDatabase(glue, database.trim());
            }
        }
        var admin = clients.adminDynamoDb();
        opened.add(admin);
        clients = ClientBeans.configured(context, clients, opened);
        opened.addAll(ClientBeans.bind(context, clients));
        context.addService(new ClosingService(opened), true, true);
        DemoTable demo = demoTable(context, admin);
        context.getRegistry().bind("demoTable", demo);
        LOG.info(
                "Profile local: table {} on the local emulator; the lake is s3://{}/{} = folder {}",
                demo.table(),
                property(context, "lake.bucket"),
                property(context, "lake.prefix"),
                settings.dataDir()
                        .resolve(property(context, "lake.bucket"))
                        .resolve(property(context, "lake.prefix"))
                        .toAbsolutePath()
                        .normalize());
    }

    private static LocalStack start(LocalStackSettings settings) throws java.io.IOException {
        try {
            return LocalStack.start(settings);
        } catch (LocalStack.PortInUseException e) {
            String key = switch (e.component()) {
                case EMULATOR -> "local.emulator.port";
                case S3 -> "local.s3.port";
                case SQS -> "local.sqs.port";
            };
            throw new IllegalStateException(
                    key + "=" + e.port() + ": the port is already in use on " + settings.host() + "; set " + key
                            + " to a free port (0 picks one)",
                    e);
        }
    }

    private static void provision(CamelContext context, S3Client s3, FirehoseClient firehose, SqsClient sqs) {
        LocalProvisioning.provision(
                s3,
                firehose,
                sqs,
                new LocalProvisioning.Names(
                        property(context, "lake.bucket"),
                        property(context, "lake.prefix"),
                        property(context, "export.bucket"),
                        property(context, "firehose.delivery-stream"),
                        Integer.parseInt(property(context, "local.firehose.buffer-seconds")),
                        Integer.parseInt(property(context, "local.firehose.buffer-mb")),
                        property(context, "export.queue")));
    }

    private static DemoTable demoTable(CamelContext context, DynamoDbClient dynamoDb) {
        DemoTable demo = new DemoTable(
                dynamoDb,
                property(context, "table.name"),
                Long.parseLong(property(context, "local.demo.seed")),
                Integer.parseInt(property(context, "local.demo.ttl-seconds")));
        if (Boolean.parseBoolean(property(context, "local.demo.enabled")) && demo.create()) {
            demo.seed(
                    Integer.parseInt(property(context, "local.demo.items")),
                    Integer.parseInt(property(context, "local.demo.large-items")));
        }
        return demo;
    }

    private static String property(CamelContext context, String key) {
        return context.resolvePropertyPlaceholders("{{" + key + "}}");
    }
}
