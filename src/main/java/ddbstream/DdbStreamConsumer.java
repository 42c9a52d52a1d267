package ddbstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import lease.Lease;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ddbstream} consumer: one exchange per GetRecords batch of one shard, body {@link StreamBatch}; the
 * shard's checkpoint moves only after the exchange completed. Reads every shard, parent before child, and keeps
 * durable checkpoints in DynamoDB. The consumers of one group share the shards, a lease per shard ({@code
 * mode=shared}, the default), or one of them owns the stream at a time ({@code mode=single}: a lease with owner, epoch
 * and expiry). Stopping finishes the batches in hand and gives the leases up.
 */
@ManagedResource(description = "dynamo-lake stream consumer: its role and the state of every shard")
public class DdbStreamConsumer extends DefaultConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(DdbStreamConsumer.class);

    private StreamCoordinator coordinator;
    private StreamHealthCheck health;
    private Thread thread;

    public DdbStreamConsumer(DdbStreamEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public DdbStreamEndpoint getEndpoint() {
        return (DdbStreamEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        DdbStreamConfiguration config = getEndpoint().getConfiguration();
        health = new StreamHealthCheck(config.getTableName());
        StreamMetrics metrics = new StreamMetrics(meterRegistry(), config.getTableName());
        coordinator = new StreamCoordinator(this, config, metrics, health, workerId(config));
        coordinator.checkStream();
        HealthCheckRegistry registry = HealthCheckRegistry.get(getEndpoint().getCamelContext());
        if (registry != null) {
            registry.register(health);
        }
        thread = new Thread(coordinator, "ddbstream-" + config.getTableName() + "-coordinator");
        thread.setDaemon(true);
        thread.start();
    }

    @ManagedAttribute(
            description = "shared (reads its share of the shards), owner (mode single: reads every shard), standby"
                    + " (another replica owns the stream, or one of the other mode reads it) or starting")
    public String getStreamRole() {
        return health == null ? "stopped" : health.role();
    }

    @ManagedAttribute(
            description = "One line per shard, oldest first: id, WAITING/READING/FINISHED/STUCK, open or closed,"
                    + " parent, checkpoint (sequence number and time, or SHARD_END)")
    public String[] getShards() {
        StreamCoordinator c = coordinator;
        return c == null ? new String[0] : c.shardStates().toArray(String[]::new);
    }

    @ManagedAttribute(
            description = "With mode=shared, the shards whose leases this replica holds (each read here and nowhere"
                    + " else); empty with mode=single")
    public String[] getOwnedShards() {
        StreamCoordinator c = coordinator;
        return c == null ? new String[0] : c.ownedShards().toArray(String[]::new);
    }

    @ManagedAttribute(description = "single (one replica reads every shard) or shared (a lease per shard)")
    public String getStreamMode() {
        return getEndpoint().getConfiguration().getMode();
    }

    private MeterRegistry meterRegistry() {
        MeterRegistry found = getEndpoint().getCamelContext().getRegistry().findSingleByType(MeterRegistry.class);
        return found != null ? found : new SimpleMeterRegistry();
    }

    private static String workerId(DdbStreamConfiguration config) {
        return config.getWorkerId() != null ? config.getWorkerId() : Lease.newOwner();
    }

    /** Processes one batch; null when the exchange completed without an exception, else the exception. */
    Exception deliver(StreamBatch batch, int attempt) {
        Exchange exchange = createExchange(false);
        try {
            exchange.getIn().setBody(batch);
            exchange.getIn().setHeader(DdbStreamConstants.STREAM_ARN, batch.streamArn());
            exchange.getIn().setHeader(DdbStreamConstants.SHARD_ID, batch.shardId());
            exchange.getIn().setHeader(DdbStreamConstants.FIRST_SEQUENCE_NUMBER, batch.firstSequenceNumber());
            exchange.getIn().setHeader(DdbStreamConstants.LAST_SEQUENCE_NUMBER, batch.lastSequenceNumber());
            exchange.getIn().setHeader(DdbStreamConstants.ATTEMPT, attempt);
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        try {
            Exception failure = exchange.getException();
            if (failure != null) {
                LOG.warn(
                        "Batch of shard {} ({} records, sequence numbers {} to {}) failed on attempt {}; it will be"
                                + " processed again: {}",
                        batch.shardId(),
                        batch.size(),
                        batch.firstSequenceNumber(),
                        batch.lastSequenceNumber(),
                        attempt + 1,
                        failure.toString());
            }
            return failure;
        } finally {
            releaseExchange(exchange, false);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (coordinator != null) {
            long grace = getEndpoint().getCamelContext().getShutdownStrategy().getTimeout();
            coordinator.stop(Duration.ofSeconds(Math.max(1, grace)));
            thread.join(5_000);
        }
        HealthCheckRegistry registry = HealthCheckRegistry.get(getEndpoint().getCamelContext());
        if (registry != null && health != null) {
            registry.unregister(health);
        }
        super.doStop();
    }

    /** Whether the health check reports DOWN (data loss or a part that cannot work). */
    public boolean isHealthy() {
        return health != null && !health.isDown();
    }
}
