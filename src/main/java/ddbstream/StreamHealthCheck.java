package ddbstream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of one {@code ddbstream} consumer: DOWN while a shard has lost data (records trimmed before they were
 * read) or the stream cannot be read at all; UP otherwise, for the lease owner and for a standby alike.
 */
final class StreamHealthCheck extends AbstractHealthCheck {
    private final Map<String, String> dataLoss = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private volatile String role = "starting";

    StreamHealthCheck(String table) {
        super("dynamo-lake", "ddbstream-" + table);
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    /** Records trimmed before this consumer read them: DOWN until the consumer is restarted. */
    void dataLost(String shardId, String description) {
        dataLoss.put(shardId, description);
    }

    /** True when a loss was reported for this shard (reported once per run of the consumer). */
    boolean hasLost(String shardId) {
        return dataLoss.containsKey(shardId);
    }

    /** A part of the consumer ({@code key}: the coordinator, a shard) cannot work: no stream, access denied, ... */
    void failing(String key, String description) {
        failures.put(key, description);
    }

    /** That part works again. */
    void recovered(String key) {
        failures.remove(key);
    }

    String role() {
        return role;
    }

    void role(String role) {
        this.role = role;
    }

    boolean isDown() {
        return !dataLoss.isEmpty() || !failures.isEmpty();
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("role", role);
        if (!dataLoss.isEmpty()) {
            builder.detail("dataLoss", Map.copyOf(dataLoss));
            builder.message("stream records were trimmed before they were read: " + dataLoss);
            builder.down();
        } else if (!failures.isEmpty()) {
            builder.message(String.join("; ", failures.values()));
            builder.down();
        } else {
            builder.up();
        }
    }
}
