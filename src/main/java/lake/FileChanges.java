package lake;

import java.util.List;
import java.util.Map;
import lake.IcebergTable.Part;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileMetadata;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Type;

/**
 * One Iceberg commit's files: what a publish names against what the table holds. Only what changed is committed: the
 * files the table holds and the publish does not name are removed, the named ones it lacks added; a file both name
 * stays as it is (an incremental view version's unchanged buckets). A path the table holds with another size or row
 * count was written again (a view as of the same time materialised twice): the table then reads every file anew, as a
 * file is read at the size its entry gives; so it does when the partitioning changed, each file named under the spec
 * it now belongs to.
 */
final class FileChanges {
    private final List<Part> parts;
    private final List<Part> deletes;
    private final Map<String, DataFile> held;
    private final Map<String, DeleteFile> heldDeletes;
    private final boolean rewritten;
    private final java.util.Set<String> named = new java.util.HashSet<>();
    private int added;

    FileChanges(
            List<Part> parts,
            List<Part> deletes,
            Map<String, DataFile> held,
            Map<String, DeleteFile> heldDeletes,
            boolean respecified) {
        this.parts = parts;
        this.deletes = deletes;
        this.held = held;
        this.heldDeletes = heldDeletes;
        this.rewritten = respecified
                || parts.stream().anyMatch(p -> {
                    DataFile f = held.get(p.uri());
                    return f != null && (f.fileSizeInBytes() != p.bytes() || f.recordCount() != p.rows());
                })
                || deletes.stream().anyMatch(p -> {
                    DeleteFile f = heldDeletes.get(p.uri());
                    return f != null && (f.fileSizeInBytes() != p.bytes() || f.recordCount() != p.rows());
                });
        parts.forEach(p -> named.add(p.uri()));
        deletes.forEach(p -> named.add(p.uri()));
    }

    List<Part> deletes() {
        return deletes;
    }

    Map<String, DeleteFile> heldDeletes() {
        return heldDeletes;
    }

    int added() {
        return added;
    }

    /** Whether a file the table holds goes: every one when all are named anew, else those not named. */
    private boolean removes(String path) {
        return rewritten || !named.contains(path);
    }

    /** Whether a named part or delete file is added: unless the table holds it as it is. */
    private boolean adds(Part p, Map<String, ?> heldOfItsKind) {
        boolean adds = rewritten || !heldOfItsKind.containsKey(p.uri());
        if (adds) {
            added++;
        }
        return adds;
    }

    /** Data files only, before and after: an overwrite. */
    SnapshotUpdate<?> overwrite(Transaction tx, Snapshot base) {
        PartitionSpec spec = tx.table().spec();
        OverwriteFiles overwrite = tx.newOverwrite();
        if (rewritten) {
            overwrite.overwriteByRowFilter(Expressions.alwaysTrue());
        } else {
            held.forEach((path, file) -> {
                if (removes(path)) {
                    overwrite.deleteFile(file);
                }
            });
        }
        if (base != null) {
            // Serializable: fail if another writer changed the table's files after the commit this decision read.
            overwrite
                    .validateFromSnapshot(base.snapshotId())
                    .conflictDetectionFilter(Expressions.alwaysTrue())
                    .validateNoConflictingData()
                    .validateNoConflictingDeletes();
        }
        for (Part p : parts) {
            if (adds(p, held)) {
                overwrite.addFile(IcebergTable.dataFile(spec, p));
            }
        }
        return overwrite;
    }

    /**
     * Delete files named or held: a row delta, which adds and removes both kinds of file by name (an overwrite cannot
     * add delete files, and would leave those of the data files it removes behind).
     */
    SnapshotUpdate<?> rowDelta(Transaction tx, Snapshot base) {
        PartitionSpec spec = tx.table().spec();
        RowDelta delta = tx.newRowDelta();
        held.forEach((path, file) -> {
            if (removes(path)) {
                delta.removeRows(file);
            }
        });
        heldDeletes.forEach((path, file) -> {
            if (removes(path)) {
                delta.removeDeletes(file);
            }
        });
        if (base != null) {
            delta.validateFromSnapshot(base.snapshotId())
                    .conflictDetectionFilter(Expressions.alwaysTrue())
                    .validateNoConflictingDataFiles()
                    .validateNoConflictingDeleteFiles()
                    .validateDeletedFiles();
        }
        for (Part p : parts) {
            if (adds(p, held)) {
                delta.addRows(IcebergTable.dataFile(spec, p));
            }
        }
        for (Part p : deletes) {
            if (adds(p, heldDeletes)) {
                delta.addDeletes(positionDeletes(spec, p));
            }
        }
        return delta;
    }

    /**
     * A position delete file's entry, in its bucket's partition, with the first and last part it names as its bounds
     * of {@code file_path}, so a reader applies it only to the parts between them.
     */
    private static DeleteFile positionDeletes(PartitionSpec spec, Part p) {
        FileMetadata.Builder file = FileMetadata.deleteFileBuilder(spec).ofPositionDeletes();
        if (spec.isPartitioned()) {
            file.withPartitionPath(spec.fields().get(0).name() + "=" + p.bucket());
        }
        if (p.firstPart() != null && p.lastPart() != null) {
            Type path = org.apache.iceberg.MetadataColumns.DELETE_FILE_PATH.type();
            int id = org.apache.iceberg.MetadataColumns.DELETE_FILE_PATH.fieldId();
            file.withMetrics(new org.apache.iceberg.Metrics(
                    p.rows(),
                    null,
                    null,
                    null,
                    null,
                    Map.of(id, org.apache.iceberg.types.Conversions.toByteBuffer(path, p.firstPart())),
                    Map.of(id, org.apache.iceberg.types.Conversions.toByteBuffer(path, p.lastPart()))));
            if (p.firstPart().equals(p.lastPart())) {
                file.withReferencedDataFile(p.firstPart());
            }
        }
        return file.withPath(p.uri())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(p.bytes())
                .withRecordCount(p.rows())
                .build();
    }
}
