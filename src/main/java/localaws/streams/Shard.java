package localaws.streams;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One shard of an emulated stream: its place in the shard tree, the part of the partition-key hash space it
 * takes, its records, and how far it has been trimmed. Guarded by its stream's lock.
 */
final class Shard {
    /** A record as stored: its sequence number, creation time and the JSON AWS would send for it. */
    record Entry(BigInteger sequenceNumber, Instant created, byte[] json) {}

    final String id;
    final String parentId;
    final long hashLow;
    final long hashHigh;
    final BigInteger startingSequenceNumber;
    final Instant openedAt;
    BigInteger endingSequenceNumber;
    Instant closedAt;
    /** The highest sequence number trimmed away, or null when nothing has been. */
    BigInteger trimmedUpTo;

    private final List<Entry> records = new ArrayList<>();
    private int head;

    Shard(String id, String parentId, long hashLow, long hashHigh, BigInteger start, Instant openedAt) {
        this.id = id;
        this.parentId = parentId;
        this.hashLow = hashLow;
        this.hashHigh = hashHigh;
        this.startingSequenceNumber = start;
        this.openedAt = openedAt;
    }

    boolean isOpen() {
        return endingSequenceNumber == null;
    }

    boolean covers(long hash) {
        return hash >= hashLow && hash <= hashHigh;
    }

    void add(Entry e) {
        records.add(e);
    }

    int size() {
        return records.size() - head;
    }

    BigInteger lastSequenceNumber() {
        return size() == 0 ? null : records.get(records.size() - 1).sequenceNumber();
    }

    /** Records after the given sequence number, at most {@code limit} and about {@code maxBytes}. */
    List<Entry> after(BigInteger after, int limit, int maxBytes) {
        int from = firstAfter(after);
        List<Entry> out = new ArrayList<>();
        int bytes = 0;
        for (int i = from; i < records.size() && out.size() < limit; i++) {
            Entry e = records.get(i);
            if (!out.isEmpty() && bytes + e.json().length > maxBytes) {
                break;
            }
            bytes += e.json().length;
            out.add(e);
        }
        return out;
    }

    /** True when records exist after the given sequence number. */
    boolean hasAfter(BigInteger after) {
        return firstAfter(after) < records.size();
    }

    private int firstAfter(BigInteger after) {
        int lo = head;
        int hi = records.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (records.get(mid).sequenceNumber().compareTo(after) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Drops records created before the cutoff; returns how many. */
    int trimBefore(Instant cutoff) {
        int dropped = 0;
        while (head < records.size() && records.get(head).created().isBefore(cutoff)) {
            trimmedUpTo = records.get(head).sequenceNumber();
            records.set(head, null);
            head++;
            dropped++;
        }
        if (head > 1024 && head > records.size() / 2) {
            records.subList(0, head).clear();
            head = 0;
        }
        return dropped;
    }
}
