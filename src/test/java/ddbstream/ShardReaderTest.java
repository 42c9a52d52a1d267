package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointConflictException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/**
 * One shard's reader on its own, against a host that hands it pages and takes its batches and checkpoints: the
 * checkpoint moves only past batches that were delivered, a failed batch is delivered again and never skipped, a
 * refused checkpoint stops the reader, an expired iterator resumes after the checkpoint, and records trimmed before
 * they were read stop the shard unless going on from the trim horizon is allowed.
 */
class ShardReaderTest {
    private static final String STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-12-07T00:00:00";
    private static final String SHARD = "shardId-00000001";
    private static final long EPOCH = 3;

    /** A host of pages served in order, by the iterator each was asked for. */
    private static final class Host implements ShardReader.Host {
        final Deque<Supplier<WireGetRecords.Page>> pages = new ArrayDeque<>();
        final List<String> iteratorsAsked = new ArrayList<>();
        final List<String> pagesAskedWith = new ArrayList<>();
        final List<List<String>> delivered = new ArrayList<>();
        final List<Checkpoint> saved = new ArrayList<>();
        int failDeliveries;
        boolean refuseCheckpoints;
        boolean refused;
        ShardReader.Outcome outcome;
        Checkpoint last;
        int attempts;

        @Override
        public boolean isActive(long generation, String shardId, long epoch) {
            return outcome == null && !refused && attempts < 50;
        }

        @Override
        public WireGetRecords.Page getRecords(String iterator) {
            pagesAskedWith.add(iterator);
            if (pages.isEmpty()) {
                return new WireGetRecords.Page(List.of(), null, true);
            }
            return pages.removeFirst().get();
        }

        @Override
        public GetShardIteratorResponse shardIterator(
                String streamArn, String shardId, ShardIteratorType type, String sequenceNumber) {
            iteratorsAsked.add(type + (sequenceNumber == null ? "" : " " + sequenceNumber));
            return GetShardIteratorResponse.builder()
                    .shardIterator("it-" + iteratorsAsked.size())
                    .build();
        }

        @Override
        public Exception deliver(StreamBatch batch, int attempt) {
            attempts++;
            if (failDeliveries > 0) {
                failDeliveries--;
                return new IllegalStateException("Firehose said no");
            }
            delivered.add(batch.records().stream()
                    .map(r -> r.dynamodb().sequenceNumber())
                    .toList());
            return null;
        }

        @Override
        public void saveCheckpoint(String streamArn, Checkpoint c, long epoch) {
            assertThat(epoch).isEqualTo(EPOCH);
            if (refuseCheckpoints) {
                throw new CheckpointConflictException("another replica holds " + c.shardId());
            }
            saved.add(c);
        }

        @Override
        public void checkpointRefused(String shardId, long epoch) {
            refused = true;
        }

        @Override
        public void readerDone(
                long generation, String shardId, long epoch, ShardReader.Outcome outcome, Checkpoint checkpoint) {
            this.outcome = outcome;
            this.last = checkpoint;
        }
    }

    private static ShardReader reader(Host host, Checkpoint from, boolean resumeFromTrimHorizon) {
        DdbStreamConfiguration config = new DdbStreamConfiguration();
        config.setTableName("t");
        config.setRetryDelay(1);
        config.setMaxRetryDelay(2);
        config.setIdleDelay(1);
        config.setResumeFromTrimHorizon(resumeFromTrimHorizon);
        ShardReader.Context context = new ShardReader.Context(
                config,
                new StopSignal(),
                new StreamHealthCheck("t"),
                new StreamMetrics(new SimpleMeterRegistry(), "t"));
        return new ShardReader(host, context, STREAM, SHARD, from, 1, EPOCH, false);
    }

