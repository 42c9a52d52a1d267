package bench;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/** The most heap in use seen since the last {@link #reset}, sampled every 20 ms by a daemon thread. */
final class HeapSampler {
    private static final AtomicLong PEAK = new AtomicLong();
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

    static void reset() {
        PEAK.set(0);
    }

    static long peakMb() {
        return PEAK.get() >> 20;
    }
}
