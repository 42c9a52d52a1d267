package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.awkwardItem;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.sun.net.httpserver.HttpServer;
import dynamolake.demo.DemoItems;
import item.DeltaEnvelopes;
import item.ItemFormatException;
import item.StreamRecordTranscoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.Crc32MismatchException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import testsupport.LocalStackExtension;
import testsupport.StreamReader;

/**
 * GetRecords read raw (the records' JSON split from the response, envelopes written from it) against the AWS SDK
 * reading the same response into its objects: the same records, the same envelope bytes, the same records refused.
 */
class WireGetRecordsTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @Test
    void recordsFromTheStackReadRawEqualWhatTheSdkReads() throws IOException {
        String table = "wire";
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        DemoItems orders = new DemoItems(7);
        for (int i = 0; i < 40; i++) {
            Map<String, AttributeValue> order = orders.order(i);
            order.put("pk", s("order-" + i));
            aws.dynamoDb().putItem(b -> b.tableName(table).item(order));
        }
        aws.dynamoDb().putItem(b -> b.tableName(table).item(awkwardItem("awkward")));
        aws.dynamoDb().putItem(b -> b.tableName(table).item(item("pk", s("order-3"), "v", n("2.50"))));
        aws.dynamoDb().deleteItem(b -> b.tableName(table).key(Map.of("pk", s("order-4"))));
        String stream =
                aws.dynamoDb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
        DynamoDbStreamsClient streams = aws.streams();
        List<Record> sdk = new ArrayList<>();
        List<RawRecord> raw = new ArrayList<>();
        for (var shard : StreamReader.shards(streams, stream)) {
            String iterator = streams.getShardIterator(b -> b.streamArn(stream)
                            .shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                    .shardIterator();
            while (iterator != null) {
                String it = iterator;
                var page = WireGetRecords.getRecords(streams, it, 7);
                var same = streams.getRecords(b -> b.shardIterator(it).limit(7));
                assertThat(page.nextShardIterator() == null).isEqualTo(same.nextShardIterator() == null);
                assertThat(page.fromBody())
                        .as("split from the response, not rebuilt from the SDK's objects")
                        .isTrue();
                raw.addAll(page.records());
                sdk.addAll(same.records());
                iterator = page.records().isEmpty() ? null : page.nextShardIterator();
            }
        }
        assertThat(raw).hasSize(43).hasSameSizeAs(sdk);
        for (int i = 0; i < raw.size(); i++) {
            RawRecord r = raw.get(i);
            Record s = sdk.get(i);
            assertThat(r.sequenceNumber()).isEqualTo(s.dynamodb().sequenceNumber());
            assertThat(r.approximateCreationDateTime()).isEqualTo(s.dynamodb().approximateCreationDateTime());
            assertThat(r.toSdk()).isEqualTo(s);
            assertThat(envelope(r.json())).isEqualTo(sdkEnvelope(s));
        }
        assertThat(raw).extracting(r -> r.toSdk().eventNameAsString()).contains("INSERT", "MODIFY", "REMOVE");
    }

    /** Responses AWS may send that the local stack does not: each read both ways from the same bytes. */
    @Test
    void editedResponsesReadRawEqualWhatTheSdkReads() throws Exception {
        List<String> records = List.of(
                // Exponent form and a fraction beyond milliseconds in the creation time.
                record("INSERT", "1.46480431E9", "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\".5\"}}", ""),
                record("MODIFY", "1700000000.123999", "\"NewImage\":{\"pk\":{\"S\":\"a\"}}", ""),
                // Escapes, characters outside the BMP, a slash escaped, binary without its padding.
                record(
                        "INSERT",
                        "1700000000",
                        "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"t\":{\"S\":\"\\u00e9\\ud83d\\ude00 a\\/b \\\"q\\\"\\n\"},"
                                + "\"b\":{\"B\":\"AQ\"},\"bs\":{\"BS\":[\"AQI=\"]},\"nul\":{\"NULL\":true},"
                                + "\"m\":{\"M\":{\"l\":{\"L\":[{\"N\":\"1E+3\"},{\"BOOL\":false},{\"SS\":[]}]}}}}",
                        ""),
                // A deletion by time to live, with the old image.
                record(
                        "REMOVE",
                        "1700000001",
                        "\"OldImage\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"3\"}}",
                        ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}"),
                // A stream of keys only.
                record("MODIFY", "1700000002", "", ""),
                // Empty new image.
                record("INSERT", "1700000003", "\"NewImage\":{}", ""));
        try (Canned server = new Canned()) {
            for (String record : records) {
                server.body.set("{\"NextShardIterator\":\"next\",\"Records\":[" + record + "]}");
                var page = WireGetRecords.getRecords(server.client, "it", 10);
                Record sdk = server.client
                        .getRecords(b -> b.shardIterator("it"))
                        .records()
                        .get(0);
                assertThat(page.nextShardIterator()).isEqualTo("next");
                assertThat(page.records()).hasSize(1);
                assertThat(new String(page.records().get(0).json(), StandardCharsets.UTF_8))
                        .isEqualTo(record);
                assertThat(envelope(page.records().get(0).json())).as(record).isEqualTo(sdkEnvelope(sdk));
            }
        }
    }

    /** The split finds records by strings and nesting only: whitespace, fields it does not know, awkward strings. */
    @Test
    void bodiesInAnyLayoutSplitIntoTheRecordsTheSdkReads() throws Exception {
        String tricky = record(
                "INSERT",
                "1700000000",
                "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"s\":{\"S\":\"}]{[\\\" \\\\\"},\"t\":{\"S\":\"\\\\\"}}",
                "");
        List<String> bodies = List.of(
                "{\n  \"Records\" : [\n    " + tricky + " ,\n\t" + tricky
                        + "\n  ],\n  \"NextShardIterator\" : \"n\\/x\"\n}\n",
                "{\"Extra\":{\"a\":[1,2.5e3,{\"b\":\"}\"}],\"c\":null},\"Flag\":true,\"Size\":-12,\"Records\":["
                        + tricky + "],\"NextShardIterator\":\"n/x\"}",
                "{\"NextShardIterator\":\"n/x\",\"Records\":[]}");
        try (Canned server = new Canned()) {
            for (String body : bodies) {
                server.body.set(body);
                var page = WireGetRecords.getRecords(server.client, "it", 10);
                var sdk = server.client.getRecords(b -> b.shardIterator("it"));
                assertThat(page.fromBody()).as(body).isTrue();
                assertThat(page.nextShardIterator())
                        .isEqualTo(sdk.nextShardIterator())
                        .isEqualTo("n/x");
                assertThat(page.records()).hasSameSizeAs(sdk.records());
                for (int i = 0; i < sdk.records().size(); i++) {
                    RawRecord raw = page.records().get(i);
                    assertThat(new String(raw.json(), StandardCharsets.UTF_8)).isEqualTo(tricky);
                    assertThat(raw.toSdk()).isEqualTo(sdk.records().get(i));
                    assertThat(envelope(raw.json()))
                            .isEqualTo(sdkEnvelope(sdk.records().get(i)));
                }
            }
            server.body.set("{\"Records\":[" + tricky + "],\"NextShardIterator\":\"n\"");
            assertThatThrownBy(() -> WireGetRecords.getRecords(server.client, "it", 10))
                    .as("a body cut short is the SDK's to read, and to refuse")
                    .isInstanceOf(software.amazon.awssdk.core.exception.SdkClientException.class)
                    .hasMessageContaining("Unable to unmarshall response");
        }
    }

    @Test
    void aRecordTheSdkCannotConvertIsRefusedRawTooAndNamedWhereItIs() throws Exception {
        String untyped = record("INSERT", "1700000000", "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"x\":{\"L\":[{}]}}", "");
        String noSequence =
                untyped.replace("\"SequenceNumber\":\"100\",", "").replace("\"x\":{\"L\":[{}]}", "\"x\":{\"N\":\"1\"}");
        try (Canned server = new Canned()) {
            for (String record : List.of(untyped, noSequence)) {
                server.body.set("{\"NextShardIterator\":\"next\",\"Records\":[" + record + "]}");
                Record sdk = server.client
                        .getRecords(b -> b.shardIterator("it"))
                        .records()
                        .get(0);
                RawRecord raw = WireGetRecords.getRecords(server.client, "it", 10)
                        .records()
                        .get(0);
                assertThatThrownBy(
                                () -> DeltaEnvelopes.fromRecord(sdk, "t", "s").toJson())
                        .isInstanceOf(ItemFormatException.class);
                assertThatThrownBy(() -> envelope(raw.json())).isInstanceOf(ItemFormatException.class);
            }
            server.body.set("{\"Records\":[" + untyped + "]}");
            RawRecord raw =
                    WireGetRecords.getRecords(server.client, "it", 10).records().get(0);
            assertThatThrownBy(() -> envelope(raw.json()))
                    .hasMessageStartingWith("dynamodb.NewImage.x[0]: empty attribute value");
        }
    }

    @Test
    void aBodyThatDoesNotMatchItsCrc32IsRefusedAsTheSdkRefusesIt() throws Exception {
        try (Canned server = new Canned()) {
            server.body.set("{\"NextShardIterator\":\"next\",\"Records\":[]}");
            server.crcOffset = 1;
            assertThatThrownBy(() -> server.client.getRecords(b -> b.shardIterator("it")))
                    .isInstanceOf(Crc32MismatchException.class);
            assertThatThrownBy(() -> WireGetRecords.getRecords(server.client, "it", 10))
                    .isInstanceOf(Crc32MismatchException.class);
            server.crcOffset = 0;
            assertThat(WireGetRecords.getRecords(server.client, "it", 10).nextShardIterator())
                    .isEqualTo("next");
        }
    }

    /** The envelope of the SDK's record, written as the lake's delta route wrote it before: UTF-8 bytes. */
    private static String sdkEnvelope(Record r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            DeltaEnvelopes.fromRecord(r, "t", "shard-1").writeJson(g);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String envelope(byte[] json) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new StreamRecordTranscoder().write(json, "t", "shard-1", out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String record(String event, String created, String images, String tail) {
        String keys = "\"Keys\":{\"pk\":{\"S\":\"a\"}}";
        return "{\"eventID\":\"e1\",\"eventName\":\"" + event
                + "\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
                + "\"dynamodb\":{\"ApproximateCreationDateTime\":" + created + "," + keys
                + (images.isEmpty() ? "" : "," + images)
                + ",\"SequenceNumber\":\"100\",\"SizeBytes\":20,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}" + tail
                + "}";
    }

    /** An HTTP server answering every call with one body, with its CRC32 as DynamoDB sends it (or a wrong one). */
    private static final class Canned implements AutoCloseable {
        final AtomicReference<String> body = new AtomicReference<>();
        volatile int crcOffset;
        final HttpServer server;
        final DynamoDbStreamsClient client;

        Canned() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
                exchange.getResponseHeaders().add("x-amz-crc32", Long.toString(crc.getValue() + crcOffset));
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
            client = DynamoDbStreamsClient.builder()
                    .endpointOverride(
                            URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                    .build();
        }

        @Override
        public void close() {
            client.close();
            server.stop(0);
        }
    }
}
