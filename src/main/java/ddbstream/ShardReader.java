package ddbstream;

import ddbstream.checkpoint.Checkpoint;
import ddbstream.checkpoint.CheckpointConflictException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/**
 * Reads one shard from its checkpoint to its end. Each GetRecords batch becomes one exchange; the checkpoint moves
 * only after the exchange completed, and a failed exchange is processed again with backoff, never skipped. The
 * reader ends when the shard is closed and read (its checkpoint marks the end, so its children may start), when the
 * consumer stops or loses its lease, or when records were trimmed before they were read (data loss).
 */
final class ShardReader implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardReader.class);

    /** How a reader ended. */
    enum Outcome {
        FINISHED,
        STOPPED,
        DATA_LOSS
    }

    private final StreamCoordinator coordinator;
    private final String streamArn;
    private final String shardId;
    private final ShardIteratorType startType;
    private final long generation;
    private final long epoch;
    private final Backoff backoff;
    private Checkpoint checkpoint;

    ShardReader(
            StreamCoordinator coordinator,
            String streamArn,
            String shardId,
            Checkpoint checkpoint,
            ShardIteratorType startType,
            long generation,
            long epoch) {
        this.coordinator = coordinator;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.checkpoint = checkpoint;
        this.startType = startType;
        this.generation = generation;
        this.epoch = epoch;
        DdbStreamConfiguration c = coordinator.configuration();
        this.backoff = new Backoff(c.getRetryDelay(), c.getMaxRetryDelay());
    }

    @Override
    public void run() {
        Outcome outcome = Outcome.STOPPED;
        try {
            outcome = read();
        } catch (CheckpointConflictException e) {
            LOG.warn("Shard {}: {}; another consumer owns the stream now", shardId, e.getMessage());
            coordinator.leaseLost();
        } catch (RuntimeException e) {
            LOG.error(
                    "Shard {}: reader failed at checkpoint {}; the shard will be read again from there",
                    shardId,
                    describe(checkpoint),
                    e);
        } finally {
            coordinator.readerDone(generation, shardId, outcome, checkpoint);
        }
    }

    private Outcome read() {
        String iterator = iterator(checkpoint == null ? startType : ShardIteratorType.AFTER_SEQUENCE_NUMBER);
        while (iterator != null && coordinator.isActive(generation)) {
            GetRecordsResponse response;
            try {
                response = coordinator.getRecords(iterator);
                backoff.reset();
                coordinator.health().recovered(shardId);
            } catch (ExpiredIteratorException e) {
                LOG.info("Shard {}: iterator expired; resuming after checkpoint {}", shardId, describe(checkpoint));
                iterator = iterator(checkpoint == null ? startType : ShardIteratorType.AFTER_SEQUENCE_NUMBER);
                continue;
            } catch (TrimmedDataAccessException | ResourceNotFoundException e) {
                if (!dataLost(e)) {
                    return Outcome.DATA_LOSS;
                }
                iterator = iterator(ShardIteratorType.TRIM_HORIZON);
                continue;
            } catch (RuntimeException e) {
                pause(e);
                continue;
            }
            List<Record> records = response.records();
            if (!records.isEmpty() && !deliver(records)) {
                return Outcome.STOPPED;
            }
            if (response.nextShardIterator() == null) {
                save(Checkpoint.end(shardId, checkpoint == null ? null : checkpoint.sequenceNumber(), Instant.now()));
                return Outcome.FINISHED;
            }
            iterator = response.nextShardIterator();
            if (records.isEmpty() && coordinator.stopSignal().await(coordinator.idleDelay())) {
                return Outcome.STOPPED;
            }
        }
        return Outcome.STOPPED;
    }

    /** Processes a batch until an exchange succeeds (then checkpoints) or the reader must stop. */
    private boolean deliver(List<Record> records) {
        StreamBatch batch = new StreamBatch(coordinator.table(), streamArn, shardId, records);
        Backoff retries = new Backoff(
                coordinator.configuration().getRetryDelay(),
                coordinator.configuration().getMaxRetryDelay());
        for (int attempt = 0; coordinator.isActive(generation); attempt++) {
            if (coordinator.deliver(batch, attempt)) {
                Instant now = Instant.now();
                save(Checkpoint.at(shardId, batch.lastSequenceNumber(), now));
                coordinator.metrics().batchDone(shardId, batch.size(), newest(records), now);
                return true;
            }
            coordinator.metrics().batchFailed();
            if (coordinator.stopSignal().await(retries.next())) {
                return false;
            }
        }
        return false;
    }

    private static Instant newest(List<Record> records) {
        return records.get(records.size() - 1).dynamodb().approximateCreationDateTime();
    }

    private void save(Checkpoint c) {
        coordinator.saveCheckpoint(streamArn, c, epoch);
        checkpoint = c;
    }

    private String iterator(ShardIteratorType type) {
        while (coordinator.isActive(generation)) {
            try {
                String seq = type == ShardIteratorType.AFTER_SEQUENCE_NUMBER ? checkpoint.sequenceNumber() : null;
                return coordinator.shardIterator(streamArn, shardId, type, seq);
            } catch (TrimmedDataAccessException | ResourceNotFoundException e) {
                if (!dataLost(e)) {
                    return null;
                }
                type = ShardIteratorType.TRIM_HORIZON;
            } catch (RuntimeException e) {
                pause(e);
            }
        }
        return null;
    }

    /**
     * Records after the checkpoint were trimmed before they were read: data loss, reported loudly. Returns true when
     * the configuration allows going on from the trim horizon.
     */
    private boolean dataLost(RuntimeException e) {
        String what = "Shard " + shardId + " of " + streamArn + ": records after checkpoint " + describe(checkpoint)
                + " are gone from the stream before they were read (DATA LOSS): " + e.getMessage();
        coordinator.metrics().dataLost();
        coordinator.health().dataLost(shardId, "after " + describe(checkpoint) + ": " + e.getMessage());
        if (coordinator.configuration().isResumeFromTrimHorizon()) {
            LOG.error("{}; going on from the trim horizon as resumeFromTrimHorizon allows", what);
            return true;
        }
        LOG.error("{}; this shard stops here (set resumeFromTrimHorizon=true to go on from the trim horizon)", what);
        return false;
    }

    /** Waits before retrying a failed call; failures that throttling and outages do not explain show in health. */
    private void pause(RuntimeException e) {
        if (AwsErrors.isRetriable(e)) {
            LOG.warn("Shard {}: {}; retrying", shardId, e.getMessage());
        } else {
            LOG.error("Shard {}: {}; retrying, but this will not pass by itself", shardId, e.getMessage());
            coordinator.health().failing(shardId, "shard " + shardId + ": " + e.getMessage());
        }
        coordinator.stopSignal().await(backoff.next());
    }

    private static String describe(Checkpoint c) {
        return c == null ? "(none: from the start of the shard)" : c.shardEnd() ? "(end of shard)" : c.sequenceNumber();
    }
}
