package export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lake.LakeLayout;
import lake.SchemaDiscovery;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Takes the export tasks off the queue and hands each to its step, as the route {@code ddb-export-to-lake} shows
 * them: each streams its data file from S3 (checking its MD5 while reading, never holding the file) and writes what
 * the step asks for into the lake under names fixed by the export id and the file's place in the manifest, so a
 * redelivered task rewrites the same objects.
 *
 * <ul>
 *   <li>DISCOVER ({@link FileDiscovery}): the attributes and types of the file's items; the worker that discovers
 *       the last file merges all discoveries into the snapshot's schema and queues the CONVERT tasks.
 *   <li>CONVERT ({@link FileConversion}): the file's items as a Parquet part with the snapshot's schema; the worker
 *       that converts the last file publishes the snapshot.
 *   <li>DELTAS ({@link FileDeltas}): an incremental export's changes as delta envelopes ordered by write time; the
 *       last one publishes the export as landed.
 * </ul>
 *
 * A file whose MD5 or item count does not match the manifest fails the whole export: it is never published, and
 * the previous snapshot stays current.
 */
public final class ExportFileWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ExportFileWorker.class);

    /** The worker's settings. */
    public record Options(
            String lakeBucket, String table, String codec, long rowGroupBytes, int maxTypedColumns, Path workDir) {}

    private final DataFiles files;
    private final SnapshotPublisher publisher;
    private final FileDiscovery discovery;
    private final FileConversion conversion;
    private final FileDeltas deltas;

    public ExportFileWorker(
            S3Client s3,
            LakeLayout layout,
            ExportProgress progress,
            TaskQueue queue,
            SnapshotPublisher publisher,
            ExportMetrics metrics,
            Options options) {
        this.files = new DataFiles(s3, layout, progress, metrics, options);
        this.publisher = publisher;
        Map<String, FileConversion.Schema> schemas = new ConcurrentHashMap<>();
        this.discovery = new FileDiscovery(files, queue, publisher, schemas);
        this.conversion = new FileConversion(files, publisher, schemas);
        this.deltas = new FileDeltas(files, publisher);
    }

    /**
     * Reads a queue message's body: the task, or null when its export has nothing left to do (unknown to this
     * application, published, failed or expired).
     *
     * @throws IllegalArgumentException naming what is missing, for a message that is not an export task
     */
    public ExportTask accept(String body) {
        ExportTask task = ExportTask.fromJson(body);
        var entry = files.progress.get(task.exportId()).orElse(null);
        if (entry == null) {
            LOG.warn("Export {} is unknown to this application; task for {} dropped", task.exportId(), task.key());
            return null;
        }
        if (!entry.inFlight()) {
            LOG.debug(
                    "Export {} is {}; task {} for {} has nothing left to do",
                    task.exportId(),
                    entry.phase(),
                    task.step(),
                    task.key());
            return null;
        }
        files.metrics.begin(task.exportId());
        return task;
    }

    /** The DISCOVER step. */
    public FileDiscovery discovery() {
        return discovery;
    }

    /** The CONVERT step. */
    public FileConversion conversion() {
        return conversion;
    }

    /** The DELTAS step. */
    public FileDeltas deltas() {
        return deltas;
    }

    /**
     * Runs the task in a queue message's body through its steps, as the route does: for tools and tests that work the
     * queue without Camel.
     */
    public void process(String body) throws IOException {
        ExportTask task = accept(body);
        if (task == null) {
            return;
        }
        switch (task.step()) {
            case DISCOVER -> {
                if (discovery.discover(task)) {
                    discovery.finish(task);
                }
            }
            case CONVERT -> {
                if (conversion.convert(task)) {
                    conversion.publish(task);
                }
            }
            case DELTAS -> {
                if (deltas.land(task)) {
                    deltas.publish(task);
                }
            }
        }
    }

    /** Lands an export without data files (an empty table): an empty snapshot, or no deltas. */
    public void landEmpty(ExportProgress.Entry export) {
        if (export.incremental()) {
            publisher.publishDeltas(export, 0, 0);
            return;
        }
        SnapshotSchema schema = new SchemaDiscovery().schema(export.keys(), files.options.maxTypedColumns());
        files.lake.putBytes(
                files.layout.snapshotSchema(export.exportId()),
                schema.toJson().toPrettyString().getBytes(StandardCharsets.UTF_8));
        publisher.publish(export, 0);
    }
}
