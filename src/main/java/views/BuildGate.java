package views;

import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/** One view build at a time: one per process, and (through the lease) one across replicas. */
final class BuildGate {
    interface Run<T> {
        /** @param lock the lock the run holds: {@link ViewLock.Held#confirm} it just before publishing */
        T run(ViewLock.Held lock) throws Exception;
    }

    private final ReentrantLock running = new ReentrantLock();
    private final ViewLock replicas;
    private final String tableName;

    BuildGate(ViewLock replicas, String tableName) {
        this.replicas = replicas;
        this.tableName = tableName;
    }

    /** @throws Views.BusyException when another build runs, in this process or on another replica */
    <T> T exclusive(Run<T> run) throws Exception {
        if (!running.tryLock()) {
            throw new Views.BusyException("A view build of " + tableName + " is already running in this process");
        }
        try {
            Optional<ViewLock.Held> held = replicas.tryAcquire();
            if (held.isEmpty()) {
                throw new Views.BusyException(
                        "Another replica is building the views of " + tableName + "; this run is skipped");
            }
            try (ViewLock.Held h = held.get()) {
                return run.run(h);
            }
        } finally {
            running.unlock();
        }
    }
}
