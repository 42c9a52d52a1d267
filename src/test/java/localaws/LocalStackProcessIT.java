package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.s;

import dynamolake.AwsClients;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.Select;
import testsupport.JavaProcess;
import testsupport.Ports;
import testsupport.StackProcess;

/**
 * The local stack in its own process: faults injected over its admin API, and the application killed with SIGKILL
 * and started again against the same stack, finding its table where it left it.
 */
class LocalStackProcessIT {
    @Test
    void theStackOutlivesAKilledApplication(@TempDir Path dir) throws Exception {
        try (StackProcess running = StackProcess.start(dir, List.of())) {
            JavaProcess stack = running.process();
            URI emulator = running.emulator();
            URI s3 = running.s3();
            URI sqs = running.sqs();
            AwsClients clients = AwsClients.local(emulator, s3, sqs, "us-east-1");
            LocalAwsAdminClient admin = new LocalAwsAdminClient(emulator);
            try (DynamoDbClient ddb = clients.dynamoDb()) {
                injectsFaultsOverTheAdminApi(ddb, admin);

                List<String> app = new java.util.ArrayList<>(running.applicationProperties(dir));
                app.addAll(List.of("-Dlocal.demo.items=200", "-Dlocal.demo.large-items=0"));
                try (JavaProcess first = JavaProcess.start("dynamolake.DynamoLake", app, List.of(), dir)) {
                    first.awaitLine("Seeded demo table demo-orders with 200 orders", Duration.ofSeconds(60));
                    first.awaitLine("Apache Camel .* started in", Duration.ofSeconds(30));
                    first.kill();
                }
                try (JavaProcess second = JavaProcess.start("dynamolake.DynamoLake", app, List.of(), dir)) {
                    second.awaitLine("Apache Camel .* started in", Duration.ofSeconds(60));
                    assertThat(second.lines())
                            .as("the table survived the kill, so it is not seeded again")
                            .noneMatch(l -> l.contains("Seeded demo table"));
                    assertThat(ddb.scan(b -> b.tableName("demo-orders").select(Select.COUNT))
                                    .count())
                            .isGreaterThanOrEqualTo(150);
                    second.stop(Duration.ofSeconds(30));
                    assertThat(second.lines()).anyMatch(l -> l.contains("shutdown"));
                }
            }
            stack.stop(Duration.ofSeconds(30));
            assertThat(stack.lines()).contains("LOCAL STACK STOPPED");
            assertThat(List.of(emulator.getPort(), s3.getPort(), sqs.getPort()))
                    .allSatisfy(p -> assertThat(Ports.isFree(p)).isTrue());
            assertThat(Files.isDirectory(dir.resolve("data/dynamo-lake")))
                    .as("the lake bucket is a folder")
                    .isTrue();
        }
    }

    private static void injectsFaultsOverTheAdminApi(DynamoDbClient ddb, LocalAwsAdminClient admin) {
        assertThat(admin.isHealthy()).isTrue();
        createTable(ddb, "admin-faults", null, null);
        // A code the SDK does not retry, so the fault surfaces at once.
        admin.throttle("DynamoDB_20120810.PutItem", 1, "RequestLimitExceededByTest");
        assertThatThrownBy(() -> ddb.putItem(b -> b.tableName("admin-faults").item(item("pk", s("a")))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("injected by the local emulator");
        ddb.putItem(b -> b.tableName("admin-faults").item(item("pk", s("a"))));
        admin.throttle("DynamoDB_20120810.PutItem", 5, null);
        admin.clearFaults();
        ddb.putItem(b -> b.tableName("admin-faults").item(item("pk", s("b"))));
        assertThat(admin.calls().get("DynamoDB_20120810.PutItem")).isEqualTo(3);
        assertThatThrownBy(() -> admin.trimStream("admin-faults")).hasMessageContaining("has no stream");
    }
}
