package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.createTable;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsStatus;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import testsupport.LocalStackExtension;

/** DynamoDB's table operations through the AWS SDK against the emulator. */
class DynamoDbTablesConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private DynamoDbClient ddb() {
        return aws.dynamoDb();
    }

    @Test
    void createsAndDescribesATable() {
        createTable(ddb(), "tables-create", "N", null);
        ddb().waiter().waitUntilTableExists(b -> b.tableName("tables-create"));
        TableDescription t =
                ddb().describeTable(b -> b.tableName("tables-create")).table();
        assertThat(t.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(t.tableArn()).isEqualTo("arn:aws:dynamodb:us-east-1:000000000000:table/tables-create");
        assertThat(t.keySchema())
                .extracting(k -> k.attributeName() + ":" + k.keyType())
                .containsExactly("pk:HASH", "sk:RANGE");
        assertThat(t.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        assertThat(t.itemCount()).isZero();
        assertThat(t.creationDateTime()).isNotNull();
    }

    @Test
    void aSecondTableOfTheSameNameIsResourceInUse() {
        createTable(ddb(), "tables-twice", null, null);
        assertThatThrownBy(() -> createTable(ddb(), "tables-twice", null, null))
                .isInstanceOf(ResourceInUseException.class);
    }

    @Test
    void describingAMissingTableIsResourceNotFound() {
        assertThatThrownBy(() -> ddb().describeTable(b -> b.tableName("no-such-table")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("no-such-table");
    }

    @Test
    void keySchemaMustMatchAttributeDefinitions() {
        assertThatThrownBy(() -> ddb().createTable(b -> b.tableName("tables-bad")
                        .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                        .attributeDefinitions(
                                a -> a.attributeName("pk").attributeType("S"),
                                a -> a.attributeName("extra").attributeType("S"))
                        .billingMode("PAY_PER_REQUEST")))
                .isInstanceOf(DynamoDbException.class)
                .satisfies(e -> assertThat(
                                ((DynamoDbException) e).awsErrorDetails().errorCode())
                        .isEqualTo("ValidationException"));
    }

    @Test
    void provisionedTablesNeedThroughput() {
        assertThatThrownBy(() -> ddb().createTable(b -> b.tableName("tables-provisioned")
                        .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                        .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("ReadCapacityUnits and WriteCapacityUnits");
    }

    @Test
    void listsTablesPageByPage() {
        for (int i = 0; i < 5; i++) {
            createTable(ddb(), "tables-list-" + i, null, null);
        }
        var first = ddb().listTables(b -> b.limit(2).exclusiveStartTableName("tables-list-"));
        assertThat(first.tableNames()).containsExactly("tables-list-0", "tables-list-1");
        assertThat(first.lastEvaluatedTableName()).isEqualTo("tables-list-1");
        List<String> all = new ArrayList<>();
        ddb().listTablesPaginator(b -> b.limit(2)).tableNames().forEach(all::add);
        assertThat(all).contains("tables-list-0", "tables-list-4").isSorted().doesNotHaveDuplicates();
    }

    @Test
    void enablingAStreamGivesTheTableALatestStream() {
        createTable(ddb(), "tables-stream", null, null);
        assertThat(ddb().describeTable(b -> b.tableName("tables-stream"))
                        .table()
                        .latestStreamArn())
                .isNull();
        ddb().updateTable(b -> b.tableName("tables-stream")
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_IMAGE)));
        TableDescription t =
                ddb().describeTable(b -> b.tableName("tables-stream")).table();
        assertThat(t.latestStreamArn()).startsWith(t.tableArn() + "/stream/").endsWith(t.latestStreamLabel());
        assertThat(t.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_IMAGE);
        assertThatThrownBy(() -> ddb().updateTable(b -> b.tableName("tables-stream")
                        .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.KEYS_ONLY))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("already has an enabled stream");
        ddb().updateTable(b -> b.tableName("tables-stream").streamSpecification(s -> s.streamEnabled(false)));
        assertThat(ddb().describeTable(b -> b.tableName("tables-stream"))
                        .table()
                        .streamSpecification()
                        .streamEnabled())
                .isFalse();
    }

    @Test
    void deletesATable() {
        createTable(ddb(), "tables-delete", null, null);
        assertThat(ddb().deleteTable(b -> b.tableName("tables-delete"))
                        .tableDescription()
                        .tableStatus())
                .isEqualTo(TableStatus.DELETING);
        assertThatThrownBy(() -> ddb().describeTable(b -> b.tableName("tables-delete")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> ddb().deleteTable(b -> b.tableName("tables-delete")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void turnsPointInTimeRecoveryOnAndOff() {
        createTable(ddb(), "tables-pitr", null, null);
        assertThat(ddb().describeContinuousBackups(b -> b.tableName("tables-pitr"))
                        .continuousBackupsDescription()
                        .pointInTimeRecoveryDescription()
                        .pointInTimeRecoveryStatus())
                .isEqualTo(PointInTimeRecoveryStatus.DISABLED);
        var enabled = ddb().updateContinuousBackups(b -> b.tableName("tables-pitr")
                        .pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true)))
                .continuousBackupsDescription();
        assertThat(enabled.continuousBackupsStatus()).isEqualTo(ContinuousBackupsStatus.ENABLED);
        assertThat(enabled.pointInTimeRecoveryDescription().pointInTimeRecoveryStatus())
                .isEqualTo(PointInTimeRecoveryStatus.ENABLED);
        assertThat(enabled.pointInTimeRecoveryDescription().earliestRestorableDateTime())
                .isNotNull();
    }

    @Test
    void turnsTimeToLiveOn() {
        createTable(ddb(), "tables-ttl", null, null);
        assertThat(ddb().describeTimeToLive(b -> b.tableName("tables-ttl"))
                        .timeToLiveDescription()
                        .timeToLiveStatus())
                .isEqualTo(TimeToLiveStatus.DISABLED);
        ddb().updateTimeToLive(b -> b.tableName("tables-ttl")
                .timeToLiveSpecification(t -> t.attributeName("exp").enabled(true)));
        var d = ddb().describeTimeToLive(b -> b.tableName("tables-ttl")).timeToLiveDescription();
        assertThat(d.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        assertThat(d.attributeName()).isEqualTo("exp");
    }

    @Test
    void anOperationTheEmulatorDoesNotHaveIsAClearError() {
        assertThatThrownBy(() -> ddb().listBackups(b -> b.tableName("x")))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("does not implement DynamoDB operation ListBackups");
    }
}
