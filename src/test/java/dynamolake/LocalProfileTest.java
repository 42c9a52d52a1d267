package dynamolake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dynamolake.demo.DemoItems;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import testsupport.StreamReader;

/** The application on the {@code local} profile, started as {@code java -jar} starts it: Camel Main. */
class LocalProfileTest {
    @TempDir
    static Path data;

    private static Main main;

    @BeforeAll
    static void start() {
        main = localMain(data, Map.of());
        main.start();
    }

    @AfterAll
    static void stop() {
        main.stop();
    }

    static Main localMain(Path dir, Map<String, String> more) {
        Main m = new Main();
        Map<String, String> props = new HashMap<>(Map.of(
                "local.emulator.port",
                "0",
                "local.s3.port",
                "0",
                "local.sqs.port",
                "0",
                "local.data-dir",
                dir.toString(),
                "local.demo.items",
                "300",
                "local.demo.large-items",
                "1",
                "local.demo.changes-per-second",
                "50",
                "local.demo.ttl-seconds",
                "2",
                "local.ttl.sweep-interval",
                "200ms"));
        props.put("camel.management.port", Integer.toString(testsupport.Ports.free()));
        props.put("views.compaction-delay", "3s");
        props.put("views.compaction-interval", "3s");
        props.putAll(more);
        props.forEach(m::addOverrideProperty);
        return m;
    }

    private static <T> T bean(Class<T> type) {
        if (type == DynamoDbClient.class) {
            // Two are bound, one per account: the table's is this one.
            return type.cast(main.getCamelContext().getRegistry().lookupByName("dynamoDbClient"));
        }
        return main.getCamelContext().getRegistry().findSingleByType(type);
    }

    private static String streamArn() {
        return bean(DynamoDbClient.class)
                .describeTable(b -> b.tableName("demo-orders"))
                .table()
                .latestStreamArn();
    }

