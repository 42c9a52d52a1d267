package lake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which record of what a table of the lake publishes to follow: the state its catalog commit names (written before the
 * commit, which is the publish), or the pointer written after it. The commit's, so a reader sees what the table holds
 * even when the pointer never followed (a writer that died in between); the pointer's where the catalog names none
 * (no catalog, a commit of an earlier release), where the named state is missing, or where the pointer is newer (the
 * table rolled back, or dropped and taken over again), so a writer never goes back to an older one.
 */
public final class Published {
    private static final Logger LOG = LoggerFactory.getLogger(Published.class);

    private Published() {}

    /**
     * The published snapshot: the {@code _published.json} of the export the snapshot's table holds, or the pointer
     * {@code snapshots/_current.json}, ordered by export time.
     *
     * @param heldByTable the export the table's current commit holds, if it holds one
     */
    public static Optional<JsonNode> snapshot(
            LakeStore lake, LakeLayout layout, String table, Optional<String> heldByTable) {
        return choose(
                "the snapshot of " + table,
                lake.jsonIfPresent(layout.currentSnapshotPointer()),
                heldByTable.map(layout::snapshotPublished),
                lake::jsonIfPresent,
                p -> java.time.Instant.parse(p.path("exportTime").asText()).toEpochMilli());
    }

    /**
     * The published version of the current view: the state the current table's commit names, or the pointer
     * {@code current/_current.json}, ordered by version.
     *
     * @param namedByTable the lake key of the state the table's current commit names, if it names one
     */
    public static Optional<JsonNode> currentView(
            LakeStore lake, LakeLayout layout, String table, Optional<String> namedByTable) {
        return choose(
                "the current view of " + table,
                lake.jsonIfPresent(layout.currentViewPointer()),
                namedByTable,
                lake::jsonIfPresent,
                p -> p.path("version").asLong());
    }

    /**
     * @param what what is published, for the log ({@code the current view of orders})
     * @param pointer the pointer's content, if there is one
     * @param namedByTable the lake key of the state the catalog's current commit names, if it names one
     * @param state reads a state by its key
     * @param order orders two records (a version, an export time)
     */
    private static Optional<JsonNode> choose(
            String what,
            Optional<JsonNode> pointer,
            Optional<String> namedByTable,
            java.util.function.Function<String, Optional<JsonNode>> state,
            ToLongFunction<JsonNode> order) {
        if (namedByTable.isEmpty()) {
            return pointer;
        }
        Optional<JsonNode> held = state.apply(namedByTable.get());
        if (held.isEmpty()) {
            LOG.warn(
                    "The catalog's table of {} names {}, which the lake does not hold; the pointer is read",
                    what,
                    namedByTable.get());
            return pointer;
        }
        if (pointer.isPresent() && order.applyAsLong(pointer.get()) > order.applyAsLong(held.get())) {
            LOG.warn("The pointer of {} is newer than what the catalog's table holds: it is read", what);
            return pointer;
        }
        return held;
    }
}
