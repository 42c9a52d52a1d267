package lake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a table of the lake publishes: the record its catalog commit names, written before that commit (the commit is
 * the publish). A table that names none (no commit yet, or commits of a release before the Iceberg tables) is read
 * through the pointer file such a release wrote, so a lake of that release is taken over where it stands.
 */
public final class Published {
    private static final Logger LOG = LoggerFactory.getLogger(Published.class);

    private Published() {}

    /**
     * The published snapshot: the {@code _published.json} of the export the snapshot's table holds, or, where no
     * commit of its line names one (a lake being taken over), the pointer {@code snapshots/_current.json} of an
     * earlier release.
     *
     * @param heldByTable the export the table's current commit holds, if it holds one
     */
    public static Optional<JsonNode> snapshot(
            LakeStore lake, LakeLayout layout, String table, Optional<String> heldByTable) {
        return read(
                lake,
                "the snapshot of " + table,
                heldByTable.map(layout::snapshotPublished),
                layout.legacySnapshotPointer());
    }

    /**
     * The published version of the current view: the state the current table's commit names. Where it names none,
     * the pointer {@code current/_current.json} of an earlier release while no commit the table keeps names a state
     * (a lake being taken over); otherwise nothing (another tool's commit: what the table holds is built again).
     *
     * @param namedByTable the lake key of the state the table's current commit names, if it names one
     * @param keptStates the states every commit the table keeps names
     */
    public static Optional<JsonNode> currentView(
            LakeStore lake,
            LakeLayout layout,
            String table,
            Optional<String> namedByTable,
            java.util.List<String> keptStates) {
        if (namedByTable.isEmpty() && !keptStates.isEmpty()) {
            LOG.debug(
                    "The current commit of the current view of {} names no state (another tool's commit): the view is"
                            + " built again",
                    table);
            return Optional.empty();
        }
        return read(lake, "the current view of " + table, namedByTable, layout.legacyViewPointer());
    }

    /**
     * @param what what is published, for the log ({@code the current view of orders})
     * @param namedByTable the lake key of the record the catalog's current commit names, if it names one
     * @param legacy the pointer an earlier release wrote
     */
    private static Optional<JsonNode> read(LakeStore lake, String what, Optional<String> namedByTable, String legacy) {
        if (namedByTable.isEmpty()) {
            return lake.jsonIfPresent(legacy);
        }
        Optional<JsonNode> held = lake.jsonIfPresent(namedByTable.get());
        if (held.isEmpty()) {
            // Someone deleted it: what the table holds cannot be continued, and is built again from the start.
            LOG.warn(
                    "The catalog's table of {} names {}, which the lake does not hold: it is taken as not published",
                    what,
                    lake.uri(namedByTable.get()));
        }
        return held;
    }
}
