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
        Settings s = new Settings(context);
        LocalStackSettings settings = LocalStackProperties.settings(s::optional);
        List<AutoCloseable> opened = new ArrayList<>();
        AwsClients clients;
        if (s.bool("local.stack.embedded")) {
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
            provision(s, s3, firehose, sqs);
            String database = s.optional("glue.database");
            if (database != null) {
                LocalProvisioning.glueDatabase(glue, database);
            }
        }
        var admin = clients.adminDynamoDb();
        opened.add(admin);
        clients = ClientBeans.configured(context, clients, opened);
        opened.addAll(ClientBeans.bind(context, clients));
        context.addService(new ClosingService(opened), true, true);
        DemoTable demo = demoTable(s, admin);
        context.getRegistry().bind("demoTable", demo);
        LOG.info(
                "Profile local: table {} on the local emulator; the lake is s3://{}/{} = folder {}",
                demo.table(),
                s.text("lake.bucket"),
                s.text("lake.prefix"),
                settings.dataDir()
                        .resolve(s.text("lake.bucket"))
                        .resolve(s.text("lake.prefix"))
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

    private static void provision(Settings s, S3Client s3, FirehoseClient firehose, SqsClient sqs) {
        LocalProvisioning.provision(
                s3,
                firehose,
                sqs,
                new LocalProvisioning.Names(
                        s.text("lake.bucket"),
                        s.text("lake.prefix"),
                        s.text("export.bucket"),
                        s.text("firehose.delivery-stream"),
                        s.integer("local.firehose.buffer-seconds"),
                        s.integer("local.firehose.buffer-mb"),
                        s.text("export.queue")));
    }

    private static DemoTable demoTable(Settings s, DynamoDbClient dynamoDb) {
        DemoTable demo = new DemoTable(
                dynamoDb, s.text("table.name"), s.integer("local.demo.seed"), s.integer("local.demo.ttl-seconds"));
        if (s.bool("local.demo.enabled") && demo.create()) {
            demo.seed(s.integer("local.demo.items"), s.integer("local.demo.large-items"));
        }
        return demo;
    }
}
