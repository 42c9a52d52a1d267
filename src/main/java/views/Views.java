package views;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;

/**
 * The table's views, whichever engine builds them ({@code views.engine}): the embedded DuckDB ({@link ViewBuilder})
 * or Athena ({@link AthenaViews}). Both read the same lake, publish the same way (a commit of {@code <table>_current}) and answer the same calls.
 */
public interface Views {
    /**
     * What one run did.
     *
     * @param bucketsWritten the buckets written anew (every one of a full run)
     * @param bucketsPatched the buckets an incremental run patched: new rows in a file beside their parts, and the
     *     rows those replace in a position delete file
     */
    record Result(
            String location,
            long version,
            String mode,
            long items,
            int bucketsWritten,
            int bucketsPatched,
            long changes) {}

    /** Thrown when a view build is already running, here or on another replica. */
    final class BusyException extends IllegalStateException {
        BusyException(String message) {
            super(message);
        }
    }

    /** Thrown when a build lost its lock before it could publish: it publishes nothing, the next run starts over. */
    final class LostLockException extends IllegalStateException {
        LostLockException(String message) {
            super(message);
        }
    }

    /**
     * Brings the current view up to date; empty when there is no published snapshot yet or nothing changed.
     *
     * @throws BusyException when another run is in progress, in this process or on another replica
     */
    Optional<Result> compact() throws Exception;

    /** Builds the current view from the snapshot and every delta after it, even when an incremental run could. */
    Optional<Result> rebuild() throws Exception;

    /**
     * Materialises the table as it was at {@code time} under {@code views/asof=<time>/}.
     *
     * @throws IllegalArgumentException when the lake cannot answer for that time, saying which times it can
     */
    Result asOf(Instant time) throws Exception;

    /** The times the lake can answer for: from the oldest published snapshot kept to now less {@code views.as-of-lag}. */
    Optional<Instant[]> availableRange();

    /** The state of the published version of the current view, if there is one. */
    Optional<JsonNode> current();
}
