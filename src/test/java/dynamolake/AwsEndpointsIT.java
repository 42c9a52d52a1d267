package dynamolake;

import static org.awaitility.Awaitility.await;

import dynamolake.demo.DemoTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.JavaProcess;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.Ports;

/**
 * The aws profile against an AWS-compatible service reached by host name, as a user points it at LocalStack, moto or
 * MinIO: aws.endpoint-url for DynamoDB, Streams and Firehose, aws.s3.endpoint-url with path-style buckets for S3, and
 * the AWS SDK's own variable for SQS (AWS_ENDPOINT_URL_SQS), which comes before the application's setting. Readiness
 * calls each service; the first snapshot and the stream's changes land in the lake.
 */
class AwsEndpointsIT {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @TempDir
    static Path dir;

    private static final String TABLE = "by-hostname";
    private static final String LAKE = "lake-by-hostname";

    private static String byHostName(URI endpoint) {
        return "http://localhost:" + endpoint.getPort();
    }

    @Test
    void theAwsProfileRunsAgainstEndpointsGivenByHostName() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 9, 3600);
        demo.create();
        demo.seed(100, 0);
        LocalProvisioning.provision(
                aws.s3(),
                aws.firehose(),
                aws.sqs(),
                new LocalProvisioning.Names(
                        LAKE,
                        "tables/" + TABLE + "/",
                        "exports-by-hostname",
                        TABLE + "-deltas",
                        1,
                        5,
                        TABLE + "-files"));
        int port = Ports.free();
        List<String> props = List.of(
                "-Dcamel.main.profile=aws",
                "-Daws.region=us-east-1",
                "-Daws.endpoint-url=" + byHostName(aws.stack().emulatorEndpoint()),
                "-Daws.s3.endpoint-url=" + byHostName(aws.stack().s3Endpoint()),
                "-Daws.s3.path-style=true",
                "-Dtable.name=" + TABLE,
                "-Dlake.bucket=" + LAKE,
                "-Dlake.prefix=tables/" + TABLE + "/",
                "-Dexport.bucket=exports-by-hostname",
                "-Dexport.prefix=exports/",
                "-Dfirehose.delivery-stream=" + TABLE + "-deltas",
                "-Dexport.queue=" + TABLE + "-files",
                "-Dexport.check-interval=500ms",
                "-Dexport.work-dir=" + dir.resolve("work"),
                "-Dcamel.component.ddbstream.idle-delay=100ms",
                "-Dviews.compaction-enabled=false",
                "-Dcluster.leader-election=checkpoint-table",
                "-Dcamel.management.host=127.0.0.1",
                "-Dcamel.management.port=" + port);
        Map<String, String> env = Map.of(
                "AWS_ENDPOINT_URL_SQS", byHostName(aws.stack().sqsEndpoint()),
                "AWS_ACCESS_KEY_ID", "local",
                "AWS_SECRET_ACCESS_KEY", "local");
        Lake lake = new Lake(aws.s3(), LAKE, "tables/" + TABLE + "/", testsupport.IcebergTables.catalog(aws));
        try (JavaProcess app = JavaProcess.start("dynamolake.DynamoLake", props, List.of(), dir, env)) {
            app.awaitLine("Profile aws: AWS clients for region us-east-1 at http://localhost:", Duration.ofSeconds(60));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                    .build();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> http.send(ready, HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200);
            demo.change(10);
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> lake.snapshot().path("itemCount").asLong() > 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> lake.envelopes().size() >= 110);
            app.stop(Duration.ofSeconds(30));
        }
    }
}
