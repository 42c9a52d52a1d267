package ddbstream;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long one shard's batch has kept failing. Past {@code batchFailureTimeout} the consumer's health turns DOWN naming
 * the shard, the batch's sequence numbers and the last failure, even while other shards succeed; it comes back UP when
 * the batch goes through.
 */
final class BatchFailures {
    private static final Logger LOG = LoggerFactory.getLogger(BatchFailures.class);

    private final StreamHealthCheck health;
    private final String streamArn;
    private final String shardId;
    private final Duration timeout;
    private Instant failingSince;
    private boolean reported;

    BatchFailures(StreamHealthCheck health, String streamArn, String shardId, Duration timeout) {
        this.health = health;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.timeout = timeout;
    }

    void failed(StreamBatch batch, Exception failure, Instant now) {
        if (failingSince == null) {
            failingSince = now;
        }
        Duration failing = Duration.between(failingSince, now);
        if (failing.compareTo(timeout) < 0) {
            return;
        }
        String what = "shard " + shardId + " of " + streamArn + ": the batch of sequence numbers "
                + batch.firstSequenceNumber() + " to " + batch.lastSequenceNumber() + " has failed since "
                + failingSince
                + " (longer than batchFailureTimeout " + timeout + "): " + failure;
        health.failing(key(), what);
        if (!reported) {
            reported = true;
            LOG.error("Stream of table {}: {}; it is processed again until it succeeds", batch.table(), what);
        }
    }

    /** The batch went through, or the reader ended. */
    void clear() {
        if (failingSince != null) {
            failingSince = null;
            reported = false;
            health.recovered(key());
        }
    }

    private String key() {
        return "batch " + shardId;
    }
}
