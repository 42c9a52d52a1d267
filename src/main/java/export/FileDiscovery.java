package export;

import static export.DataFiles.DISCOVERED;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import item.ItemFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lake.DataFileReader;
import lake.SchemaDiscovery;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The DISCOVER step of a full export: the attributes and types of one file's items into
 * {@code _discovery/NNNNN.json}, the lines that are not items into {@code dead-letters/export/<exportId>/<file>.json};
 * then, once every file is discovered, the snapshot's one schema and the CONVERT tasks.
 */
public final class FileDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(FileDiscovery.class);

    private final DataFiles files;
    private final TaskQueue queue;
    private final SnapshotPublisher publisher;
    private final Map<String, FileConversion.Schema> schemas;

    FileDiscovery(
            DataFiles files, TaskQueue queue, SnapshotPublisher publisher, Map<String, FileConversion.Schema> schemas) {
        this.files = files;
        this.queue = queue;
        this.publisher = publisher;
        this.schemas = schemas;
    }

    /**
     * Discovers the task's file, unless a delivery before did.
     *
     * @return whether every file of the export is discovered now: the step after the last one is {@link #finish}
     */
    public boolean discover(ExportTask task) throws IOException {
        ExportProgress.Entry entry = files.entry(task);
        if (!entry.inFlight()) {
            return false; // failed or published meanwhile (a step retried after an error): nothing left to do
        }
        if (entry.discoveredFiles().contains(task.index())) {
            // A redelivery: the file is done; the step after the last file may not be (a crash in between).
            return files.progress.fileDone(task.exportId(), DISCOVERED, task.index()) >= task.files();
        }
        SchemaDiscovery discovery = new SchemaDiscovery();
        try (DataFiles.DeadLetters dead = files.deadLetters(task)) {
            DataFileReader.Result read = files.read(task, (buf, off, len, line) -> {
                try {
                    discovery.observe(ExportLines.item(buf, off, len));
                } catch (ItemFormatException e) {
                    dead.add(buf, off, len, line, e.getMessage());
                }
            });
            if (!files.checked(task, read, discovery.items() + dead.count)) {
                return false;
            }
            dead.land();
            files.lake.putRecord(
                    files.layout.snapshotDiscovery(task.exportId(), task.index()),
                    new DiscoveredFile(
                            task.key(),
                            task.index(),
                            task.itemCount(),
                            task.md5(),
                            discovery.items(),
                            dead.count,
                            discovery));
        }
        int done = files.progress.fileDone(task.exportId(), DISCOVERED, task.index());
        files.metrics.fileDone(task.exportId(), done, 2L * task.files(), discovery.items());
        return done >= task.files();
    }

    /**
     * All files are discovered: the snapshot's one schema, then the CONVERT tasks. The export moves to CONVERTING
     * before they are sent, so the worker that converts the last file finds it there however fast it is; a
     * redelivered last DISCOVER task (the sender crashed after the move) sends them again.
     */
    public void finish(ExportTask task) {
        ExportProgress.Entry entry = files.entry(task);
        if (!entry.inFlight() || entry.converted() >= task.files()) {
            return;
        }
        SchemaDiscovery merged = new SchemaDiscovery();
        List<ExportTask> converts = new ArrayList<>();
        for (S3Object o : files.lake.list(files.layout.snapshotDiscoveryPrefix(task.exportId()))) {
            if (!o.key().endsWith(".json")) {
                continue;
            }
            DiscoveredFile d = files.lake.record(o.key(), DiscoveredFile.class);
            merged.merge(d.discovery());
            converts.add(d.convertTask(task));
        }
        if (converts.size() != task.files()) {
            throw new IllegalStateException("Export " + task.exportId() + ": " + converts.size() + " of " + task.files()
                    + " discovery results are in the lake; trying again");
        }
        SnapshotSchema schema = merged.schema(entry.keys(), files.options.maxTypedColumns());
        // The ids the snapshot's table gives the columns once this export's publish evolves it: its parts carry them.
        // A discovery finished again (its last task redelivered) keeps those it recorded: parts may carry them already.
        Map<String, Integer> fieldIds = files.lake
                .jsonIfPresent(files.layout.snapshotSchema(task.exportId()))
                .map(SnapshotPublisher::fieldIds)
                .filter(ids -> !ids.isEmpty())
                .orElseGet(() -> publisher.fieldIds(schema));
        files.lake.putBytes(
                files.layout.snapshotSchema(task.exportId()),
                schemaWithDiscovery(schema, merged, fieldIds).toPrettyString().getBytes(StandardCharsets.UTF_8));
        schemas.put(task.exportId(), new FileConversion.Schema(schema, fieldIds));
        files.progress.advance(
                task.exportId(),
                ExportProgress.Phase.CONVERTING,
                ExportProgress.Phase.EXPORTING,
                ExportProgress.Phase.DISCOVERING);
        queue.send(converts);
        LOG.info(
                "Export {}: schema {} discovered over {} items ({} columns); converting {} files",
                task.exportId(),
                schema.version(),
                merged.items(),
                schema.columns().size(),
                converts.size());
    }

    /** The schema, with the discovery it came from: views widen it by what the deltas bring. */
    private static JsonNode schemaWithDiscovery(
            SnapshotSchema schema, SchemaDiscovery discovery, Map<String, Integer> fieldIds) {
        ObjectNode o = (ObjectNode) schema.toJson();
        ObjectNode ids = o.putObject("fieldIds");
        fieldIds.forEach(ids::put);
        o.set("discovery", discovery.toJson());
        return o;
    }
}
