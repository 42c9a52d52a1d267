package lake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The current view as the Iceberg table {@code <table>_current}: each published version of the view is one commit
 * that replaces the table's rows with the version's parts. The commit's summary records the version
 * ({@value #VIEW_VERSION}), the snapshot it was built on ({@value IcebergSnapshotTable#EXPORT_ID}), the changes it
 * applied and the time of the newest change it holds ({@value #LAST_CHANGE_TIME}); a version is committed only over an older one, so a builder that was outrun, or whose run is retried after
 * its commit, changes nothing.
 */
public final class IcebergCurrentTable {
    /** The summary property holding the view version a commit published. */
    public static final String VIEW_VERSION = "dynamo-lake.view-version";

    public static final String CHANGES_APPLIED = "dynamo-lake.changes-applied";

    /** The time of the newest change the version holds: how far the table has caught up with DynamoDB. */
    public static final String LAST_CHANGE_TIME = "dynamo-lake.last-change-time";

    /**
     * When the version's run listed the delta objects it applied: the high-water mark of what it holds (every delta
     * object last modified before it, less the late window, from the snapshot's floor on).
     */
    public static final String DELTAS_LISTED_AT = "dynamo-lake.deltas-listed-at";

    /**
     * The state of the version a commit published ({@code s3://…/current/_state/<version>-<attempt>.json}): its parts'
     * buckets, the delta objects it applied, its tombstones; the next run starts from it.
     */
    public static final String VIEW_STATE = "dynamo-lake.view-state";

    private final IcebergTable table;

    public IcebergCurrentTable(IcebergTable table) {
        this.table = table;
    }

    /**
     * What a version's commit records in its summary.
     *
     * @param number the view version
     * @param snapshotExportId the snapshot it was built on
     * @param changesApplied the changes its run applied
     * @param lastChangeTime the time of the newest change it holds (ISO-8601), or null
     * @param deltasListedAt when its run listed the delta objects it applied (ISO-8601), or null
     * @param stateUri its state ({@code s3://…/current/_state/<version>-<attempt>.json}), or null
     */
    public record Version(
            long number,
            String snapshotExportId,
            long changesApplied,
            String lastChangeTime,
            String deltasListedAt,
            String stateUri) {
        Map<String, String> summary() {
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put(VIEW_VERSION, Long.toString(number));
            summary.put(IcebergSnapshotTable.EXPORT_ID, snapshotExportId);
            summary.put(CHANGES_APPLIED, Long.toString(changesApplied));
            if (lastChangeTime != null) {
                summary.put(LAST_CHANGE_TIME, lastChangeTime);
            }
            if (deltasListedAt != null) {
                summary.put(DELTAS_LISTED_AT, deltasListedAt);
            }
            if (stateUri != null) {
                summary.put(VIEW_STATE, stateUri);
            }
            return summary;
        }
    }

    /**
     * Commits a version's parts as the table's rows, then expires commits beyond the newest {@code keep} versions.
     *
     * @param buckets the buckets of the key the parts partition the rows into (each part's {@link IcebergTable.Part#bucket}),
     *     0 when they do not
     * @return false when the table already holds this version or a later one
     */
    public boolean publish(
            Version version, SnapshotSchema schema, List<IcebergTable.Part> parts, int buckets, int keep) {
        return publish(version, schema, parts, List.of(), buckets, keep, held -> true, Map.of());
    }

    /**
     * The same, refused also unless the table's current commit names {@code basedOnUri} as its state (null: names
     * none): a build planned on one version never commits over another (a rollback made while it ran, another
     * builder's version); and refused with an exception when the table, evolved in the commit, gives a column another
     * id than {@code fieldIds}, those the parts were written with ({@link #fieldIds}; empty: none). {@code deletes} are
     * the version's position delete files: the rows of its parts that later changes replaced (merge-on-read).
     */
    public boolean publish(
            Version version,
            SnapshotSchema schema,
            List<IcebergTable.Part> parts,
            List<IcebergTable.Part> deletes,
            int buckets,
            int keep,
            String basedOnUri,
            Map<String, Integer> fieldIds) {
        return publish(
                version,
                schema,
                parts,
                deletes,
                buckets,
                keep,
                held -> java.util.Objects.equals(held.get(VIEW_STATE), basedOnUri),
                fieldIds);
    }

    private boolean publish(
            Version version,
            SnapshotSchema schema,
            List<IcebergTable.Part> parts,
            List<IcebergTable.Part> deletes,
            int buckets,
            int keep,
            java.util.function.Predicate<Map<String, String>> basedOn,
            Map<String, Integer> fieldIds) {
        // Over the version it was built on, and only over older versions: the history (the current commit's and every
        // other the table keeps, as a rollback keeps later ones) holds no number as high.
        return table.replace(
                schema,
                parts,
                deletes,
                buckets,
                version.summary(),
                keep,
                basedOn,
                history -> history.stream().allMatch(held -> olderThan(held, version.number())),
                fieldIds);
    }

    /**
     * Records a version whose rows an engine merged into the table itself (Athena's MERGE INTO, which commits its own
     * rows): one commit that changes no rows and names the version, made only when the table went on from
     * {@code over} (where it stood before the merge) by the engine's commits alone, the newest commit that names a state
     * names {@code basedOnUri} (the version the merge was run on: no other builder and no rollback came between), and
     * the history holds no number as high. Then expires commits beyond the newest {@code keep} versions.
     *
     * @return false when the table refuses it
     */
    public boolean record(Version version, String basedOnUri, IcebergTable.Mark over, int keep) {
        return table.annotate(
                version.summary(),
                keep,
                over,
                line -> line.stream()
                        .map(held -> held.get(VIEW_STATE))
                        .filter(java.util.Objects::nonNull)
                        .findFirst()
                        .filter(basedOnUri::equals)
                        .isPresent(),
                history -> history.stream().allMatch(held -> olderThan(held, version.number())));
    }

    /** The Iceberg field id each column of {@code schema} has once a version of it is published now. */
    public Map<String, Integer> fieldIds(SnapshotSchema schema) {
        return table.fieldIds(schema);
    }

    /** Where the table stands now, before an engine commits to it itself; empty when it has no commit. */
    public java.util.Optional<IcebergTable.Mark> mark() {
        return table.mark();
    }

    /** The names of the table's columns now, in order (the project's and any another writer added). */
    public List<String> columns() {
        return table.columns();
    }

    /** The version the table's current commit holds, 0 when it has none. */
    public long version() {
        return table.currentSummary()
                .map(summary -> summary.get(VIEW_VERSION))
                .map(Long::parseLong)
                .orElse(0L);
    }

    /**
     * The highest version any commit the table keeps holds, current or not, 0 when none: after a rollback the
     * versions past the current one are still in the table's history, and a new version never reuses their numbers.
     */
    public long highestVersion() {
        return table.summaries().stream()
                .map(summary -> summary.get(VIEW_VERSION))
                .filter(java.util.Objects::nonNull)
                .mapToLong(Long::parseLong)
                .max()
                .orElse(0L);
    }

    /** The data files (URIs) every commit the table keeps reads, current or not. */
    public java.util.Set<String> keptDataFiles() {
        return table.keptDataFiles();
    }

    /** The states (URIs) every commit the table keeps names, current or not. */
    public java.util.List<String> keptStates() {
        return table.summaries().stream()
                .map(summary -> summary.get(VIEW_STATE))
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    /** The state the table's current commit names (a URI), if it names one. */
    public java.util.Optional<String> state() {
        return table.currentSummary().map(summary -> summary.get(VIEW_STATE));
    }

    /** Whether a commit's summary names a version older than {@code version} (or none). */
    static boolean olderThan(Map<String, String> summary, long version) {
        String held = summary.get(VIEW_VERSION);
        return held == null || Long.parseLong(held) < version;
    }
}
