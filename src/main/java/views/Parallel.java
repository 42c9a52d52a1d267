package views;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A view build's work side by side: the readers of the delta objects, the writers of the buckets, the transfers with
 * the lake. A failure of one task stops the others and is thrown as it was; a build that ends leaves none running.
 */
final class Parallel {
    private static final Logger LOG = LoggerFactory.getLogger(Parallel.class);

    /** How many objects a run fetches from the lake side by side. */
    static final int FETCHERS = 8;

    private Parallel() {}

    /**
     * Waits for every task; on the first failure the others are cancelled (interrupted) and that failure is thrown as
     * it was.
     */
    static void awaitAll(List<? extends Future<?>> tasks) throws Exception {
        try {
            for (var f : tasks) {
                await(f);
            }
        } finally {
            tasks.forEach(f -> f.cancel(true));
        }
    }

    /** The task's result, or the failure it ended with, thrown as it was. */
    static <T> T await(Future<T> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /**
     * Stops a pool's tasks and waits for them, so none still reads the lake, holds a connection to the build's
     * database or writes into its work folder once the build has ended.
     */
    static void stopAll(ExecutorService pool) throws InterruptedException {
        pool.shutdownNow();
        if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
            LOG.warn("A view build's worker threads did not stop within 2 minutes of the build's end");
        }
    }

    /**
     * Runs transfers with the lake {@value #FETCHERS} at a time: a patch fetches two columns of every part of the
     * changed buckets, a few small requests each, and uploads a few small files, whose time is the store's round trips
     * more than their bytes.
     */
    static void inParallel(List<Callable<Void>> fetches) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(FETCHERS);
        try {
            awaitAll(fetches.stream().map(pool::submit).toList());
        } finally {
            stopAll(pool);
        }
    }
}
