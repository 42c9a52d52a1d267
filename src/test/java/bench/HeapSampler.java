package bench;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most heap in use seen since the last {@link #reset}, and the most left in use just after a collection (the live
 * data: what grows when a step holds what it reads), sampled every 20 ms by a daemon thread.
 */
final class HeapSampler {
    private static final AtomicLong PEAK = new AtomicLong();
    private static final AtomicLong PEAK_LIVE = new AtomicLong();
    private static volatile boolean started;

    private HeapSampler() {}

    static synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        var memory = ManagementFactory.getMemoryMXBean();
        Thread t = new Thread(
                () -> {
                    while (true) {
                        PEAK.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                        PEAK_LIVE.accumulateAndGet(liveAfterCollection(), Math::max);
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "heap-sampler");
        t.setDaemon(true);
        t.start();
    }

    private static long liveAfterCollection() {
        long live = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                live += pool.getCollectionUsage().getUsed();
            }
        }
        return live;
    }

    static void reset() {
        PEAK.set(0);
        PEAK_LIVE.set(0);
    }

    /** The most heap in use left just after a collection since the last reset. */
    static long peakLiveMb() {
        return PEAK_LIVE.get() >> 20;
    }

    static long peakMb() {
        return PEAK.get() >> 20;
    }
}
