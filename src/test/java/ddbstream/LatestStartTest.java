package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.createTable;

import ddbstream.checkpoint.CheckpointStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import localaws.Faults;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.BatchCollector;
import testsupport.Contexts;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/**
 * startPosition=LATEST: a shard's first position is fixed the first time it is read, so an expired iterator, a
 * restart before the first record, or a first batch that keeps failing until a restart resume from there, never from
 * a newer LATEST (which would skip every change made in between).
 */
class LatestStartTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String GET_RECORDS = "DynamoDBStreams_20120810.GetRecords";

    private static void write(String table, int from, int to) {
        Fixtures.putVersions(aws.dynamoDb(), table, "k", 10, from, to);
    }

    /** A LATEST consumer that allows no clock difference, so that changes made a second before it started stay out. */
    private static String uri(String table, String group) {
        return "ddbstream:" + table + "?checkpointGroup=" + group + "&startPosition=LATEST&latestClockTolerance=0"
                + "&idleDelay=50&shardDiscoveryInterval=200&leaseRenewInterval=500&leaseDuration=3000"
                + "&retryDelay=50&maxRetryDelay=500";
    }

    private static Faults faults() {
        return aws.stack().emulator().faults();
    }

    private static long polls() {
        return faults().calls().getOrDefault(GET_RECORDS, 0L);
    }

    /** Writes the changes before the consumer starts, and waits until the stream's clock is past their second. */
    private static void history(String table) {
        createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_IMAGE);
        write(table, 0, 40);
        long second = Instant.now().getEpochSecond();
        await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().getEpochSecond() > second);
    }

    /** Starts a consumer and waits until its reader polls the open shard at its position. */
    private static CamelContext startReading(BatchCollector collector) throws Exception {
        long before = polls();
        CamelContext context = Contexts.started(aws, collector);
        await().atMost(Duration.ofSeconds(10)).until(() -> polls() >= before + 2);
        return context;
    }

    private static List<Integer> values(List<Record> records) {
        return records.stream()
                .map(r -> Integer.parseInt(r.dynamodb().newImage().get("v").n()))
                .toList();
    }

    @Test
    void anExpiredIteratorResumesWhereTheFirstReadBeganNotAtANewLatest() throws Exception {
        String table = "latest-expired";
        history(table);
        BatchCollector collector = new BatchCollector(uri(table, "g"));
        CamelContext context = startReading(collector);
        try {
            // The reader's next GetRecords is held back while changes are made and its iterator expires; a new LATEST
            // taken then would skip them.
            faults().throttle(GET_RECORDS, 1_000_000, null);
            write(table, 40, 70);
            faults().expireIterators();
            faults().throttle(GET_RECORDS, 0, null);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> collector.records().size() >= 30);
            assertThat(values(collector.records()))
                    .as("every change made after the first read, none from before it")
                    .hasSize(30)
                    .allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(40));
        } finally {
            context.stop();
        }
    }

    @Test
    void aRestartBeforeTheFirstRecordResumesWhereTheFirstReadBegan() throws Exception {
        String table = "latest-restart";
        history(table);
        CamelContext first = startReading(new BatchCollector(uri(table, "g")));
        first.stop();
        write(table, 40, 60); // made while no consumer runs
        BatchCollector second = new BatchCollector(uri(table, "g"));
        CamelContext again = Contexts.started(aws, second);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> second.records().size() >= 20);
            assertThat(values(second.records()))
                    .as("the changes made while it was stopped: the restart did not take a new LATEST")
                    .hasSize(20)
                    .allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(40));
        } finally {
            again.stop();
        }
        var checkpoints = new CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints")
                .load(
                        "g",
                        aws.dynamoDb()
                                .describeTable(b -> b.tableName(table))
                                .table()
                                .latestStreamArn());
        assertThat(checkpoints.values())
                .as("the LATEST start gave way to an ordinary checkpoint")
                .allSatisfy(c -> assertThat(c.latest()).isNull());
    }

    @Test
    void aFirstBatchThatFailsUntilARestartIsReadAgainFromItsFirstRecord() throws Exception {
        String table = "latest-failing";
        history(table);
        BatchCollector failing = new BatchCollector(uri(table, "g")).failWhen(b -> true);
        CamelContext first = startReading(failing);
        write(table, 40, 70);
        await().atMost(Duration.ofSeconds(20)).until(() -> failing.failed().size() >= 2);
        first.stop();
        write(table, 70, 80);
        BatchCollector second = new BatchCollector(uri(table, "g"));
        CamelContext again = Contexts.started(aws, second);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> second.records().size() >= 40);
            assertThat(values(second.records()))
                    .as("the batch that never succeeded and everything after it")
                    .hasSize(40)
                    .doesNotHaveDuplicates()
                    .allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(40));
        } finally {
            again.stop();
        }
    }
}
