package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointConflictException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/**
 * Reads one shard from its checkpoint to its end. Each GetRecords batch becomes one exchange; the checkpoint moves
 * only after the exchange completed, and a failed exchange is processed again with backoff, never skipped. The
 * reader ends when the shard is closed and read (its checkpoint marks the end, so its children may start), when the
 * consumer stops or loses its lease, when records were trimmed before they were read (data loss), when the stream no
 * longer has the shard, or on an error the coordinator retries later.
 *
 * <p>A shard first read at LATEST keeps where that read began ({@link Checkpoint.LatestStart}) until its first
 * checkpoint: the first record read is saved before it is delivered, and before any was read, reading resumes from
 * the trim horizon skipping the records created before LATEST was taken. An expired iterator, a restart or a failed
 * first checkpoint so resume where the first read began, never at a newer LATEST.
 */
final class ShardReader implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardReader.class);

    /** How a reader ended. */
    enum Outcome {
        FINISHED,
        STOPPED,
        DATA_LOSS,
        /** The stream does not know the shard (it was trimmed away, or the stream is gone). */
        GONE,
        FAILED
    }

    /** Ends the read from deep inside it with an outcome. */
    private static final class Ending extends RuntimeException {
        final Outcome outcome;

        Ending(Outcome outcome) {
            super(outcome.name(), null, false, false);
            this.outcome = outcome;
        }
    }

    /**
     * What a reader needs of the consumer that runs it: whether it may still read, the stream, the exchange, and the
     * checkpoint table under the lease it reads with. The {@link StreamCoordinator} is one.
     */
    interface Host {
        /** Whether the reader of this generation may still process and checkpoint the shard under {@code epoch}. */
        boolean isActive(long generation, String shardId, long epoch);

        WireGetRecords.Page getRecords(String iterator);

        GetShardIteratorResponse shardIterator(
                String streamArn, String shardId, ShardIteratorType type, String sequenceNumber);

        /** Processes one batch as one exchange: null when it completed, else why it failed. */
        Exception deliver(StreamBatch batch, int attempt);

        /**
         * Saves the shard's checkpoint under the lease of {@code epoch}.
         *
         * @throws CheckpointConflictException when that lease is no longer safe to act under
         */
        void saveCheckpoint(String streamArn, Checkpoint c, long epoch);

        /** The reader's checkpoint was refused: its lease is lost. */
        void checkpointRefused(String shardId, long epoch);

        /** The reader ended, with its last checkpoint. */
        void readerDone(long generation, String shardId, long epoch, Outcome outcome, Checkpoint checkpoint);
    }

    /** What readers share: the settings they read with, the signal that stops them, where they report. */
    record Context(DdbStreamConfiguration config, StopSignal stop, StreamHealthCheck health, StreamMetrics metrics) {}

    private final Host coordinator;
    private final Context context;
    private final String streamArn;
    private final String shardId;
    private final long generation;
    private final long epoch;
    /** The shard was closed when the reader started. */
    private final boolean closed;

    private final Backoff backoff;
    private final BatchFailures failures;
    private Checkpoint checkpoint;
    /** Records created before this are skipped: a LATEST start resumed before its first record was read. */
    private Instant skipBefore;

    ShardReader(
            Host coordinator,
            Context context,
            String streamArn,
            String shardId,
            Checkpoint checkpoint,
            long generation,
            long epoch,
            boolean closed) {
        this.coordinator = coordinator;
        this.context = context;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.checkpoint = checkpoint;
        this.generation = generation;
        this.epoch = epoch;
        this.closed = closed;
        DdbStreamConfiguration c = context.config();
        this.backoff = new Backoff(c.getRetryDelay(), c.getMaxRetryDelay());
        this.failures =
                new BatchFailures(context.health(), streamArn, shardId, Duration.ofMillis(c.getBatchFailureTimeout()));
    }

    @Override
    public void run() {
        Outcome outcome = Outcome.FAILED;
        try {
            outcome = read();
        } catch (Ending e) {
            outcome = e.outcome;
        } catch (CheckpointConflictException e) {
            LOG.warn("Shard {}: {}; another consumer reads it now", shardId, e.getMessage());
            coordinator.checkpointRefused(shardId, epoch);
            outcome = Outcome.STOPPED;
        } catch (RuntimeException e) {
            LOG.error(
                    "Shard {}: reader failed at checkpoint {}; the shard will be read again from there",
                    shardId,
                    describe(checkpoint),
                    e);
        } finally {
            failures.clear();
            coordinator.readerDone(generation, shardId, epoch, outcome, checkpoint);
        }
    }

    private Outcome read() {
        String iterator = start();
        while (iterator != null && coordinator.isActive(generation, shardId, epoch)) {
            WireGetRecords.Page response;
            try {
                response = coordinator.getRecords(iterator);
                backoff.reset();
                context.health().recovered(shardId);
            } catch (ExpiredIteratorException e) {
                LOG.info("Shard {}: iterator expired; resuming after checkpoint {}", shardId, describe(checkpoint));
                iterator = start();
                continue;
            } catch (TrimmedDataAccessException e) {
                iterator = trimmed(e);
                continue;
            } catch (ResourceNotFoundException e) {
                throw gone(e);
            } catch (RuntimeException e) {
                pause(e);
                continue;
            }
            List<RawRecord> records = unseen(response.records());
            if (!records.isEmpty() && !deliver(records)) {
                return Outcome.STOPPED;
            }
            if (response.nextShardIterator() == null) {
                save(Checkpoint.end(shardId, checkpoint == null ? null : checkpoint.sequenceNumber(), Instant.now()));
                return Outcome.FINISHED;
            }
            iterator = response.nextShardIterator();
            if (response.records().isEmpty()
                    && context.stop().await(Duration.ofMillis(context.config().getIdleDelay()))) {
                return Outcome.STOPPED;
            }
        }
        return Outcome.STOPPED;
    }

    /** The iterator where reading resumes, after the checkpoint; null when the reader must stop. */
    private String start() {
        Checkpoint c = checkpoint;
        if (c == null) {
            return iterator(ShardIteratorType.TRIM_HORIZON, null);
        }
        if (c.latest() == null) {
            return iterator(ShardIteratorType.AFTER_SEQUENCE_NUMBER, c.sequenceNumber());
        }
        if (c.latest().firstSeen() != null) {
            return iterator(ShardIteratorType.AT_SEQUENCE_NUMBER, c.latest().firstSeen());
        }
        if (c.latest().pending() && closed) {
            // A shard that closed before its first read at LATEST has no LATEST left: it is read from the time the
            // group's first start marked it.
            save(Checkpoint.latestSince(shardId, c.updatedAt(), Instant.now()));
            c = checkpoint;
        }
        if (c.latest().since() != null) {
            skipBefore = c.latest().since().minusMillis(context.config().getLatestClockTolerance());
            return iterator(ShardIteratorType.TRIM_HORIZON, null);
        }
        return firstLatest();
    }

    /** The shard's first read at LATEST: where it begins is saved before any record is read. */
    private String firstLatest() {
        while (coordinator.isActive(generation, shardId, epoch)) {
            GetShardIteratorResponse r;
            try {
                r = coordinator.shardIterator(streamArn, shardId, ShardIteratorType.LATEST, null);
            } catch (ResourceNotFoundException e) {
                throw gone(e);
            } catch (RuntimeException e) {
                pause(e);
                continue;
            }
            save(Checkpoint.latestSince(shardId, ServerTime.of(r), Instant.now()));
            LOG.info(
                    "Shard {}: reading from LATEST, taken at {}",
                    shardId,
                    checkpoint.latest().since());
            return r.shardIterator();
        }
        return null;
    }

    private String iterator(ShardIteratorType type, String sequenceNumber) {
        while (coordinator.isActive(generation, shardId, epoch)) {
            try {
                return coordinator
                        .shardIterator(streamArn, shardId, type, sequenceNumber)
                        .shardIterator();
            } catch (TrimmedDataAccessException e) {
                reportLoss(e);
                type = ShardIteratorType.TRIM_HORIZON;
                sequenceNumber = null;
            } catch (ResourceNotFoundException e) {
                throw gone(e);
            } catch (RuntimeException e) {
                pause(e);
            }
        }
        return null;
    }

    /** Records were trimmed under the reader: from the trim horizon when that is allowed. */
    private String trimmed(TrimmedDataAccessException e) {
        reportLoss(e);
        return iterator(ShardIteratorType.TRIM_HORIZON, null);
    }

    /**
     * Records after the checkpoint were trimmed before they were read: data loss, reported loudly, once. Returns when
     * the configuration allows going on from the trim horizon; ends the read (the shard is stuck) otherwise.
     */
    private void reportLoss(TrimmedDataAccessException e) {
        String what = "Shard " + shardId + " of " + streamArn + ": records after checkpoint " + describe(checkpoint)
                + " are gone from the stream before they were read (DATA LOSS): " + e.getMessage();
        context.metrics().dataLost();
        context.health().dataLost(shardId, "after " + describe(checkpoint) + ": " + e.getMessage());
        if (context.config().isResumeFromTrimHorizon()) {
            LOG.error("{}; going on from the trim horizon as resumeFromTrimHorizon allows", what);
            return;
        }
        LOG.error("{}; this shard stops here (set resumeFromTrimHorizon=true to go on from the trim horizon)", what);
        throw new Ending(Outcome.DATA_LOSS);
    }

    private Ending gone(ResourceNotFoundException e) {
        LOG.warn(
                "Shard {} of {}: the stream does not know it ({}); checking the stream again",
                shardId,
                streamArn,
                e.getMessage());
        return new Ending(Outcome.GONE);
    }

    /**
     * The records to deliver: all of them, except while a LATEST start resumes before its first record, when those
     * created before LATEST was taken are skipped. The first record after a LATEST start is saved before delivery.
     */
    private List<RawRecord> unseen(List<RawRecord> records) {
        if (records.isEmpty() || checkpoint == null || checkpoint.latest() == null) {
            return records;
        }
        int from = 0;
        if (skipBefore != null) {
            while (from < records.size()
                    && records.get(from).approximateCreationDateTime() != null
                    && records.get(from).approximateCreationDateTime().isBefore(skipBefore)) {
                from++;
            }
        }
        List<RawRecord> rest = records.subList(from, records.size());
        // Saved only when the first record to deliver has a valid number: a resume at a later one would skip those
        // before it. Without one, a resume reads from the time LATEST was taken again.
        String first = rest.isEmpty() ? null : rest.get(0).sequenceNumber();
        if (item.SequenceNumbers.isValid(first) && checkpoint.latest().firstSeen() == null) {
            save(Checkpoint.latestFirstSeen(shardId, checkpoint.latest().since(), first, Instant.now()));
            skipBefore = null;
        }
        return rest;
    }

    /** Processes a batch until an exchange succeeds (then checkpoints) or the reader must stop. */
    private boolean deliver(List<RawRecord> records) {
        StreamBatch batch = new StreamBatch(context.config().getTableName(), streamArn, shardId, records);
        Backoff retries =
                new Backoff(context.config().getRetryDelay(), context.config().getMaxRetryDelay());
        for (int attempt = 0; coordinator.isActive(generation, shardId, epoch); attempt++) {
            Exception failure = coordinator.deliver(batch, attempt);
            Instant now = Instant.now();
            if (failure == null) {
                String last = batch.checkpointSequenceNumber();
                if (last != null) {
                    save(Checkpoint.at(shardId, last, now));
                } else {
                    LOG.warn(
                            "Shard {}: no record of a batch of {} has a sequence number; the checkpoint stays at {}, and"
                                    + " a restart delivers the batch again",
                            shardId,
                            batch.size(),
                            checkpoint == null ? "the shard's start" : checkpoint.describe());
                }
                context.metrics().batchDone(shardId, batch.size(), newest(records), now);
                failures.clear();
                return true;
            }
            context.metrics().batchFailed();
            failures.failed(batch, failure, now);
            if (context.stop().await(retries.next())) {
                return false;
            }
        }
        return false;
    }

    private static Instant newest(List<RawRecord> records) {
        return records.get(records.size() - 1).approximateCreationDateTime();
    }

    private void save(Checkpoint c) {
        coordinator.saveCheckpoint(streamArn, c, epoch);
        checkpoint = c;
    }

    /** Waits before retrying a failed call; failures that throttling and outages do not explain show in health. */
    private void pause(RuntimeException e) {
        if (AwsErrors.isRetriable(e)) {
            LOG.warn("Shard {}: {}; retrying", shardId, e.getMessage());
        } else {
            LOG.error("Shard {}: {}; retrying, but this will not pass by itself", shardId, e.getMessage());
            context.health().failing(shardId, "shard " + shardId + ": " + e.getMessage());
        }
        context.stop().await(backoff.next());
    }

    private static String describe(Checkpoint c) {
        return c == null ? "(none: from the start of the shard)" : c.describe();
    }
}
