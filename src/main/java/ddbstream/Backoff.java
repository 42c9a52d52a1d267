package ddbstream;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter, from a first delay up to a ceiling; {@link #reset()} after a success. */
final class Backoff {
    private final long first;
    private final long max;
    private long next;

    Backoff(long firstMillis, long maxMillis) {
        this.first = Math.max(1, firstMillis);
        this.max = Math.max(first, maxMillis);
        this.next = first;
    }

    /** The delay before the next attempt; each call doubles the following one, up to the ceiling. */
    Duration next() {
        long base = next;
        next = Math.min(max, next * 2);
        long jitter = ThreadLocalRandom.current().nextLong(base / 4 + 1);
        return Duration.ofMillis(Math.min(max, base + jitter));
    }

    void reset() {
        next = first;
    }
}
