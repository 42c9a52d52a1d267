package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.s;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import localaws.streams.StreamSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.BatchCollector;
import testsupport.Contexts;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/** The ddbstream consumer against the emulator, with shards rolling over every 50 records and splitting. */
class DdbStreamConsumerTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> s.withStreams(
            new StreamSettings(50, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15))));

    private static void write(String table, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, "k", 25, from, to);
    }

    private static String uri(String table, String group) {
        return "ddbstream:" + table + "?checkpointGroup=" + group + "&idleDelay=50&shardDiscoveryInterval=200"
                + "&leaseRenewInterval=500&leaseDuration=3000&retryDelay=50&maxRetryDelay=500";
    }

    @Test
    void deliversEveryRecordOnceParentBeforeChildAndResumesFromCheckpoints() throws Exception {
        createTable(aws.dynamoDb(), "consume", null, StreamViewType.NEW_IMAGE);
        write("consume", 0, 300);
        BatchCollector first = new BatchCollector(uri("consume", "g1"));
        CamelContext context = Contexts.started(aws, first);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.records().size() >= 300);
        context.stop();
        assertThat(first.records()).hasSize(300);
        assertPerKeyOrder(first.records());

        String stream = aws.dynamoDb()
                .describeTable(b -> b.tableName("consume"))
                .table()
                .latestStreamArn();
        Map<String, Checkpoint> checkpoints =
                new CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints").load("g1", stream);
        assertThat(checkpoints.values()).filteredOn(Checkpoint::shardEnd).isNotEmpty();

        write("consume", 300, 400);
        BatchCollector second = new BatchCollector(uri("consume", "g1"));
        CamelContext again = Contexts.started(aws, second);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.records().size() >= 100);
        again.stop();
        assertThat(second.records())
                .as("a restart resumes after the checkpoints: nothing twice")
                .hasSize(100)
                .allSatisfy(r -> assertThat(Integer.parseInt(
                                r.dynamodb().newImage().get("v").n()))
                        .isGreaterThanOrEqualTo(300));
    }

    private static void assertPerKeyOrder(List<Record> records) {
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (Record r : records) {
            perKey.computeIfAbsent(r.dynamodb().keys().get("pk").s(), k -> new ArrayList<>())
                    .add(Integer.parseInt(r.dynamodb().newImage().get("v").n()));
        }
        assertThat(perKey.values()).allSatisfy(values -> assertThat(values).isSorted());
        List<String> seqs =
                records.stream().map(r -> r.dynamodb().sequenceNumber()).toList();
        assertThat(seqs).doesNotHaveDuplicates();
    }

    @Test
    void atLatestANewGroupReadsOnlyWhatIsWrittenAfterItStarted() throws Exception {
        createTable(aws.dynamoDb(), "latest", null, StreamViewType.NEW_IMAGE);
        write("latest", 0, 120);
        var faults = aws.stack().emulator().faults();
        long polls = faults.calls().getOrDefault("DynamoDBStreams_20120810.GetRecords", 0L);
        BatchCollector collector = new BatchCollector(uri("latest", "g-latest") + "&startPosition=LATEST");
        CamelContext context = Contexts.started(aws, collector);
        try {
            // Closed shards are marked read at once; the open one starts at its end: wait until its reader polls.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> faults.calls().getOrDefault("DynamoDBStreams_20120810.GetRecords", 0L) >= polls + 2);
            write("latest", 120, 170);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> collector.records().size() >= 50);
            assertThat(collector.records())
                    .hasSize(50)
                    .allSatisfy(r -> assertThat(Integer.parseInt(
                                    r.dynamodb().newImage().get("v").n()))
                            .isGreaterThanOrEqualTo(120));
        } finally {
            context.stop();
        }
    }

    @Test
    void anEndpointsOptionsBindAsTheComponentsDoDurationsWrittenAsCamelWritesThem() throws Exception {
        var context = new org.apache.camel.impl.DefaultCamelContext();
        try {
            var endpoint = (DdbStreamEndpoint)
                    context.getEndpoint("ddbstream:t?idleDelay=1s&retryDelay=250&maxParallelShards=3&mode=single");
            assertThat(endpoint.getConfiguration().getIdleDelay()).isEqualTo(1000);
            assertThat(endpoint.getConfiguration().getRetryDelay()).isEqualTo(250);
            assertThat(endpoint.getConfiguration().getMaxParallelShards()).isEqualTo(3);
            assertThat(endpoint.getConfiguration().getMode()).isEqualTo("single");
        } finally {
            context.close();
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Contexts.started(aws, new BatchCollector("ddbstream:t?maxRecordsPerRequest=5000")))
                .hasStackTraceContaining("maxRecordsPerRequest (camel.component.ddbstream.max-records-per-request):"
                        + " expected a whole number from 1 to 1000, was '5000'");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Contexts.started(aws, new BatchCollector("ddbstream:t?noSuchOption=1")))
                .hasStackTraceContaining("noSuchOption");
    }

    @Test
    void aCleanStopCheckpointsTheLastBatchSoARestartRepeatsNothing() throws Exception {
        createTable(aws.dynamoDb(), "clean-stop", null, StreamViewType.NEW_IMAGE);
        write("clean-stop", 0, 2000);
        BatchCollector first = new BatchCollector(uri("clean-stop", "g-stop") + "&maxRecordsPerRequest=20");
        CamelContext context = Contexts.started(aws, first);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.records().size() >= 300);
        context.stop();
        BatchCollector second = new BatchCollector(uri("clean-stop", "g-stop") + "&maxRecordsPerRequest=20");
        CamelContext again = Contexts.started(aws, second);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> first.records().size() + second.records().size() >= 2000);
        again.stop();
        List<String> all = new ArrayList<>();
        first.records().forEach(r -> all.add(r.dynamodb().sequenceNumber()));
        second.records().forEach(r -> all.add(r.dynamodb().sequenceNumber()));
        assertThat(all)
                .as("stopping finished and checkpointed the batches in hand")
                .hasSize(2000)
                .doesNotHaveDuplicates();
    }

    @Test
    void aFailedBatchIsProcessedAgainUntilItSucceedsNeverSkipped() throws Exception {
        createTable(aws.dynamoDb(), "failing", null, StreamViewType.NEW_IMAGE);
        write("failing", 0, 200);
        List<StreamBatch> accepted = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        RouteBuilder failingTwice = new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("failing", "g-fail") + "&maxRecordsPerRequest=50")
                        .routeId("fail-twice")
                        .process(e -> {
                            if (e.getIn().getHeader(DdbStreamConstants.ATTEMPT, Integer.class) < 2) {
                                failures.incrementAndGet();
                                throw new IllegalStateException("the lake is down");
                            }
                            accepted.add(e.getIn().getBody(StreamBatch.class));
                        });
            }
        };
        CamelContext context = Contexts.started(aws, failingTwice);
        try {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> accepted.stream().mapToInt(StreamBatch::size).sum() >= 200);
        } finally {
            context.stop();
        }
        List<Record> records = new ArrayList<>();
        accepted.forEach(b -> records.addAll(b.records()));
        assertThat(records).hasSize(200);
        assertPerKeyOrder(records);
        assertThat(failures.get()).as("every batch failed twice first").isEqualTo(2 * accepted.size());
    }
}
