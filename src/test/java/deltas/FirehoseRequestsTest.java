package deltas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import software.amazon.awssdk.services.firehose.model.Record;

/**
 * The PutRecordBatch body dynamo-lake writes itself is the one the AWS SDK writes for the same records: both sent to
 * an HTTP server that keeps what it receives, and compared.
 */
class FirehoseRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theBodyWrittenHereIsTheOneTheSdkWritesAndItsAnswerMapsToTheRecords() throws Exception {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        List<String> lengths = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(body);
            lengths.add(exchange.getRequestHeaders().getFirst("Content-Length"));
            int records = JSON.readTree(body).path("Records").size();
            StringBuilder answer =
                    new StringBuilder("{\"FailedPutCount\":1,\"Encrypted\":false,\"RequestResponses\":[");
            for (int i = 0; i < records; i++) {
                answer.append(i == 0 ? "" : ",")
                        .append(
                                i == 1
                                        ? "{\"ErrorCode\":\"ServiceUnavailableException\",\"ErrorMessage\":\"slow down\"}"
                                        : "{\"RecordId\":\"r" + i + "\"}");
            }
            byte[] bytes = answer.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        try (FirehoseClient client = FirehoseClient.builder()
                .endpointOverride(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                .build()) {
            Random random = new Random(7);
            List<Record> records = new ArrayList<>();
            for (int size : new int[] {0, 1, 2, 3, 4, 1000, 1024 * 1000}) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                records.add(Record.builder().data(SdkBytes.fromByteArray(data)).build());
            }
            records.add(Record.builder()
                    .data(SdkBytes.fromUtf8String("{\"object\":{\"t\":\"é😀 \\\"q\\\"\"}}\n"))
                    .build());
            String stream = "deltas \"quoted\" é";

            client.putRecordBatch(b -> b.deliveryStreamName(stream).records(records));
            FirehoseRequests.Prepared prepared = FirehoseRequests.putRecordBatch(stream, records);
            PutRecordBatchResponse ours = client.putRecordBatch(prepared.request());
            assertThat(prepared.body().written()).isTrue();

            assertThat(received).hasSize(2);
            JsonNode sdk = JSON.readTree(received.get(0));
            JsonNode written = JSON.readTree(received.get(1));
            assertThat(written).isEqualTo(sdk);
            assertThat(written.path("Records").get(6).path("Data").asText()).hasSize(1024 * 1000 / 3 * 4 + 4);
            assertThat(lengths.get(1)).isEqualTo(Integer.toString(received.get(1).length));
            assertThat(ours.requestResponses()).hasSize(records.size());
            assertThat(ours.requestResponses().get(1).errorCode()).isEqualTo("ServiceUnavailableException");

            // A client that drops per-request plugins (here: a wrapper that rebuilds the request without them) sent
            // the empty records: the batch notices and sends them all again as the SDK's own request.
            FirehoseBatch batch = new FirehoseBatch(
                    records.stream().map(r -> r.data().asByteArray()).toList(), 10);
            PutRecordBatchResponse dropped = client.putRecordBatch(batch.request(stream).toBuilder()
                    .overrideConfiguration((AwsRequestOverrideConfiguration) null)
                    .build());
            assertThat(batch.accept(dropped)).isZero();
            assertThat(batch.size()).as("nothing of it landed").isEqualTo(records.size());
            assertThat(JSON.readTree(received.get(2))
                            .path("Records")
                            .get(5)
                            .path("Data")
                            .asText())
                    .isEmpty();
            batch.accept(client.putRecordBatch(batch.request(stream)));
            assertThat(JSON.readTree(received.get(3))).isEqualTo(sdk);
            assertThat(batch.size()).as("the one the server refused is left").isEqualTo(1);
        } finally {
            server.stop(0);
        }
    }
}
