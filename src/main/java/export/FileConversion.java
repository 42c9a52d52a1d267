package export;

import static export.DataFiles.CONVERTED;

import com.fasterxml.jackson.databind.JsonNode;
import item.ItemFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lake.DataFileReader;
import lake.ParquetPartWriter;
import lake.SnapshotSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The CONVERT step of a full export: one file's items as a Parquet part with the snapshot's schema, carrying the
 * Iceberg field ids the discovery recorded; once every part is in the lake, the snapshot is published.
 */
public final class FileConversion {
    /** An export's schema and the Iceberg field ids its parts carry. */
    record Schema(SnapshotSchema columns, Map<String, Integer> fieldIds) {}

    private final DataFiles files;
    private final SnapshotPublisher publisher;
    private final Map<String, Schema> schemas;

    FileConversion(DataFiles files, SnapshotPublisher publisher, Map<String, Schema> schemas) {
        this.files = files;
        this.publisher = publisher;
        this.schemas = schemas;
    }

    /**
     * Writes the task's part, unless a delivery before did.
     *
     * @return whether every part of the export is in the lake now: the step after the last one is {@link #publish}
     */
    public boolean convert(ExportTask task) throws IOException {
        ExportProgress.Entry entry = files.entry(task);
        if (!entry.inFlight()) {
            return false; // failed or published meanwhile (a step retried after an error): nothing left to do
        }
        if (entry.convertedFiles().contains(task.index())) {
            // A redelivery: the part is written; publishing may not be (a crash in between).
            return files.progress.fileDone(task.exportId(), CONVERTED, task.index()) >= task.files();
        }
        Schema schema = schemas.computeIfAbsent(task.exportId(), id -> {
            JsonNode file = files.lake.json(files.layout.snapshotSchema(id));
            return new Schema(SnapshotSchema.fromJson(file), SnapshotPublisher.fieldIds(file));
        });
        Path file = files.workFile("part-" + task.exportId() + "-", ".parquet");
        try {
            long[] bad = {0};
            long rows;
            DataFileReader.Result read;
            try (ParquetPartWriter writer = new ParquetPartWriter(
                    file,
                    schema.columns(),
                    schema.fieldIds(),
                    files.options.codec(),
                    task.exportId(),
                    entry.exportTime(),
                    files.options.rowGroupBytes())) {
                read = files.read(task, (buf, off, len, line) -> {
                    Map<String, AttributeValue> item;
                    try {
                        item = ExportLines.item(buf, off, len);
                    } catch (ItemFormatException e) {
                        bad[0]++; // dead-lettered by the discovery step
                        return;
                    }
                    writer.write(item);
                });
                rows = writer.rows();
            }
            if (!files.checked(task, read, rows + bad[0]) || !files.stillInFlight(task)) {
                return false; // after a failure, or a late duplicate: a published snapshot's part is never rewritten
            }
            files.lake.putFile(files.layout.snapshotPart(task.exportId(), task.index(), task.key()), file);
            int done = files.progress.fileDone(task.exportId(), CONVERTED, task.index());
            files.metrics.fileDone(task.exportId(), task.files() + (long) done, 2L * task.files(), rows);
            return done >= task.files();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Every part is in the lake: publishes the snapshot, unless a delivery before did. */
    public void publish(ExportTask task) {
        ExportProgress.Entry entry = files.entry(task);
        if (entry.phase() == ExportProgress.Phase.CONVERTING) {
            publisher.publish(entry, task.files());
        }
    }
}
