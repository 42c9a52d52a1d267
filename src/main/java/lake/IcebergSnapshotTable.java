package lake;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The published snapshot as the Iceberg table {@code <table>_snapshot}: each published export is one commit that
 * replaces the table's rows with the export's Parquet parts, where they already lie in the lake. The commit's summary
 * records the export ({@value #EXPORT_ID}, {@value #EXPORT_TIME}), so a publish retried after its commit changes
 * nothing, and an export older than the one the table holds never replaces it. Columns are the snapshot's: keys,
 * typed attributes, {@code _item}, {@code _key}, {@code _export_id}, {@code _export_time}.
 */
public final class IcebergSnapshotTable {
    /** The summary property holding the export a commit published. */
    public static final String EXPORT_ID = "dynamo-lake.export-id";

    public static final String EXPORT_TIME = "dynamo-lake.export-time";

    private final IcebergTable table;

    public IcebergSnapshotTable(IcebergTable table) {
        this.table = table;
    }

    /**
     * The export the table holds, if it holds one: the one its current commit names, or, when another tool committed
     * on top (a compaction), the newest its parents name.
     */
    public Optional<String> currentExport() {
        return table.lineage().stream()
                .map(s -> s.get(EXPORT_ID))
                .filter(java.util.Objects::nonNull)
                .findFirst();
    }

    /**
     * Commits the export's parts as the table's rows, then expires commits beyond the newest {@code keep}.
     *
     * @param fieldIds the field ids the parts carry ({@link #fieldIds}), empty when they carry none
     * @return false when the table already holds this export or a later one
     * @throws IcebergTable.FieldIdsChangedException when the table changed since the parts were written
     */
    public boolean publish(
            String exportId,
            Instant exportTime,
            SnapshotSchema schema,
            List<IcebergTable.Part> parts,
            int keep,
            Map<String, Integer> fieldIds) {
        // Over the export the table holds, and never over one that a commit it keeps holds already or that is newer:
        // another tool's commit on top (which names no export) hides nothing.
        return table.replace(
                schema,
                parts,
                List.of(),
                0,
                Map.of(EXPORT_ID, exportId, EXPORT_TIME, exportTime.toString()),
                keep,
                current -> true, // the history holds the current commit too
                history -> history.stream().noneMatch(held -> holdsItOrNewer(held, exportId, exportTime)),
                fieldIds);
    }

    /**
     * The Iceberg field id each column of {@code schema} has once a publish with it evolves the table as it is now:
     * what the export's parts carry, so every engine reads them by id (a column dropped and added again with another
     * type reads right in every commit).
     */
    public Map<String, Integer> fieldIds(SnapshotSchema schema) {
        return table.fieldIds(schema);
    }

    /** Whether a commit's summary names this export (a retried publish) or a newer one. */
    static boolean holdsItOrNewer(Map<String, String> summary, String exportId, Instant exportTime) {
        String time = summary.get(EXPORT_TIME);
        return exportId.equals(summary.get(EXPORT_ID))
                || time != null && Instant.parse(time).isAfter(exportTime);
    }
}
