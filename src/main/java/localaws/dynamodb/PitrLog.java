package localaws.dynamodb;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The change history behind point-in-time recovery: every write with its time in microseconds and the item before
 * and after. A full export at time T is the current table with the changes after T undone; an incremental export is
 * the changes inside its window. Guarded by the table's lock.
 */
public final class PitrLog {
    /** One write: the item before (null when it did not exist) and after (null when deleted). */
    public record Change(
            long micros, ItemKey key, Map<String, AttributeValue> before, Map<String, AttributeValue> after) {}

    private final List<Change> changes = new ArrayList<>();
    private long lastMicros;

    /** Records a write and returns its timestamp, strictly after the previous one. */
    long append(ItemKey key, Map<String, AttributeValue> before, Map<String, AttributeValue> after, Instant now) {
        long micros = Math.max(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, lastMicros + 1);
        lastMicros = micros;
        changes.add(new Change(micros, key, before, after));
        return micros;
    }

    /** Forgets changes older than the cutoff. */
    void prune(Instant cutoff) {
        long micros = toMicros(cutoff);
        int n = firstAfter(micros - 1);
        if (n > 0) {
            changes.subList(0, n).clear();
        }
    }

    void clear() {
        changes.clear();
    }

    /** A copy of the changes made after {@code fromMicros} up to and including {@code toMicros}. */
    List<Change> between(long fromMicros, long toMicros) {
        return List.copyOf(changes.subList(firstAfter(fromMicros), firstAfter(toMicros)));
    }

    /** Undoes, on a copy of the table taken at the same moment, every change made after {@code micros}. */
    static void rollBack(NavigableMap<ItemKey, Map<String, AttributeValue>> items, List<Change> laterChanges) {
        for (int i = laterChanges.size() - 1; i >= 0; i--) {
            Change c = laterChanges.get(i);
            if (c.before() == null) {
                items.remove(c.key());
            } else {
                items.put(c.key(), c.before());
            }
        }
    }

    private int firstAfter(long micros) {
        int lo = 0;
        int hi = changes.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (changes.get(mid).micros() <= micros) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static long toMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