    @Test
    void createsTheDemoTableWithItsStreamRecoveryAndTimeToLive() {
        DynamoDbClient ddb = bean(DynamoDbClient.class);
        var table = ddb.describeTable(b -> b.tableName("demo-orders")).table();
        assertThat(table.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(ddb.describeContinuousBackups(b -> b.tableName("demo-orders"))
                        .continuousBackupsDescription()
                        .pointInTimeRecoveryDescription()
                        .pointInTimeRecoveryStatus())
                .isEqualTo(PointInTimeRecoveryStatus.ENABLED);
        assertThat(ddb.describeTimeToLive(b -> b.tableName("demo-orders"))
                        .timeToLiveDescription()
                        .timeToLiveStatus())
                .isEqualTo(TimeToLiveStatus.ENABLED);
    }

    @Test
    void seedsItemsOfEveryTypeWithTheCasesLakesGetWrong() {
        Set<String> types = new HashSet<>();
        Set<String> refTypes = new HashSet<>();
        int large = 0;
        int count = 0;
        for (Map<String, AttributeValue> item : bean(DynamoDbClient.class)
                .scanPaginator(b -> b.tableName("demo-orders"))
                .items()) {
            count++;
            item.values().forEach(v -> types.add(v.type().name()));
            refTypes.add(item.get("ref").type().name());
            large += item.containsKey("payload") && item.get("payload").s().length() > 390 * 1024 ? 1 : 0;
            if (item.containsKey("exactAmount")) {
                assertThat(item.get("exactAmount").n()).isEqualTo("12345678901234567890123456789012345678");
                assertThat(item.get("tiny").n())
                        .as("DynamoDB returns numbers without exponent")
                        .isEqualTo("0." + "0".repeat(129) + "1");
            }
        }
        assertThat(count).isGreaterThanOrEqualTo(250);
        assertThat(types).contains("S", "N", "B", "BOOL", "NUL", "SS", "NS", "BS", "L", "M");
        assertThat(refTypes).as("an attribute whose type differs between items").containsExactlyInAnyOrder("N", "S");
        assertThat(large).isEqualTo(1);
    }

    @Test
    void changesTheTableContinuouslyIncludingTimeToLiveDeletes() {
        assertThat(main.getCamelContext().getRouteController().getRouteStatus("local-demo-changes"))
                .isEqualTo(ServiceStatus.Started);
        DynamoDbStreamsClient streams = bean(DynamoDbStreamsClient.class);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Record> records = StreamReader.readAll(streams, streamArn());
            assertThat(records)
                    .extracting(Record::eventName)
                    .contains(OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE);
            assertThat(records)
                    .as("time to live deletes some of the orders that expire")
                    .anyMatch(r -> r.userIdentity() != null
                            && "Service".equals(r.userIdentity().type()));
        });
    }

    @Test
    void createsTheLocalResourcesAndKeepsTheLakeInAFolder() {
        assertThat(Files.isDirectory(data.resolve("dynamo-lake"))).isTrue();
        assertThat(Files.isDirectory(data.resolve("dynamo-lake-exports"))).isTrue();
        assertThat(bean(FirehoseClient.class)
                        .describeDeliveryStream(b -> b.deliveryStreamName("dynamo-lake-deltas"))
                        .deliveryStreamDescription()
                        .destinations()
                        .get(0)
                        .extendedS3DestinationDescription()
                        .prefix())
                .isEqualTo("tables/demo-orders/deltas/");
        assertThat(bean(SqsClient.class).listQueues().queueUrls())
                .anyMatch(u -> u.endsWith("/dynamo-lake-export-files"))
                .anyMatch(u -> u.endsWith("/dynamo-lake-export-files-dlq"));
        assertThat(DemoItems.key(12)).containsEntry("customerId", AttributeValue.fromS("customer-00001"));
    }

    @Test
    void aTakenPortStopsStartupWithOneLineNamingTheProperty(@TempDir Path other) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> localMain(other, Map.of("local.sqs.port", Integer.toString(taken.getLocalPort())))
                            .start())
                    .hasStackTraceContaining("local.sqs.port=" + taken.getLocalPort()
                            + ": the port is already in use on 127.0.0.1; set local.sqs.port to a free port");
        }
    }

    @Test
    void landsTheSeededOrdersAndTheChangesInTheLakesDeltasFolder() {
        testsupport.Lake lake = new testsupport.Lake(
                bean(software.amazon.awssdk.services.s3.S3Client.class), "dynamo-lake", "tables/demo-orders/");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            var envelopes = lake.envelopes();
            assertThat(envelopes.stream()
                            .map(e -> e.path("eventId").asText())
                            .distinct()
                            .count())
                    .as("the seeded orders at least")
                    .isGreaterThanOrEqualTo(300);
            assertThat(envelopes).extracting(e -> e.path("action").asText()).contains("INSERT", "MODIFY", "REMOVE");
        });
        assertThat(data.resolve("dynamo-lake/tables/demo-orders/deltas")).isDirectory();
    }

    @Test
    void publishesASnapshotOfTheWholeTableOnItsFirstRun() throws Exception {
        Path table = data.resolve("dynamo-lake/tables/demo-orders");
        var current = await().atMost(Duration.ofSeconds(90))
                .ignoreExceptions()
                .until(() -> lake().snapshot(), java.util.Objects::nonNull);
        String exportId = current.path("exportId").asText();
        Path parts = table.resolve("snapshots/" + exportId + "/data");
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                var st = db.createStatement();
                var rs = st.executeQuery("SELECT count(*), count(DISTINCT (customerId, orderId)) FROM read_parquet('"
                        + parts + "/*.parquet')")) {
            rs.next();
            assertThat(rs.getLong(1))
                    .as("rows in the folder of the export the snapshot's table holds")
                    .isEqualTo(current.path("itemCount").asLong())
                    .isEqualTo(rs.getLong(2))
                    .as("the seeded orders, give or take the changes since")
                    .isGreaterThan(200);
        }
        // Written right after the commit that publishes the snapshot, for tools that read folders.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(table.resolve("_catalog/snapshot.sql"))
                        .content()
                        .contains("CREATE EXTERNAL TABLE", exportId));
    }

    @Test
    void publishesACurrentViewOnItsOwnSchedule() throws Exception {
        Path table = data.resolve("dynamo-lake/tables/demo-orders");
        var current = await().atMost(Duration.ofSeconds(90))
                .ignoreExceptions()
                .until(() -> lake().currentView(), java.util.Objects::nonNull);
        // The first version is a full build: its folder holds every part.
        Path parts = data.resolve(
                "dynamo-lake/" + current.path("location").asText().substring("s3://dynamo-lake/".length()));
        try (var db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                var st = db.createStatement();
                var rs = st.executeQuery(
                        "SELECT count(*), count(DISTINCT _key) FROM read_parquet('" + parts + "/*.parquet')")) {
            rs.next();
            assertThat(rs.getLong(1))
                    .isEqualTo(current.path("itemCount").asLong())
                    .isEqualTo(rs.getLong(2))
                    .isGreaterThan(200);
        }
        assertThat(table.resolve("_catalog/current.sql")).content().contains("CREATE EXTERNAL TABLE");
        theSnapshotAndTheCurrentViewAreIcebergTablesOfTheLocalCatalogKeptInTheDataFolder(table);
    }

    /** The demo table's lake, read through the application's own catalog as any Iceberg reader would. */
    private static testsupport.Lake lake() {
        var registry = main.getCamelContext().getRegistry();
        var s3 = registry.findSingleByType(software.amazon.awssdk.services.s3.S3Client.class);
        return new testsupport.Lake(
                s3,
                "dynamo-lake",
                "tables/demo-orders/",
                testsupport.IcebergTables.catalog(
                        s3,
                        registry.lookupByNameAndType(
                                "glueClient", software.amazon.awssdk.services.glue.GlueClient.class)));
    }

    /**
     * Part of the test above, which has waited for the first view: a test of its own would run before the seeding
     * test in JUnit's order and keep it waiting until the demo's deletes reached the large item.
     */
    private static void theSnapshotAndTheCurrentViewAreIcebergTablesOfTheLocalCatalogKeptInTheDataFolder(Path table) {
        var registry = main.getCamelContext().getRegistry();
        var catalog = testsupport.IcebergTables.catalog(
                registry.findSingleByType(software.amazon.awssdk.services.s3.S3Client.class),
                registry.lookupByNameAndType("glueClient", software.amazon.awssdk.services.glue.GlueClient.class));
        for (String what : List.of("snapshot", "current")) {
            var id = org.apache.iceberg.catalog.TableIdentifier.of("dynamo_lake", "demo_orders_" + what);
            await().atMost(Duration.ofSeconds(90))
                    .ignoreExceptions()
                    .until(() -> catalog.loadTable(id).currentSnapshot() != null);
            // The record the commit names (the export's _published.json, the version's state) holds what the commit
            // does (the table may move on between the two reads: retry).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var summary = catalog.loadTable(id).currentSnapshot().summary();
                var pointer = what.equals("snapshot") ? lake().snapshot() : lake().currentView();
                // Iceberg counts the parts' rows, and apart the rows a patched version's position deletes remove.
                assertThat(Long.parseLong(summary.get("total-records"))
                                - Long.parseLong(summary.getOrDefault("total-position-deletes", "0")))
                        .isEqualTo(pointer.path("itemCount").asLong());
                assertThat(summary.get(lake.IcebergSnapshotTable.EXPORT_ID))
                        .isEqualTo(pointer.path(what.equals("snapshot") ? "exportId" : "snapshot")
                                .asText());
            });
        }
        assertThat(data.resolve(localaws.LocalStack.GLUE_CATALOG_FILE))
                .content()
                .contains("demo_orders_snapshot", "demo_orders_current", "metadata_location");
    }
}
