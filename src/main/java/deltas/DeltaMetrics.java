package deltas;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The delta route's meters: {@code dynamolake.deltas.dead.letters}, {@code dynamolake.deltas.overflow} and
 * {@code dynamolake.firehose.refused.entries} (entries Firehose refused and that were sent again).
 */
public final class DeltaMetrics {
    private final Counter deadLetters;
    private final Counter overflow;
    private final Counter refused;

    public DeltaMetrics(MeterRegistry registry, String table) {
        this.deadLetters = registry.counter("dynamolake.deltas.dead.letters", "table", table);
        this.overflow = registry.counter("dynamolake.deltas.overflow", "table", table);
        this.refused = registry.counter("dynamolake.firehose.refused.entries", "table", table);
    }

    void deadLetter() {
        deadLetters.increment();
    }

    void overflow() {
        overflow.increment();
    }

    void refused(int count) {
        refused.increment(count);
    }

    public double deadLetters() {
        return deadLetters.count();
    }

    public double refusedEntries() {
        return refused.count();
    }
}
