package views;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import lake.IcebergCurrentTable;
import lake.IcebergSnapshotTable;
import lake.IcebergTable;
import lake.LakeLayout;
import lake.LakeStore;
import org.apache.iceberg.catalog.Catalog;

/**
 * The views' Iceberg tables in one catalog: each published version of the current view one commit of
 * {@code <table>_current}, refused when the table already holds that version or a later one; each view as of a time
 * the table {@code <table>_asof_<time>}; the snapshot's table {@code <table>_snapshot} read for the export it holds.
 * Each table's metadata lies in the lake, under {@code iceberg/<what>/}.
 */
public final class IcebergViewCatalog implements ViewCatalog {
    /** The summary property holding the time a view as of a time is of. */
    public static final String AS_OF = "dynamo-lake.as-of";

    private final Catalog catalog;
    private final String namespace;
    private final String tableName;
    private final LakeStore lake;
    private final LakeLayout layout;
    private final int keep;
    private final IcebergTable currentTable;
    private final IcebergCurrentTable current;
    private final IcebergSnapshotTable snapshot;

    /**
     * @param tableName the DynamoDB table whose views these are
     * @param keep how many commits of {@code <table>_current} stay for time travel ({@code views.keep})
     */
    public IcebergViewCatalog(
            Catalog catalog, String namespace, String tableName, LakeStore lake, LakeLayout layout, int keep) {
        this.catalog = catalog;
        this.namespace = namespace;
        this.tableName = tableName;
        this.lake = lake;
        this.layout = layout;
        this.keep = keep;
        this.currentTable = table("current");
        this.current = new IcebergCurrentTable(currentTable);
        this.snapshot = new IcebergSnapshotTable(table("snapshot"));
    }

    /** The table {@code <namespace>.<table>_<what>} (in SQL's spelling). */
    private IcebergTable table(String what) {
        return new IcebergTable(
                catalog, namespace, IcebergTable.sqlName(tableName + "_" + what), lake.uri(layout.icebergTable(what)));
    }

    @Override
    public boolean register(Version v) {
        IcebergCurrentTable.Version version = new IcebergCurrentTable.Version(
                v.version(),
                v.snapshotExportId(),
                v.changesApplied(),
                v.lastChangeTime(),
                v.deltasListedAt(),
                v.stateKey() == null ? null : lake.uri(v.stateKey()));
        String basedOn = v.basedOn() == null ? null : lake.uri(v.basedOn());
        if (v.inPlace()) {
            return current.record(
                    version,
                    Objects.requireNonNull(basedOn, "a version merged in place is built on one"),
                    IcebergTable.Mark.parse(v.mergedOver()),
                    keep);
        }
        List<IcebergTable.Part> parts =
                bucketed(lake.parts(v.parts(), v.bytes(), "Current view " + v.version()), v.buckets());
        Map<String, Long> deleteRows = new java.util.LinkedHashMap<>();
        v.deletes().forEach((key, file) -> deleteRows.put(key, file.rows()));
        List<IcebergTable.Part> deletes = v.deletes().isEmpty()
                ? List.of()
                : bucketed(lake.parts(deleteRows, v.bytes(), "Current view " + v.version()), v.buckets()).stream()
                        .map(p -> {
                            ViewCatalog.DeleteFile file = v.deletes()
                                    .get(p.uri().substring(lake.uri("").length()));
                            return p.naming(file.firstPart(), file.lastPart());
                        })
                        .toList();
        return current.publish(version, v.schema(), parts, deletes, v.buckets().count(), keep, basedOn, v.fieldIds());
    }

    @Override
    public boolean takesPositionDeletes() {
        return currentTable.formatVersion() <= 2;
    }

    @Override
    public Map<String, Integer> currentFieldIds(lake.SnapshotSchema schema) {
        return current.fieldIds(schema);
    }

    @Override
    public Optional<String> currentMark() {
        return current.mark().map(IcebergTable.Mark::toString);
    }

    @Override
    public String currentTableSql() {
        return sql(currentTable.identifier());
    }

