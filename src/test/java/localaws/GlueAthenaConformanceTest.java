package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.InvalidRequestException;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.glue.model.ConcurrentModificationException;
import software.amazon.awssdk.services.glue.model.EntityNotFoundException;
import software.amazon.awssdk.services.glue.model.Table;
import testsupport.LocalStackExtension;

/**
 * The emulator's Glue catalog and, without a Trino server, its Athena, through the AWS SDK: what the application and
 * a query engine call, with AWS's errors. Athena's queries on Trino are held by routes.AthenaViewIT.
 */
class GlueAthenaConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @Test
    void tablesAreCreatedReadMovedListedAndDeletedWithGluesErrors() {
        try (GlueClient glue = aws.clients().glue()) {
            glue.createDatabase(b -> b.databaseInput(d -> d.name("lake")));
            assertThatThrownBy(() -> glue.createDatabase(b -> b.databaseInput(d -> d.name("lake"))))
                    .isInstanceOf(AlreadyExistsException.class);
            assertThatThrownBy(() ->
                            glue.createTable(b -> b.databaseName("nowhere").tableInput(t -> t.name("t"))))
                    .isInstanceOf(EntityNotFoundException.class)
                    .hasMessageContaining("nowhere");

            glue.createTable(b -> b.databaseName("lake")
                    .tableInput(t -> t.name("Orders_Current")
                            .parameters(java.util.Map.of("classification", "parquet"))
                            .storageDescriptor(sd -> sd.location("s3://lake/current/00000001/")
                                    .columns(c -> c.name("_key").type("string")))));
            assertThatThrownBy(() ->
                            glue.createTable(b -> b.databaseName("lake").tableInput(t -> t.name("orders_current"))))
                    .as("names are kept lowercase")
                    .isInstanceOf(AlreadyExistsException.class);
            glue.updateTable(b -> b.databaseName("lake")
                    .tableInput(t -> t.name("orders_current")
                            .storageDescriptor(sd -> sd.location("s3://lake/current/00000002/")
                                    .columns(c -> c.name("_key").type("string")))));
            Table table = glue.getTable(b -> b.databaseName("lake").name("ORDERS_CURRENT"))
                    .table();
            assertThat(table.name()).isEqualTo("orders_current");
            assertThat(table.databaseName()).isEqualTo("lake");
            assertThat(table.storageDescriptor().location()).isEqualTo("s3://lake/current/00000002/");
            assertThat(table.storageDescriptor().columns().get(0).name()).isEqualTo("_key");
            assertThat(table.createTime()).isBeforeOrEqualTo(table.updateTime());
            assertThat(glue.getTables(b -> b.databaseName("lake")).tableList())
                    .extracting(Table::name)
                    .containsExactly("orders_current");
            assertThat(glue.getPartitions(b -> b.databaseName("lake").tableName("orders_current"))
                            .partitions())
                    .isEmpty();

            glue.deleteTable(b -> b.databaseName("lake").name("orders_current"));
            assertThatThrownBy(() -> glue.getTable(b -> b.databaseName("lake").name("orders_current")))
                    .isInstanceOf(EntityNotFoundException.class);
        }
    }

    @Test
    void anUpdateNamingAnOlderVersionIdFailsAsGluesOptimisticLockDoes() {
        // Apache Iceberg's Glue catalog commits with UpdateTable(VersionId): a writer that read an older version loses.
        try (GlueClient glue = aws.clients().glue()) {
            glue.createDatabase(b -> b.databaseInput(d -> d.name("versions")));
            glue.createTable(b -> b.databaseName("versions").tableInput(t -> t.name("t")));
            String read = glue.getTable(b -> b.databaseName("versions").name("t"))
                    .table()
                    .versionId();
            glue.updateTable(b -> b.databaseName("versions").versionId(read).tableInput(t -> t.name("t")));
            assertThatThrownBy(() -> glue.updateTable(
                            b -> b.databaseName("versions").versionId(read).tableInput(t -> t.name("t"))))
                    .isInstanceOf(ConcurrentModificationException.class);
            assertThat(glue.getTable(b -> b.databaseName("versions").name("t"))
                            .table()
                            .versionId())
                    .isNotEqualTo(read);
        }
    }

    @Test
    void theCatalogSurvivesARestartTogetherWithTheBuckets(@TempDir Path dir) throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStackSettings.onFreePorts(dir));
                GlueClient glue = glue(stack)) {
            glue.createDatabase(b -> b.databaseInput(d -> d.name("kept")));
            glue.createTable(b -> b.databaseName("kept")
                    .tableInput(t -> t.name("orders_snapshot")
                            .parameters(java.util.Map.of("metadata_location", "s3://lake/m/00001.metadata.json"))));
        }
        try (LocalStack stack = LocalStack.start(LocalStackSettings.onFreePorts(dir));
                GlueClient glue = glue(stack)) {
            Table table = glue.getTable(b -> b.databaseName("kept").name("orders_snapshot"))
                    .table();
            assertThat(table.parameters()).containsEntry("metadata_location", "s3://lake/m/00001.metadata.json");
            assertThat(table.versionId()).isEqualTo("1");
        }
    }

    private static GlueClient glue(LocalStack stack) {
        return dynamolake.AwsClients.local(
                        stack.emulatorEndpoint(), stack.s3Endpoint(), stack.sqsEndpoint(), "us-east-1")
                .glue();
    }

    @Test
    void athenaWithoutATrinoServerRefusesQueriesSayingWhy() {
        try (AthenaClient athena = aws.clients().athena()) {
            assertThatThrownBy(() -> athena.startQueryExecution(b ->
                            b.queryString("SELECT 1").resultConfiguration(r -> r.outputLocation("s3://lake/results/"))))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("local.athena.trino-url");
            assertThatThrownBy(() -> athena.getQueryExecution(b -> b.queryExecutionId("no-such-query")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("no-such-query");
        }
    }
}
