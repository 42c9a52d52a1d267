package views;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import lease.Lease;
import lease.LeaseStore;

/**
 * One view build at a time across replicas: a lease in the checkpoint table ({@code <group>|lease|views|<table>}),
 * taken for a run, renewed while it lasts and given up after it. A replica that dies while building holds it until
 * it expires, one lease duration later.
 */
public interface ViewLock {
    /** A lock that is always free: one process, no other replica (benchmarks, tools). */
    ViewLock NONE = () -> Optional.of(() -> {});

    /** A held lock; closing it gives it up. */
    interface Held extends AutoCloseable {
        @Override
        void close();

        /**
         * Called just before a build publishes: renews the lock at once, so a build that lost it (a pause longer
         * than the lease, a network partition) cannot publish over the replica that took it.
         *
         * @throws Views.LostLockException when another replica holds it now
         */
        default void confirm() {}
    }

    /** The lock, or empty when another replica holds it. */
    Optional<Held> tryAcquire();

    /** The lease of {@code views|<table>} in the checkpoint table, renewed every third of {@code duration}. */
    static ViewLock lease(LeaseStore store, String group, String table, String owner, Duration duration, Clock clock) {
        String scope = "views|" + table;
        return () -> {
            Optional<Lease> lease = store.acquire(group, scope, owner, duration, clock.instant());
            if (lease.isEmpty()) {
                return Optional.empty();
            }
            ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "view-lease-" + table);
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(1, duration.toMillis() / 3);
            renewer.scheduleAtFixedRate(
                    () -> store.renew(group, scope, lease.get(), duration, clock.instant()),
                    every,
                    every,
                    TimeUnit.MILLISECONDS);
            return Optional.of(new Held() {
                @Override
                public void close() {
                    renewer.shutdownNow();
                    store.release(group, scope, lease.get());
                }

                @Override
                public void confirm() {
                    if (!store.renew(group, scope, lease.get(), duration, clock.instant())) {
                        throw new Views.LostLockException("This replica lost the lease " + group + "|lease|" + scope
                                + " (epoch " + lease.get().epoch() + ") while building the views of " + table
                                + ": another replica holds it, so this run publishes nothing");
                    }
                }
            });
        };
    }
}
