package lease;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The right to consume one table's stream for a while. Each acquisition increments the epoch; checkpoints carry
 * the epoch they were written under, so a consumer that lost its lease cannot overwrite the checkpoints of a newer
 * owner (after Kinesis Client Library leases: owner, counter, expiry).
 */
public record Lease(String key, String owner, long epoch, Instant expiresAt) {
    public Lease {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(owner, "owner == null");
        Objects.requireNonNull(expiresAt, "expiresAt == null");
    }

    /** An owner name for this process, unique among replicas: host, process id and a random suffix. */
    public static String newOwner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