    private static RawRecord record(long sequence) {
        return RawRecord.of(Record.builder()
                .eventID("e" + sequence)
                .eventName("INSERT")
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(Long.toString(sequence))
                        .keys(Map.of("pk", AttributeValue.fromS("k" + sequence)))
                        .newImage(Map.of("pk", AttributeValue.fromS("k" + sequence)))
                        .approximateCreationDateTime(Instant.parse("2026-12-07T10:00:00Z"))
                        .build())
                .build());
    }

    private static Supplier<WireGetRecords.Page> page(String next, long... sequences) {
        List<RawRecord> records = new ArrayList<>();
        for (long s : sequences) {
            records.add(record(s));
        }
        return () -> new WireGetRecords.Page(records, next, true);
    }

    private static List<String> sequences(List<Checkpoint> saved) {
        return saved.stream()
                .map(c -> (c.shardEnd() ? "end after " : "") + c.sequenceNumber())
                .toList();
    }

    @Test
    void eachDeliveredBatchMovesTheCheckpointAndAClosedShardEndsMarkedEnded() {
        Host host = new Host();
        host.pages.add(page("it-a", 100, 101));
        host.pages.add(page("it-b", 102));
        host.pages.add(page(null, 103, 104));

        reader(host, null, false).run();

        assertThat(host.iteratorsAsked).containsExactly("TRIM_HORIZON");
        assertThat(host.pagesAskedWith).containsExactly("it-1", "it-a", "it-b");
        assertThat(host.delivered).containsExactly(List.of("100", "101"), List.of("102"), List.of("103", "104"));
        assertThat(sequences(host.saved)).containsExactly("101", "102", "104", "end after 104");
        assertThat(host.outcome).isEqualTo(ShardReader.Outcome.FINISHED);
        assertThat(host.last.shardEnd()).isTrue();
    }

    @Test
    void aFailedBatchIsDeliveredAgainAndTheCheckpointWaitsForIt() {
        Host host = new Host();
        host.failDeliveries = 3;
        host.pages.add(page("it-a", 200, 201));
        host.pages.add(page(null, 202));

        reader(host, Checkpoint.at(SHARD, "199", Instant.now()), false).run();

        assertThat(host.iteratorsAsked).containsExactly("AFTER_SEQUENCE_NUMBER 199");
        assertThat(host.attempts)
                .as("three failures, then the batch, then the next")
                .isEqualTo(5);
        assertThat(host.delivered).containsExactly(List.of("200", "201"), List.of("202"));
        assertThat(sequences(host.saved)).containsExactly("201", "202", "end after 202");
    }

    @Test
    void aRefusedCheckpointStopsTheReaderAndItReadsNoFurther() {
        Host host = new Host();
        host.refuseCheckpoints = true;
        host.pages.add(page("it-a", 300));
        host.pages.add(page(null, 301));

        reader(host, Checkpoint.at(SHARD, "299", Instant.now()), false).run();

        assertThat(host.refused).as("the coordinator heard the lease is lost").isTrue();
        assertThat(host.outcome).isEqualTo(ShardReader.Outcome.STOPPED);
        assertThat(host.delivered).containsExactly(List.of("300"));
        assertThat(host.pages).as("the next page is never asked for").hasSize(1);
        assertThat(host.last.sequenceNumber())
                .as("the last checkpoint that was saved")
                .isEqualTo("299");
    }

    @Test
    void anExpiredIteratorResumesAfterTheCheckpoint() {
        Host host = new Host();
        host.pages.add(page("it-a", 400));
        host.pages.add(() -> {
            throw ExpiredIteratorException.builder().message("expired").build();
        });
        host.pages.add(page(null, 401));

        reader(host, null, false).run();

        assertThat(host.iteratorsAsked).containsExactly("TRIM_HORIZON", "AFTER_SEQUENCE_NUMBER 400");
        assertThat(host.delivered).containsExactly(List.of("400"), List.of("401"));
        assertThat(host.outcome).isEqualTo(ShardReader.Outcome.FINISHED);
    }

    @Test
    void recordsTrimmedBeforeTheyWereReadStopTheShardUnlessTheTrimHorizonIsAllowed() {
        Host stuck = new Host();
        stuck.pages.add(() -> {
            throw TrimmedDataAccessException.builder().message("trimmed").build();
        });
        reader(stuck, Checkpoint.at(SHARD, "499", Instant.now()), false).run();
        assertThat(stuck.outcome).isEqualTo(ShardReader.Outcome.DATA_LOSS);
        assertThat(stuck.saved).as("the checkpoint stays where the loss begins").isEmpty();

        Host goesOn = new Host();
        goesOn.pages.add(() -> {
            throw TrimmedDataAccessException.builder().message("trimmed").build();
        });
        goesOn.pages.add(page(null, 600));
        reader(goesOn, Checkpoint.at(SHARD, "499", Instant.now()), true).run();
        assertThat(goesOn.iteratorsAsked).containsExactly("AFTER_SEQUENCE_NUMBER 499", "TRIM_HORIZON");
        assertThat(goesOn.delivered).containsExactly(List.of("600"));
        assertThat(goesOn.outcome).isEqualTo(ShardReader.Outcome.FINISHED);
    }
}
