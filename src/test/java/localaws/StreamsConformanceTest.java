package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.awkwardItem;
import static testsupport.Fixtures.awkwardItemAsStored;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import item.SequenceNumbers;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import localaws.streams.StreamSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import testsupport.LocalStackExtension;
import testsupport.StreamReader;

/** DynamoDB Streams through the AWS SDK against the emulator, with shards that roll over every 50 records. */
class StreamsConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(s -> new LocalAwsSettings(
            s.host(),
            s.port(),
            s.region(),
            s.account(),
            s.s3Endpoint(),
            new StreamSettings(50, Duration.ofHours(4), true, 4, Duration.ofHours(24), Duration.ofMinutes(15)),
            s.exports(),
            s.pitrWindow(),
            Duration.ofMillis(200),
            null));

    private DynamoDbClient ddb() {
        return aws.dynamoDb();
    }

    private DynamoDbStreamsClient streams() {
        return aws.streams();
    }

    private String streamOf(String table, StreamViewType view) {
        createTable(ddb(), table, null, view);
        return ddb().describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    private String iterator(String stream, String shard, ShardIteratorType type, String seq) {
        return streams()
                .getShardIterator(b -> b.streamArn(stream)
                        .shardId(shard)
                        .shardIteratorType(type)
                        .sequenceNumber(seq))
                .shardIterator();
    }

    private String firstShard(String stream) {
        return StreamReader.shards(streams(), stream).get(0).shardId();
    }

    @Test
    void listsTheStreamsOfATable() {
        String arn = streamOf("streams-list", StreamViewType.KEYS_ONLY);
        var listed = streams().listStreams(b -> b.tableName("streams-list")).streams();
        assertThat(listed).singleElement().satisfies(st -> {
            assertThat(st.streamArn()).isEqualTo(arn);
            assertThat(st.tableName()).isEqualTo("streams-list");
        });
        streamOf("streams-list-2", StreamViewType.KEYS_ONLY);
        var page = streams().listStreams(b -> b.limit(1));
        assertThat(page.streams()).hasSize(1);
        assertThat(page.lastEvaluatedStreamArn()).isNotNull();
    }

    @Test
    void recordsEveryChangeWithBothImages() {
        String stream = streamOf("streams-images", StreamViewType.NEW_AND_OLD_IMAGES);
        ddb().putItem(b -> b.tableName("streams-images").item(item("pk", s("a"), "v", n("1"))));
        ddb().putItem(b -> b.tableName("streams-images").item(item("pk", s("a"), "v", n("1.0"))));
        ddb().updateItem(b -> b.tableName("streams-images")
                .key(item("pk", s("a")))
                .updateExpression("SET v = :v")
                .expressionAttributeValues(Map.of(":v", n("2"))));
        ddb().deleteItem(b -> b.tableName("streams-images").key(item("pk", s("a"))));
        List<Record> records = StreamReader.readAll(streams(), stream);
        assertThat(records)
                .as("writing an identical item writes no record (DynamoDB Streams developer guide)")
                .extracting(Record::eventName)
                .containsExactly(OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE);
        Record modify = records.get(1);
        assertThat(modify.dynamodb().oldImage()).isEqualTo(item("pk", s("a"), "v", n("1")));
        assertThat(modify.dynamodb().newImage()).isEqualTo(item("pk", s("a"), "v", n("2")));
        assertThat(modify.dynamodb().keys()).isEqualTo(item("pk", s("a")));
        assertThat(modify.dynamodb().streamViewType()).isEqualTo(StreamViewType.NEW_AND_OLD_IMAGES);
        assertThat(modify.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(modify.awsRegion()).isEqualTo("us-east-1");
        assertThat(modify.dynamodb().sizeBytes()).isPositive();
        assertThat(records.get(2).dynamodb().oldImage()).isEqualTo(item("pk", s("a"), "v", n("2")));
        assertThat(records.get(2).dynamodb().hasNewImage()).isFalse();
        assertThat(modify.dynamodb().approximateCreationDateTime())
                .isBetween(Instant.now().minusSeconds(60), Instant.now());
        List<String> seqs =
                records.stream().map(r -> r.dynamodb().sequenceNumber()).toList();
        assertThat(new BigInteger(seqs.get(0))).isGreaterThan(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(seqs).isSortedAccordingTo(SequenceNumbers.ORDER);
    }

    @Test
    void recordsCarryEveryTypeAsDynamoDbStoresIt() {
        String stream = streamOf("streams-types", StreamViewType.NEW_AND_OLD_IMAGES);
        ddb().putItem(b -> b.tableName("streams-types").item(awkwardItem("a")));
        ddb().deleteItem(b -> b.tableName("streams-types").key(item("pk", s("a"))));
        List<Record> records = StreamReader.readAll(streams(), stream);
        assertThat(records)
                .as("the AWS SDK reads the records' DynamoDB JSON as the values GetItem returned")
                .extracting(r -> r.dynamodb().hasNewImage()
                        ? r.dynamodb().newImage()
                        : r.dynamodb().oldImage())
                .containsExactly(awkwardItemAsStored("a"), awkwardItemAsStored("a"));
    }

    @Test
    void keysOnlyRecordsCarryNoImages() {
        String stream = streamOf("streams-keys", StreamViewType.KEYS_ONLY);
        ddb().putItem(b -> b.tableName("streams-keys").item(item("pk", s("a"), "v", n("1"))));
        Record r = StreamReader.readAll(streams(), stream).get(0);
        assertThat(r.dynamodb().hasNewImage()).isFalse();
        assertThat(r.dynamodb().hasOldImage()).isFalse();
        assertThat(r.dynamodb().keys()).isEqualTo(item("pk", s("a")));
    }

    @Test
    void iteratorTypesStartWhereTheyShould() {
        String stream = streamOf("streams-iterators", StreamViewType.KEYS_ONLY);
        for (int i = 0; i < 3; i++) {
            int v = i;
            ddb().putItem(b -> b.tableName("streams-iterators").item(item("pk", s("k" + v))));
        }
        String shard = firstShard(stream);
        List<Record> all = streams()
                .getRecords(b -> b.shardIterator(iterator(stream, shard, ShardIteratorType.TRIM_HORIZON, null)))
                .records();
        assertThat(all).hasSize(3);
        String second = all.get(1).dynamodb().sequenceNumber();
        assertThat(streams()
                        .getRecords(b ->
                                b.shardIterator(iterator(stream, shard, ShardIteratorType.AT_SEQUENCE_NUMBER, second)))
                        .records())
                .hasSize(2);
        assertThat(streams()
                        .getRecords(b -> b.shardIterator(
                                iterator(stream, shard, ShardIteratorType.AFTER_SEQUENCE_NUMBER, second)))
                        .records())
                .hasSize(1);
        String latest = iterator(stream, shard, ShardIteratorType.LATEST, null);
        var nothingYet = streams().getRecords(b -> b.shardIterator(latest));
        assertThat(nothingYet.records())
                .as("an open shard at its end answers no records and a next iterator")
                .isEmpty();
        ddb().putItem(b -> b.tableName("streams-iterators").item(item("pk", s("k9"))));
        assertThat(streams()
                        .getRecords(b -> b.shardIterator(nothingYet.nextShardIterator()))
                        .records())
                .extracting(r -> r.dynamodb().keys().get("pk").s())
                .containsExactly("k9");
    }

    @Test
    void shardsRollOverAndSplitAndEveryChangeIsReadInOrderPerKey() {
        String stream = streamOf("streams-rollover", StreamViewType.NEW_IMAGE);
        for (int i = 0; i < 400; i++) {
            int v = i;
            ddb().putItem(b ->
                    b.tableName("streams-rollover").item(item("pk", s("k" + (v % 20)), "v", n(Integer.toString(v)))));
        }
        List<Shard> shards = StreamReader.shards(streams(), stream);
        assertThat(shards.size()).isGreaterThan(4);
        assertThat(shards).filteredOn(sh -> sh.parentShardId() != null).isNotEmpty();
        Map<String, Long> children = new HashMap<>();
        shards.stream()
                .filter(sh -> sh.parentShardId() != null)
                .forEach(sh -> children.merge(sh.parentShardId(), 1L, Long::sum));
        assertThat(children.values()).as("a rollover may split a shard in two").contains(2L);
        assertThat(shards)
                .filteredOn(sh -> sh.sequenceNumberRange().endingSequenceNumber() == null)
                .hasSizeLessThanOrEqualTo(4);
        var page = streams().describeStream(b -> b.streamArn(stream).limit(2)).streamDescription();
        assertThat(page.shards()).hasSize(2);
        assertThat(page.lastEvaluatedShardId()).isEqualTo(page.shards().get(1).shardId());

        List<Record> records = StreamReader.readAll(streams(), stream);
        assertThat(records).hasSize(400);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (Record r : records) {
            perKey.computeIfAbsent(r.dynamodb().keys().get("pk").s(), k -> new ArrayList<>())
                    .add(Integer.parseInt(r.dynamodb().newImage().get("v").n()));
        }
        assertThat(perKey)
                .hasSize(20)
                .allSatisfy((k, values) -> assertThat(values).hasSize(20).isSorted());
    }

    @Test
    void aClosedShardEndsWithoutANextIterator() {
        String stream = streamOf("streams-closed", StreamViewType.KEYS_ONLY);
        ddb().putItem(b -> b.tableName("streams-closed").item(item("pk", s("a"))));
        aws.stack().emulator().faults().rolloverShards("streams-closed", false);
        Shard closed = StreamReader.shards(streams(), stream).get(0);
        assertThat(closed.sequenceNumberRange().endingSequenceNumber()).isNotNull();
        var r = streams()
                .getRecords(
                        b -> b.shardIterator(iterator(stream, closed.shardId(), ShardIteratorType.TRIM_HORIZON, null)));
        assertThat(r.records()).hasSize(1);
        assertThat(r.nextShardIterator()).isNull();
    }

    @Test
    void getRecordsHonoursItsLimits() {
        String stream = streamOf("streams-limits", StreamViewType.NEW_IMAGE);
        String payload = "x".repeat(200 * 1024);
        for (int i = 0; i < 8; i++) {
            int v = i;
            ddb().putItem(b -> b.tableName("streams-limits").item(item("pk", s("k" + v), "p", s(payload))));
        }
        String it = iterator(stream, firstShard(stream), ShardIteratorType.TRIM_HORIZON, null);
        assertThat(streams().getRecords(b -> b.shardIterator(it)).records())
                .as("at most 1 MB per call")
                .hasSizeBetween(1, 5);
        assertThat(streams().getRecords(b -> b.shardIterator(it).limit(2)).records())
                .hasSize(2);
        assertThatThrownBy(() -> streams().getRecords(b -> b.shardIterator(it).limit(1001)))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("between 1 and 1000");
    }

    @Test
    void timeToLiveDeletionsCarryTheServiceIdentity() {
        String stream = streamOf("streams-ttl", StreamViewType.NEW_AND_OLD_IMAGES);
        ddb().updateTimeToLive(b -> b.tableName("streams-ttl")
                .timeToLiveSpecification(t -> t.enabled(true).attributeName("exp")));
        ddb().putItem(b -> b.tableName("streams-ttl").item(item("pk", s("old"), "exp", n("1000"))));
        ddb().putItem(b -> b.tableName("streams-ttl").item(item("pk", s("new"), "exp", n("99999999999"))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !ddb().getItem(b -> b.tableName("streams-ttl").key(item("pk", s("old"))))
                        .hasItem());
        Record removal = StreamReader.readAll(streams(), stream).stream()
                .filter(r -> r.eventName() == OperationType.REMOVE)
                .findFirst()
                .orElseThrow();
        assertThat(removal.userIdentity().type()).isEqualTo("Service");
        assertThat(removal.userIdentity().principalId()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(removal.dynamodb().keys()).isEqualTo(item("pk", s("old")));
        assertThat(ddb().getItem(b -> b.tableName("streams-ttl").key(item("pk", s("new"))))
                        .hasItem())
                .isTrue();
    }

    @Test
    void readingTrimmedRecordsIsTrimmedDataAccess() {
        String stream = streamOf("streams-trim", StreamViewType.KEYS_ONLY);
        ddb().putItem(b -> b.tableName("streams-trim").item(item("pk", s("before"))));
        String shard = firstShard(stream);
        String old = iterator(stream, shard, ShardIteratorType.TRIM_HORIZON, null);
        String seq = streams()
                .getRecords(b -> b.shardIterator(old))
                .records()
                .get(0)
                .dynamodb()
                .sequenceNumber();
        assertThat(aws.stack().emulator().faults().trimStream("streams-trim")).isEqualTo(1);
        ddb().putItem(b -> b.tableName("streams-trim").item(item("pk", s("after"))));
        assertThatThrownBy(() -> streams().getRecords(b -> b.shardIterator(old)))
                .isInstanceOf(TrimmedDataAccessException.class)
                .hasMessageContaining(shard);
        assertThatThrownBy(() -> iterator(stream, shard, ShardIteratorType.AT_SEQUENCE_NUMBER, seq))
                .isInstanceOf(TrimmedDataAccessException.class);
        assertThat(streams()
                        .getRecords(b -> b.shardIterator(iterator(stream, shard, ShardIteratorType.TRIM_HORIZON, null)))
                        .records())
                .extracting(r -> r.dynamodb().keys().get("pk").s())
                .containsExactly("after");
    }

    @Test
    void expiredIteratorsAreRefused() {
        String stream = streamOf("streams-expiry", StreamViewType.KEYS_ONLY);
        String it = iterator(stream, firstShard(stream), ShardIteratorType.TRIM_HORIZON, null);
        aws.stack().emulator().faults().expireIterators();
        assertThatThrownBy(() -> streams().getRecords(b -> b.shardIterator(it)))
                .isInstanceOf(ExpiredIteratorException.class);
        String fresh = iterator(stream, firstShard(stream), ShardIteratorType.TRIM_HORIZON, null);
        assertThat(streams().getRecords(b -> b.shardIterator(fresh)).records()).isEmpty();
    }

    @Test
    void throttledCallsAreRetriedByTheSdkOrSurfaceAsLimitExceeded() {
        String stream = streamOf("streams-throttle", StreamViewType.KEYS_ONLY);
        String it = iterator(stream, firstShard(stream), ShardIteratorType.TRIM_HORIZON, null);
        Faults faults = aws.stack().emulator().faults();
        long before = faults.calls().getOrDefault("DynamoDBStreams_20120810.GetRecords", 0L);
        faults.throttle("DynamoDBStreams_20120810.GetRecords", 1, "ThrottlingException");
        streams().getRecords(b -> b.shardIterator(it));
        assertThat(faults.calls().get("DynamoDBStreams_20120810.GetRecords"))
                .as("one throttled, one retried")
                .isEqualTo(before + 2);
        // The SDK does not retry LimitExceededException: the consumer must back off itself.
        faults.throttle("DynamoDBStreams_20120810.GetRecords", 1, null);
        try {
            assertThatThrownBy(() -> streams().getRecords(b -> b.shardIterator(it)))
                    .isInstanceOf(LimitExceededException.class);
        } finally {
            faults.clear();
        }
    }

    @Test
    void unknownStreamsAndShardsAreResourceNotFound() {
        String stream = streamOf("streams-missing", StreamViewType.KEYS_ONLY);
        assertThatThrownBy(() -> streams().describeStream(b -> b.streamArn(stream + "x")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() ->
                        iterator(stream, "shardId-00000000000000000000-00000000", ShardIteratorType.TRIM_HORIZON, null))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void aDisabledStreamKeepsItsRecordsReadable() {
        String stream = streamOf("streams-disabled", StreamViewType.KEYS_ONLY);
        ddb().putItem(b -> b.tableName("streams-disabled").item(item("pk", s("a"))));
        ddb().updateTable(b -> b.tableName("streams-disabled").streamSpecification(sp -> sp.streamEnabled(false)));
        ddb().putItem(b -> b.tableName("streams-disabled").item(item("pk", s("b"))));
        assertThat(streams()
                        .describeStream(b -> b.streamArn(stream))
                        .streamDescription()
                        .streamStatusAsString())
                .isEqualTo("DISABLED");
        assertThat(StreamReader.readAll(streams(), stream)).hasSize(1);
    }
}
