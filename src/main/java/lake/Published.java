package lake;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
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
    public static Optional<SnapshotRecord> snapshot(
            LakeStore lake, LakeLayout layout, String table, Optional<String> heldByTable) {
        if (heldByTable.isPresent()) {
            return read(lake, "the snapshot of " + table, layout.snapshotPublished(heldByTable.get()))
                    .map(r -> LakeJson.read(r, SnapshotRecord.class));
        }
        // Not when this release published a newer one (the table dropped, or its commits expired by another tool).
        return legacy(lake, layout.legacySnapshotPointer(), p -> {
                    Instant pointer = Instant.parse(p.path("exportTime").asText());
                    return snapshotRecords(lake, layout).stream()
                            .anyMatch(r -> r.exportTime().isAfter(pointer));
                })
                .map(r -> LakeJson.read(r, SnapshotRecord.class));
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
        if (namedByTable.isPresent()) {
            return read(lake, "the current view of " + table, namedByTable.get());
        }
        if (!keptStates.isEmpty()) {
            LOG.debug(
                    "The current commit of the current view of {} names no state (another tool's commit): the view is"
                            + " built again",
                    table);
            return Optional.empty();
        }
        // Not when this release published a later version (the table dropped, or its commits expired by another tool).
        return legacy(
                lake,
                layout.legacyViewPointer(),
                p -> highestStateVersion(lake, layout) > p.path("version").asLong());
    }

    /** What every snapshot the lake keeps is: each {@code snapshots/<exportId>/_published.json}, in key order. */
    public static java.util.List<SnapshotRecord> snapshotRecords(LakeStore lake, LakeLayout layout) {
        java.util.List<SnapshotRecord> out = new java.util.ArrayList<>();
        for (var o : lake.list(layout.snapshotsPrefix())) {
            if (o.key().endsWith("/_published.json")) {
                lake.recordIfPresent(o.key(), SnapshotRecord.class).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The highest version whose state ({@code current/_state/<version>-<attempt>.json}) the lake holds, 0 if none. */
    public static long highestStateVersion(LakeStore lake, LakeLayout layout) {
        long highest = 0;
        for (var o : lake.list(layout.currentStates())) {
            highest = Math.max(
                    highest, LakeLayout.versionOf(o.key().substring(o.key().lastIndexOf('/') + 1)));
        }
        return highest;
    }

    /**
     * @param what what is published, for the log ({@code the current view of orders})
     * @param namedByTable the lake key of the record the catalog's current commit names
     */
    private static Optional<JsonNode> read(LakeStore lake, String what, String namedByTable) {
        Optional<JsonNode> held = lake.jsonIfPresent(namedByTable);
        if (held.isEmpty()) {
            // Someone deleted it: what the table holds cannot be continued, and is built again from the start.
            LOG.warn(
                    "The catalog's table of {} names {}, which the lake does not hold: it is taken as not published",
                    what,
                    lake.uri(namedByTable));
        }
        return held;
    }

    /** The pointer an earlier release wrote, unless {@code outgrown}: this release published past it. */
    private static Optional<JsonNode> legacy(
            LakeStore lake, String key, java.util.function.Predicate<JsonNode> outgrown) {
        Optional<JsonNode> pointer = lake.jsonIfPresent(key);
        if (pointer.isPresent() && outgrown.test(pointer.get())) {
            LOG.debug("{} is older than what this release published: not read", lake.uri(key));
            return Optional.empty();
        }
        return pointer;
    }
}