    @Override
    public String stageCurrent(String location, lake.SnapshotSchema schema, int buckets) {
        currentTable.stage(staging(), location, schema, buckets);
        return sql(staging());
    }

    @Override
    public List<StagedPart> unstageCurrent(lake.SnapshotSchema schema) {
        String inLake = lake.uri("");
        return currentTable.unstageParts(staging(), schema).stream()
                .map(p -> {
                    if (!p.uri().startsWith(inLake)) {
                        throw new IllegalStateException("A staged file outside the lake: " + p.uri());
                    }
                    return new StagedPart(p.uri().substring(inLake.length()), p.rows(), p.bucket());
                })
                .toList();
    }

    private org.apache.iceberg.catalog.TableIdentifier staging() {
        return org.apache.iceberg.catalog.TableIdentifier.of(
                namespace, IcebergTable.sqlName(tableName + "_current_build"));
    }

    private static String sql(org.apache.iceberg.catalog.TableIdentifier id) {
        return "\"" + id.namespace() + "\".\"" + id.name() + "\"";
    }

    @Override
    public List<String> currentColumns() {
        return current.columns();
    }

    @Override
    public long publishedVersion() {
        return current.highestVersion();
    }

    @Override
    public Optional<String> publishedSnapshot() {
        return snapshot.currentExport();
    }

    @Override
    public java.util.Set<String> keptFiles() {
        String inLake = lake.uri("");
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String uri : current.keptDataFiles()) {
            if (uri.startsWith(inLake)) {
                out.add(uri.substring(inLake.length()));
            }
        }
        return out;
    }

    @Override
    public List<String> keptStates() {
        String inLake = lake.uri("");
        return current.keptStates().stream()
                .filter(uri -> uri.startsWith(inLake))
                .map(uri -> uri.substring(inLake.length()))
                .toList();
    }

    @Override
    public Optional<String> publishedState() {
        String inLake = lake.uri("");
        return current.state().filter(uri -> uri.startsWith(inLake)).map(uri -> uri.substring(inLake.length()));
    }

    @Override
    public void registerAsOf(AsOf v) {
        IcebergTable asOf = asOfTable(v.time());
        Map<String, String> summary = new HashMap<>();
        summary.put(IcebergSnapshotTable.EXPORT_ID, v.snapshotExportId());
        summary.put(AS_OF, v.time().toString());
        summary.put(IcebergCurrentTable.VIEW_STATE, lake.uri(v.stateKey()));
        String replaces = v.replaces() == null ? null : lake.uri(v.replaces());
        // Only over the build the table held when this one started: a build that paused past its lease while another
        // committed (and deleted this one's folder) commits nothing.
        asOf.replace(
                v.schema(),
                bucketed(lake.parts(v.parts(), "The view as of " + v.time()), v.buckets()),
                List.of(),
                v.buckets().count(),
                summary,
                1,
                held -> Objects.equals(held.get(IcebergCurrentTable.VIEW_STATE), replaces),
                history -> true,
                Map.of());
    }

    @Override
    public Optional<String> publishedAsOfState(Instant time) {
        String inLake = lake.uri("");
        return asOfTable(time)
                .currentSummary()
                .map(summary -> summary.get(IcebergCurrentTable.VIEW_STATE))
                .filter(uri -> uri.startsWith(inLake))
                .map(uri -> uri.substring(inLake.length()));
    }

    private IcebergTable asOfTable(Instant time) {
        return table("asof_" + LakeLayout.asOfStamp(time));
    }

    /** The parts with their buckets, where the view has buckets. */
    private List<IcebergTable.Part> bucketed(List<IcebergTable.Part> parts, Buckets buckets) {
        if (buckets.count() == 0) {
            return parts;
        }
        Map<String, Integer> byUri = new HashMap<>();
        buckets.ofPart().forEach((key, b) -> byUri.put(lake.uri(key), b));
        return parts.stream()
                .map(p -> p.inBucket(
                        Objects.requireNonNull(byUri.get(p.uri()), () -> "no bucket for the part " + p.uri())))
                .toList();
    }
}
