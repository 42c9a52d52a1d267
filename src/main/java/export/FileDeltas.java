package export;

import static export.DataFiles.CONVERTED;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lake.DataFileReader;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The DELTAS step of an incremental export: one file's changes as delta envelopes ordered by write time; once every
 * file's deltas are in the lake, the export is published as landed.
 */
public final class FileDeltas {
    /** The user metadata of a deltas-export object: how many changes it holds. */
    static final String CHANGES = "changes";

    private final DataFiles files;
    private final SnapshotPublisher publisher;

    FileDeltas(DataFiles files, SnapshotPublisher publisher) {
        this.files = files;
        this.publisher = publisher;
    }

    /**
     * Lands the task's file as delta envelopes, unless a delivery before did.
     *
     * @return whether every file's deltas are in the lake now: the step after the last one is {@link #publish}
     */
    public boolean land(ExportTask task) throws IOException {
        ExportProgress.Entry entry = files.entry(task);
        if (!entry.inFlight()) {
            return false; // failed or published meanwhile (a step retried after an error): nothing left to do
        }
        if (entry.convertedFiles().contains(task.index())) {
            return files.progress.fileDone(task.exportId(), CONVERTED, task.index()) >= task.files();
        }
        Path file = files.workFile("deltas-" + task.exportId() + "-", ".json");
        try (DataFiles.DeadLetters dead = files.deadLetters(task)) {
            ChangeEnvelopes envelopes;
            DataFileReader.Result read;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                envelopes = new ChangeEnvelopes(out, files.options.table(), task.exportId(), task.index(), dead::add);
                read = files.read(task, envelopes::line);
                envelopes.finish();
            }
            if (read == null || !files.checked(task, read, envelopes.changes() + dead.count)) {
                return false;
            }
            dead.land();
            if (!files.stillInFlight(task)) {
                return false;
            }
            files.lake.putFile(
                    files.layout.exportDeltas(task.exportId(), task.index()),
                    file,
                    Map.of(CHANGES, Long.toString(envelopes.changes())));
            int done = files.progress.fileDone(task.exportId(), CONVERTED, task.index());
            files.metrics.fileDone(task.exportId(), done, task.files(), envelopes.changes());
            return done >= task.files();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Every file's deltas are in the lake: the export is published. A worker may get here before the watcher recorded
     * the export's files (it was that fast), so EXPORTING counts as well as CONVERTING.
     */
    public void publish(ExportTask task) {
        ExportProgress.Entry entry = files.entry(task);
        if (entry.phase() != ExportProgress.Phase.CONVERTING && entry.phase() != ExportProgress.Phase.EXPORTING) {
            return;
        }
        long total = 0;
        for (S3Object o : files.lake.list(files.layout.exportDeltasFolder(task.exportId()))) {
            if (o.key().endsWith(".json") && !o.key().endsWith("_published.json")) {
                total += Long.parseLong(files.lake.metadata(o.key()).getOrDefault(CHANGES, "0"));
            }
        }
        publisher.publishDeltas(entry, task.files(), total);
    }
}
