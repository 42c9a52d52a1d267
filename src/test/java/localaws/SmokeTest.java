package localaws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import testsupport.LocalStackExtension;

class SmokeTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @Test
    void putsAndGets() {
        aws.dynamoDb().createTable(b -> b.tableName("table1")
                .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
                .billingMode("PAY_PER_REQUEST"));
        aws.dynamoDb().putItem(b -> b.tableName("table1").item(java.util.Map.of("pk", AttributeValue.fromS("a"),
                "n", AttributeValue.fromN("2.0"))));
        var item = aws.dynamoDb().getItem(b -> b.tableName("table1").key(java.util.Map.of("pk", AttributeValue.fromS("a"))))
                .item();
        assertThat(item.get("n").n()).isEqualTo("2");
        aws.s3().createBucket(b -> b.bucket("bucket1"));
        aws.s3().putObject(b -> b.bucket("bucket1").key("a/b/c.txt"), RequestBody.fromString("hello"));
        assertThat(aws.dataDir().resolve("bucket1/a/b/c.txt")).exists();
        var q = aws.sqs().createQueue(b -> b.queueName("q1")).queueUrl();
        aws.sqs().sendMessage(b -> b.queueUrl(q).messageBody("m"));
        assertThat(aws.sqs().receiveMessage(b -> b.queueUrl(q)).messages()).hasSize(1);
    }
}
