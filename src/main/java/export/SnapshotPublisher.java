package export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import lake.DeltasExportRecord;
import lake.IcebergTable;
import lake.LakeLayout;
import lake.LakeStore;
import lake.Published;
import lake.SnapshotRecord;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Makes a finished export visible, and nothing before: writes what the snapshot is ({@code _published.json}), then
 * commits the export to the Iceberg table {@code <table>_snapshot}, which is the moment readers switch to the new
 * snapshot, then the catalog files (schema and DDL) over it. Then, and only then, deletes snapshots beyond the
 * retained count. An
 * export older than the published one never replaces it.
 */
public final class SnapshotPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Commits the published snapshot to its Iceberg table ({@link lake.IcebergSnapshotTable}). */
    public interface SnapshotTable {
        /**
         * @param fieldIds the field ids the parts carry ({@link #fieldIds}), empty when they carry none
         * @return false when the table already holds this export or a newer one
         * @throws IcebergTable.FieldIdsChangedException when the table changed since the parts were written
         */
        boolean publish(
                String exportId,
                Instant exportTime,
                SnapshotSchema schema,
                List<IcebergTable.Part> parts,
                Map<String, Integer> fieldIds);

        /** The field ids a publish with {@code schema} gives the columns, as the table is now. */
        Map<String, Integer> fieldIds(SnapshotSchema schema);

        /** The export the table's current commit holds, if there is a table and it holds one. */
        Optional<String> currentExport();

        /** The table {@code snapshot}, expiring commits beyond the newest {@code keep}. */
        static SnapshotTable of(lake.IcebergSnapshotTable snapshot, int keep) {
            return new SnapshotTable() {
                @Override
                public boolean publish(
                        String exportId,
                        Instant exportTime,
                        SnapshotSchema schema,
                        List<IcebergTable.Part> parts,
                        Map<String, Integer> fieldIds) {
                    return snapshot.publish(exportId, exportTime, schema, parts, keep, fieldIds);
                }

                @Override
                public Map<String, Integer> fieldIds(SnapshotSchema schema) {
                    return snapshot.fieldIds(schema);
                }

                @Override
                public Optional<String> currentExport() {
                    return snapshot.currentExport();
                }
            };
        }
    }

    private final LakeStore lake;
    private final String bucket;
    private final LakeLayout layout;
    private final ExportProgress progress;
    private final ExportMetrics metrics;
    private final String tableName;
    private final int keep;
    private final SnapshotTable snapshotTable;
    private final Clock clock;

    public SnapshotPublisher(
            S3Client s3,
            String bucket,
            LakeLayout layout,
            ExportProgress progress,
            ExportMetrics metrics,
            String tableName,
            int keep,
            SnapshotTable snapshotTable,
            Clock clock) {
        this.lake = new LakeStore(s3, bucket);
        this.bucket = bucket;
        this.layout = layout;
        this.progress = progress;
        this.metrics = metrics;
        this.tableName = tableName;
        this.keep = keep;
        this.snapshotTable = snapshotTable;
        this.clock = clock;
    }

    /**
     * Fails an export whose parts carry field ids the snapshot's table no longer gives their columns: its columns changed
     * after the export's discovery (a schema change made by hand, or a lake taken over meanwhile), and the parts would
     * read other columns' values. The next export publishes the table.
     */
    private void refuse(String id, String why) {
        if (progress.failed(id, "not published: " + why)) {
            metrics.failure();
            LOG.error("Snapshot {} is not published: {}; the next export publishes the table", id, why);
        }
    }

    /**
     * The field ids an export's parts are written with, for its schema as the snapshot's table stands now (the discovery
     * records them beside the schema, the conversion writes them, the publish checks them).
     */
    public Map<String, Integer> fieldIds(SnapshotSchema schema) {
        return snapshotTable.fieldIds(schema);
    }

    /** The field ids recorded in an export's schema file; empty for one written before they were. */
    public static Map<String, Integer> fieldIds(JsonNode schemaFile) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        schemaFile
                .path("fieldIds")
                .fields()
                .forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        return ids;
    }

    /**
     * The published snapshot: the export the snapshot's table holds (its {@code _published.json}, written before the
     * commit), or the pointer of a release before the Iceberg tables (see {@link Published}).
     */
    public Optional<SnapshotRecord> current() {
        return Published.snapshot(lake, layout, tableName, snapshotTable.currentExport());
    }

    /**
     * Commits the snapshot the pointer of a release before the Iceberg tables publishes to the snapshot's table, when
     * the table holds no export yet: such a lake is taken over this way on start. A table that holds one is left as it
     * is.
     *
     * @return the export committed, if one was
     */
    public Optional<String> commitPublished() {
        if (snapshotTable.currentExport().isPresent()) {
            return Optional.empty();
        }
        Optional<SnapshotRecord> pointer = Published.snapshot(lake, layout, tableName, Optional.empty());
        if (pointer.isEmpty()) {
            return Optional.empty();
        }
        SnapshotRecord p = pointer.get();
        String id = p.exportId();
        Map<String, Long> rowsByKey = new LinkedHashMap<>();
        p.parts().forEach(part -> rowsByKey.put(part.key(), part.rows()));
        List<IcebergTable.Part> parts = lake.parts(rowsByKey, "The published snapshot " + id);
        SnapshotSchema schema =
                SnapshotSchema.fromJson(lake.json(p.schema() != null ? p.schema() : layout.snapshotSchema(id)));
        boolean committed = snapshotTable.publish(id, p.exportTime(), schema, parts, Map.of()); // parts of no ids
        return committed ? Optional.of(id) : Optional.empty();
    }

    /**
     * Publishes a full export whose parts are all written.
     *
     * @param files the export's data files (the entry may not have recorded them yet when its workers were quicker)
     * @throws IllegalStateException when a part is missing (the caller's message is redelivered)
     */
    public void publish(ExportProgress.Entry export, int files) {
        String id = export.exportId();
        JsonNode schemaJson = lake.json(layout.snapshotSchema(id));
        SnapshotSchema schema = SnapshotSchema.fromJson(schemaJson);
        Map<String, Integer> fieldIds = fieldIds(schemaJson);
        TreeMap<Integer, DiscoveredFile> discoveries = new TreeMap<>();
        for (S3Object o : lake.list(layout.snapshotDiscoveryPrefix(id))) {
            if (o.key().endsWith(".json")) {
                DiscoveredFile d = lake.record(o.key(), DiscoveredFile.class);
                discoveries.put(d.index(), d);
            }
        }
        List<SnapshotRecord.Part> parts = new ArrayList<>();
        Map<String, Long> rowsByKey = new LinkedHashMap<>();
        long items = 0;
        for (DiscoveredFile d : discoveries.values()) {
            String part = layout.snapshotPart(id, d.index(), d.file());
            parts.add(new SnapshotRecord.Part(part, d.rows()));
            rowsByKey.put(part, d.rows());
            items += d.rows();
        }
        List<IcebergTable.Part> tableParts = lake.parts(rowsByKey, "Snapshot " + id + " cannot be published yet");
        if (discoveries.size() != files) {
            throw new IllegalStateException("Snapshot " + id + " cannot be published yet: " + discoveries.size()
                    + " of " + files + " files discovered");
        }
        Optional<SnapshotRecord> current = current();
        if (current.isPresent()
                && !current.get().exportId().equals(id)
                && current.get().exportTime().isAfter(export.exportTime())) {
            LOG.warn(
                    "Snapshot {} (export time {}) is older than the published snapshot {}; it is not published",
                    id,
                    export.exportTime(),
                    current.get().exportId());
            progress.advance(id, ExportProgress.Phase.EXPIRED, ExportProgress.Phase.CONVERTING);
            return;
        }
        String location = "s3://" + bucket + "/" + layout.snapshotData(id);
        SnapshotRecord published = new SnapshotRecord(
                id,
                export.exportArn(),
                export.exportTime(),
                items,
                schema.version(),
                layout.snapshotSchema(id),
                location,
                progress.publishedAt(id, clock.instant()),
                parts);
        if (!fieldIds.isEmpty() && !fieldIds.equals(snapshotTable.fieldIds(schema))) {
            refuse(id, "its parts carry field ids the snapshot's table no longer gives their columns");
            return;
        }
        // The snapshot's record first, then the commit that publishes it (and names it).
        lake.putRecord(layout.snapshotPublished(id), published);
        Optional<String> newer;
        try {
            newer = snapshotTable.publish(id, export.exportTime(), schema, tableParts, fieldIds)
                    ? Optional.empty()
                    : snapshotTable.currentExport().filter(held -> !held.equals(id));
        } catch (IcebergTable.FieldIdsChangedException e) {
            lake.delete(List.of(layout.snapshotPublished(id))); // never committed: not a published snapshot
            refuse(id, e.getMessage());
            return;
        }
        if (newer.isPresent()) {
            LOG.warn(
                    "Snapshot {} (export time {}) was outrun: the snapshot's table holds the newer export {}; it is not"
                            + " published",
                    id,
                    export.exportTime(),
                    newer.get());
            progress.advance(id, ExportProgress.Phase.EXPIRED, ExportProgress.Phase.CONVERTING);
            return;
        }
        writeCatalog(id, schema, location); // for tools that read folders: the export the table now holds
        progress.advance(
                id,
                ExportProgress.Phase.PUBLISHED,
                ExportProgress.Phase.CONVERTING,
                ExportProgress.Phase.DISCOVERING,
                ExportProgress.Phase.EXPORTING);
        metrics.published(export.exportTime());
        LOG.info(
                "Published snapshot {} of {} ({} items in {} parts, export time {}, schema {}) at {}",
                id,
                tableName,
                items,
                parts.size(),
                export.exportTime(),
                schema.version(),
                location);
        expireOld(id);
    }

    /**
     * Marks an incremental export's deltas complete: readers take a deltas-export folder only with this marker.
     *
     * @param files the export's data files (the entry may not have recorded them yet when its workers were quicker)
     */
    public void publishDeltas(ExportProgress.Entry export, int files, long changes) {
        String id = export.exportId();
        lake.putRecord(
                layout.exportDeltasFolder(id) + "_published.json",
                new DeltasExportRecord(
                        id,
                        export.exportArn(),
                        export.fromTime(),
                        export.exportTime(),
                        files,
                        changes,
                        progress.publishedAt(id, clock.instant())));
        progress.advance(
                id, ExportProgress.Phase.PUBLISHED, ExportProgress.Phase.CONVERTING, ExportProgress.Phase.EXPORTING);
        LOG.info(
                "Landed incremental export {} of {} ({} to {}, {} changes) under s3://{}/{}",
                id,
                tableName,
                export.fromTime(),
                export.exportTime(),
                changes,
                bucket,
                layout.exportDeltasFolder(id));
    }

    private void writeCatalog(String id, SnapshotSchema schema, String location) {
        ObjectNode catalog = JSON.createObjectNode().put("table", tableName).put("exportId", id);
        catalog.set("schema", schema.toJson());
        lake.putJson(layout.catalog("snapshot-schema.json"), catalog);
        String table = IcebergTable.sqlName(tableName) + "_snapshot";
        String ddl = "-- The published snapshot " + id + " of " + tableName + " (schema " + schema.version()
                + "). Athena and Glue:\n" + schema.athenaDdl(table, location)
                + "\n-- DuckDB (with the httpfs extension and S3 credentials):\n"
                + "CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM read_parquet('" + location
                + "*.parquet');\n";
        lake.putText(layout.catalog("snapshot.sql"), ddl);
    }

    /** Deletes the files of snapshots beyond the newest {@code keep} published ones. */
    private void expireOld(String currentId) {
        List<ExportProgress.Entry> published = new ArrayList<>(progress.all().stream()
                .filter(e -> !e.incremental() && e.phase() == ExportProgress.Phase.PUBLISHED)
                .toList());
        published.sort(Comparator.comparing(ExportProgress.Entry::exportTime).reversed());
        for (ExportProgress.Entry old : published.subList(Math.min(keep, published.size()), published.size())) {
            if (old.exportId().equals(currentId)) {
                continue;
            }
            int deleted = lake.deleteAll(layout.snapshotFolder(old.exportId()));
            progress.advance(old.exportId(), ExportProgress.Phase.EXPIRED, ExportProgress.Phase.PUBLISHED);
            LOG.info("Deleted snapshot {} ({} objects): {} newer snapshots are kept", old.exportId(), deleted, keep);
        }
    }
}
