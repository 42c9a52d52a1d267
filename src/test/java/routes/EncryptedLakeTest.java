package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import dynamolake.demo.DemoTable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import testsupport.Apps;
import testsupport.AwsCallRecorder;
import testsupport.AwsCallRecorder.Call;
import testsupport.Lake;
import testsupport.LocalStackExtension;

/**
 * lake.sse on every object the application writes, so that a bucket policy denying unencrypted PUTs holds: the
 * application runs with SSE-KMS while the stream lands (an oversized envelope, a dead letter), an export becomes a
 * snapshot and the current view is built twice; every PutObject, CreateMultipartUpload and CopyObject it sends to the
 * lake carries the encryption headers with the key, and every object it left in the lake is stored encrypted with it.
 * The deltas under deltas/ are Firehose's, encrypted by its delivery stream's own settings, not by the application.
 */
class EncryptedLakeTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "encrypted-orders";
    private static final String PREFIX = "tables/" + TABLE + "/";
    private static final String KEY = "arn:aws:kms:us-east-1:000000000000:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    private static final List<String> WRITES = List.of("PutObject", "CreateMultipartUpload", "CopyObject");

    private static boolean byTheApplication(Call c) {
        String key = c.fields().getOrDefault("Key", c.fields().getOrDefault("DestinationKey", ""));
        String bucket = c.fields().getOrDefault("Bucket", c.fields().getOrDefault("DestinationBucket", ""));
        return bucket.equals("dynamo-lake") && key.startsWith(PREFIX) && !key.startsWith(PREFIX + "deltas/");
    }

    private static void putBig(String pk, int version) {
        byte[] blob = new byte[390 * 1024];
        new java.util.Random(version).nextBytes(blob);
        Map<String, AttributeValue> item = item(
                "customerId",
                s(pk),
                "orderId",
                n("1"),
                "v",
                n(Integer.toString(version)),
                "blob",
                AttributeValue.fromB(SdkBytes.fromByteArray(blob)));
        aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item));
    }

    @Test
    void everyObjectTheApplicationWritesIsEncryptedWithTheLakesKey() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 13, 3600);
        demo.create();
        demo.seed(300, 0);
        Main app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "lake.sse", "aws:kms",
                        "lake.sse-kms-key-id", KEY,
                        "views.compaction-enabled", "true",
                        "views.compaction-delay", "1s",
                        "views.compaction-interval", "2s",
                        "views.keep", "1"));
        Lake lake = Apps.lake(aws, TABLE);
        AwsCallRecorder.start();
        List<Call> calls;
        try {
            app.start();
            String id = app.getCamelContext()
                    .getRegistry()
                    .lookupByNameAndType("exportRequester", export.ExportRequester.class)
                    .request("test", Instant.now(), true)
                    .orElseThrow();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> lake.snapshot().path("exportId").asText().equals(id));
            // An envelope over Firehose's record limit goes straight to the lake, and so does a dead letter.
            putBig("big", 0);
            putBig("big", 1);
            aws.stack().emulator().faults().corruptStreamRecords(TABLE, 1);
            aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item("customerId", s("dead"), "orderId", n("1"))));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !lake.keys("deltas-overflow/").isEmpty()
                            && !lake.keys("dead-letters/stream/").isEmpty());
            long first = await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> lake.currentView().path("version").asLong(), v -> v >= 1);
            demo.change(30);
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> lake.currentView().path("version").asLong() > first);
        } finally {
            calls = AwsCallRecorder.stop();
            app.stop();
        }

        List<Call> writes = calls.stream()
                .filter(c -> c.service().equals("S3") && WRITES.contains(c.operation()))
                .filter(EncryptedLakeTest::byTheApplication)
                .toList();
        Set<String> kinds = new TreeSet<>();
        for (Call c : writes) {
            String key = c.fields()
                    .getOrDefault("Key", c.fields().get("DestinationKey"))
                    .substring(PREFIX.length());
            kinds.add(
                    key.endsWith(".parquet")
                            ? key.substring(0, key.indexOf('/')) + "/…parquet"
                            : key.replaceAll("/.*", "/"));
        }
        assertThat(kinds)
                .as("the kinds of object written: Parquet parts, pointers, catalog, dead letters, overflow")
                .contains(
                        "snapshots/…parquet",
                        "current/…parquet",
                        "snapshots/",
                        "current/",
                        "_catalog/",
                        "dead-letters/",
                        "deltas-overflow/");
        assertThat(writes)
                .allSatisfy(c -> assertThat(c.encryption())
                        .as(c.operation() + " " + c.fields())
                        .containsEntry("x-amz-server-side-encryption", "aws:kms")
                        .containsEntry("x-amz-server-side-encryption-aws-kms-key-id", KEY));

        List<S3Object> stored = lake.objects("").stream()
                .filter(o -> !o.key().startsWith(PREFIX + "deltas/"))
                .toList();
        assertThat(stored).hasSizeGreaterThan(10);
        assertThat(stored).allSatisfy(o -> {
            var head = aws.s3().headObject(b -> b.bucket("dynamo-lake").key(o.key()));
            assertThat(head.serverSideEncryption()).as(o.key()).isEqualTo(ServerSideEncryption.AWS_KMS);
            assertThat(head.ssekmsKeyId()).as(o.key()).isEqualTo(KEY);
        });
    }
}
