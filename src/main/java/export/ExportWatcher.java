package export;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Polls DynamoDB for the exports this application started (called by a timer, so no thread waits on an export).
 * A FAILED export is reported with DynamoDB's failure code and message. A COMPLETED one has its manifests read and
 * checked, and one task per data file put on the work queue; then the export moves on to discovery (full) or to
 * landing deltas (incremental). Queueing twice after a crash is harmless: tasks are idempotent.
 */
public final class ExportWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(ExportWatcher.class);

    private final DynamoDbClient dynamoDb;
    private final S3Client s3;
    private final ExportProgress progress;
    private final TaskQueue queue;
    private final ExportMetrics metrics;
    private final EmptyExports empty;

    /** Lands an export without data files, which no worker task will ever finish. */
    public interface EmptyExports {
        void land(ExportProgress.Entry export);
    }

    public ExportWatcher(
            DynamoDbClient dynamoDb,
            S3Client s3,
            ExportProgress progress,
            TaskQueue queue,
            ExportMetrics metrics,
            EmptyExports empty) {
        this.dynamoDb = dynamoDb;
        this.s3 = s3;
        this.progress = progress;
        this.queue = queue;
        this.metrics = metrics;
        this.empty = empty;
    }

    /**
     * Checks every export still being written by DynamoDB; returns how many are. An export whose manifests are
     * missing or unreadable is marked FAILED, once, naming the object; a failure of one export's check does not keep
     * the others from theirs.
     */
    public int poll() {
        int running = 0;
        for (ExportProgress.Entry e : progress.all()) {
            if (e.phase() != ExportProgress.Phase.EXPORTING) {
                continue;
            }
            ExportDescription d;
            try {
                d = dynamoDb.describeExport(b -> b.exportArn(e.exportArn())).exportDescription();
            } catch (RuntimeException failure) {
                LOG.warn(
                        "Export {}: DescribeExport failed ({}); checking again later",
                        e.exportId(),
                        failure.toString());
                running++;
                continue;
            }
            switch (d.exportStatus()) {
                case COMPLETED -> {
                    try {
                        completed(e, d);
                    } catch (RuntimeException failure) {
                        LOG.warn(
                                "Export {}: landing it failed ({}); trying again at the next check",
                                e.exportId(),
                                failure.toString());
                    }
                }
                case FAILED -> {
                    String reason = "DynamoDB export failed: " + d.failureCode() + ": " + d.failureMessage();
                    if (progress.failed(e.exportId(), reason)) {
                        metrics.failure();
                        LOG.error(
                                "Export {} failed in DynamoDB: {}: {}",
                                e.exportId(),
                                d.failureCode(),
                                d.failureMessage());
                    }
                }
                default -> {
                    running++;
                    LOG.debug("Export {} is {}", e.exportId(), d.exportStatusAsString());
                }
            }
        }
        return running;
    }

    private void completed(ExportProgress.Entry e, ExportDescription d) {
        ExportManifest manifest;
        try {
            if (d.exportManifest() == null || d.exportManifest().isEmpty()) {
                throw new ExportManifest.InvalidManifestException("DescribeExport of " + e.exportArn()
                        + " says COMPLETED but names no ExportManifest (manifest-summary.json)");
            }
            manifest = ExportManifest.read(s3, d.s3Bucket(), d.exportManifest());
        } catch (ExportManifest.InvalidManifestException invalid) {
            if (progress.failed(e.exportId(), invalid.getMessage())) {
                metrics.failure();
                LOG.error("Export {} will not be published: {}", e.exportId(), invalid.getMessage());
            }
            return;
        }
        List<ExportTask> tasks = new ArrayList<>();
        int files = manifest.files().size();
        for (int i = 0; i < files; i++) {
            ExportManifest.DataFile f = manifest.files().get(i);
            tasks.add(new ExportTask(
                    e.exportId(),
                    e.incremental() ? ExportTask.Step.DELTAS : ExportTask.Step.DISCOVER,
                    manifest.bucket(),
                    f.key(),
                    i,
                    files,
                    f.itemCount(),
                    f.md5()));
        }
        if (files == 0) {
            // No worker will ever land it: landed here, while still EXPORTING, so a failure is met at the next poll.
            empty.land(e);
            return;
        }
        // A worker may finish a task before started() below: workers accept EXPORTING as well, and a crash in between
        // sends the tasks again at the next poll (tasks are idempotent).
        queue.send(tasks);
        progress.started(
                e.exportId(),
                e.incremental() ? ExportProgress.Phase.CONVERTING : ExportProgress.Phase.DISCOVERING,
                files,
                manifest.itemCount());
        LOG.info(
                "Export {} completed in DynamoDB: {} items in {} data files, queued for landing",
                e.exportId(),
                manifest.itemCount(),
                files);
    }
}
