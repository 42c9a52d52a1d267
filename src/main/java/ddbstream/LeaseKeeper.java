package ddbstream;

import ddbstream.checkpoint.CheckpointStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import lease.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream lease of one consumer: taken when free, then renewed every {@code leaseRenewInterval} on a thread of its
 * own, so nothing the coordinator waits for (a throttled DescribeStream, its retries, a slow checkpoint table) can
 * delay a renewal until the lease expires and another replica takes the stream.
 *
 * <p>The lease is held while renewals succeed. It is lost when a renewal is refused (another owner has it), and it is
 * no longer safe to act under once it has not been renewed for the lease duration less one renewal interval: past
 * that, a standby may take it as soon as its clock says it expired.
 */
final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final CheckpointStore store;
    private final String group;
    private final String table;
    private final String owner;
    private final Duration duration;
    private final Duration renewInterval;
    private final ScheduledExecutorService scheduler;
    private final Runnable onLost;
    private final Clock clock;
    private volatile Lease lease;
    private volatile Instant safeUntil = Instant.EPOCH;
    private ScheduledFuture<?> renewals;

    LeaseKeeper(
            CheckpointStore store,
            DdbStreamConfiguration config,
            String owner,
            ScheduledExecutorService scheduler,
            Runnable onLost,
            Clock clock) {
        this.store = store;
        this.group = config.getCheckpointGroup();
        this.table = config.getTableName();
        this.owner = owner;
        this.duration = Duration.ofMillis(config.getLeaseDuration());
        this.renewInterval = Duration.ofMillis(config.getLeaseRenewInterval());
        this.scheduler = scheduler;
        this.onLost = onLost;
        this.clock = clock;
    }

    /** Takes the lease when it is free, expired or ours, and starts renewing it; empty when another owner holds it. */
    synchronized Optional<Lease> acquire() {
        Instant now = clock.instant();
        Optional<Lease> acquired = store.leases().acquire(group, table, owner, duration, now);
        if (acquired.isPresent()) {
            lease = acquired.get();
            safeUntil = now.plus(duration).minus(renewInterval);
            cancelRenewals();
            renewals = scheduler.scheduleWithFixedDelay(
                    this::renew, renewInterval.toMillis(), renewInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return acquired;
    }

    /** True while the lease is held and was renewed recently enough that no other replica can have taken it. */
    boolean held() {
        return lease != null && clock.instant().isBefore(safeUntil);
    }

    /** The epoch of the lease held, which every checkpoint written under it carries. */
    long epoch() {
        Lease l = lease;
        if (l == null) {
            throw new IllegalStateException("no lease held on the stream of table " + table);
        }
        return l.epoch();
    }

    private void renew() {
        Lease held = lease;
        if (held == null) {
            return;
        }
        Instant now = clock.instant();
        try {
            if (store.leases().renew(group, table, held, duration, now)) {
                if (lease == held) {
                    safeUntil = now.plus(duration).minus(renewInterval);
                }
                return;
            }
            LOG.warn(
                    "Lost the lease on the stream of table {} (epoch {}): another replica holds it now; stopping the"
                            + " shard readers",
                    table,
                    held.epoch());
        } catch (RuntimeException e) {
            if (now.isBefore(safeUntil)) {
                LOG.warn(
                        "Could not renew the lease on the stream of table {} (epoch {}): {}; trying again, it is safe"
                                + " until {}",
                        table,
                        held.epoch(),
                        e.toString(),
                        safeUntil);
                return;
            }
            LOG.warn(
                    "The lease on the stream of table {} (epoch {}) could not be renewed before {}: {}; stopping the"
                            + " shard readers",
                    table,
                    held.epoch(),
                    safeUntil,
                    e.toString());
        }
        lostIfStill(held);
    }

    /** A renewal of a lease that was meanwhile given up and taken anew says nothing of the new one. */
    private synchronized void lostIfStill(Lease held) {
        if (lease == held) {
            lost();
        }
    }

    /** Forgets the lease (renewal refused, or a checkpoint refused under it) and tells the coordinator. */
    synchronized void lost() {
        if (lease == null) {
            return;
        }
        lease = null;
        cancelRenewals();
        onLost.run();
    }

    /** Gives the lease up at once, so a standby takes over without waiting for it to expire. */
    synchronized void release() {
        Lease held = lease;
        lease = null;
        cancelRenewals();
        if (held == null) {
            return;
        }
        try {
            store.leases().release(group, table, held);
            LOG.info("Released the lease on the stream of table {}", table);
        } catch (RuntimeException e) {
            LOG.warn("Could not release the lease on the stream of table {}: {}", table, e.toString());
        }
    }

    private void cancelRenewals() {
        if (renewals != null) {
            renewals.cancel(false);
            renewals = null;
        }
    }
}
