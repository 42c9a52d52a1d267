package export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import item.ItemFormatException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import lake.DataFileReader;
import lake.LakeLayout;
import lake.LakeStore;
import lake.ParquetPartWriter;
import lake.SchemaDiscovery;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Runs one export task: streams the data file from S3 (checking its MD5 while reading, never holding the file),
 * reads it line by line and writes what the step asks for into the lake under names fixed by the export id and the
 * file's place in the manifest, so a redelivered task rewrites the same objects.
 *
 * <ul>
 *   <li>DISCOVER: the attributes and types of the file's items into {@code _discovery/NNNNN.json}; lines that are
 *       not items go to {@code dead-letters/export/<exportId>/<file>.json}. The worker that discovers the last file
 *       merges all discoveries into the snapshot's schema and queues the CONVERT tasks.
 *   <li>CONVERT: the file's items as a Parquet part with the snapshot's schema. The worker that converts the last
 *       file publishes the snapshot.
 *   <li>DELTAS: an incremental export's changes as delta envelopes ordered by write time. The last one marks the
 *       export landed.
 * </ul>
 *
 * A file whose MD5 or item count does not match the manifest fails the whole export: it is never published, and
 * the previous snapshot stays current.
 */
public final class ExportFileWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ExportFileWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    static final String DISCOVERED = "discovered";
    static final String CONVERTED = "converted";
    /** The user metadata of a deltas-export object: how many changes it holds. */
    static final String CHANGES = "changes";

    /** The worker's settings. */
    public record Options(
            String lakeBucket, String table, String codec, long rowGroupBytes, int maxTypedColumns, Path workDir) {}

    private final S3Client s3;
    private final LakeStore lake;
    private final LakeLayout layout;
    private final ExportProgress progress;
    private final TaskQueue queue;
    private final SnapshotPublisher publisher;
    private final ExportMetrics metrics;
    private final Options options;
    /** An export's schema and the Iceberg field ids its parts carry. */
    private record Schema(SnapshotSchema columns, Map<String, Integer> fieldIds) {}

    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    public ExportFileWorker(
            S3Client s3,
            LakeLayout layout,
            ExportProgress progress,
            TaskQueue queue,
            SnapshotPublisher publisher,
            ExportMetrics metrics,
            Options options) {
        this.s3 = s3;
        this.lake = new LakeStore(s3, options.lakeBucket());
        this.layout = layout;
        this.progress = progress;
        this.queue = queue;
        this.publisher = publisher;
        this.metrics = metrics;
        this.options = options;
    }

    /** Runs the task in a queue message's body. */
    public void process(String body) throws IOException {
        ExportTask task = ExportTask.fromJson(body);
        var entry = progress.get(task.exportId()).orElse(null);
        if (entry == null) {
            LOG.warn("Export {} is unknown to this application; task for {} dropped", task.exportId(), task.key());
            return;
        }
        if (!entry.inFlight()) {
            LOG.debug(
                    "Export {} is {}; task {} for {} has nothing left to do",
                    task.exportId(),
                    entry.phase(),
                    task.step(),
                    task.key());
            return;
        }
        metrics.begin(task.exportId());
        switch (task.step()) {
            case DISCOVER -> discover(task, entry);
            case CONVERT -> convert(task, entry);
            case DELTAS -> deltas(task, entry);
        }
    }

    /** Lands an export without data files (an empty table): an empty snapshot, or no deltas. */
    public void landEmpty(ExportProgress.Entry export) {
        if (export.incremental()) {
            publisher.publishDeltas(export, 0, 0);
            return;
        }
        SnapshotSchema schema = new SchemaDiscovery().schema(export.keys(), options.maxTypedColumns());
        lake.putBytes(
                layout.snapshotSchema(export.exportId()),
                schema.toJson().toPrettyString().getBytes(StandardCharsets.UTF_8));
        publisher.publish(export, 0);
    }

    // ---- DISCOVER ------------------------------------------------------------------------------------------------

    private void discover(ExportTask task, ExportProgress.Entry entry) throws IOException {
        if (entry.discoveredFiles().contains(task.index())) {
            // A redelivery: the file is done; the step after the last file may not be (a crash in between).
            if (progress.fileDone(task.exportId(), DISCOVERED, task.index()) >= task.files()) {
                finishDiscovery(task);
            }
            return;
        }
        SchemaDiscovery discovery = new SchemaDiscovery();
        try (DeadLetters dead = new DeadLetters(task)) {
            DataFileReader.Result read = read(task, (buf, off, len, line) -> {
                try {
                    discovery.observe(ExportLines.item(buf, off, len));
                } catch (ItemFormatException e) {
                    dead.add(buf, off, len, line, e.getMessage());
                }
            });
            if (!checked(task, read, discovery.items() + dead.count)) {
                return;
            }
            dead.land();
            ObjectNode d = JSON.createObjectNode()
                    .put("file", task.key())
                    .put("index", task.index())
                    .put("itemCount", task.itemCount())
                    .put("md5", task.md5())
                    .put("rows", discovery.items())
                    .put("deadLetters", dead.count);
            d.set("discovery", discovery.toJson());
            lake.putBytes(
                    layout.snapshotDiscovery(task.exportId(), task.index()),
                    d.toString().getBytes(StandardCharsets.UTF_8));
        }
        int done = progress.fileDone(task.exportId(), DISCOVERED, task.index());
        metrics.fileDone(task.exportId(), done, 2L * task.files(), discovery.items());
        if (done >= task.files()) {
            finishDiscovery(task);
        }
    }

    /** The schema, with the discovery it came from: views widen it by what the deltas bring. */
    private static JsonNode schemaWithDiscovery(
            SnapshotSchema schema, SchemaDiscovery discovery, Map<String, Integer> fieldIds) {
        com.fasterxml.jackson.databind.node.ObjectNode o =
                (com.fasterxml.jackson.databind.node.ObjectNode) schema.toJson();
        com.fasterxml.jackson.databind.node.ObjectNode ids = o.putObject("fieldIds");
        fieldIds.forEach(ids::put);
        o.set("discovery", discovery.toJson());
        return o;
    }

    /**
     * All files are discovered: the snapshot's one schema, then the CONVERT tasks. The export moves to CONVERTING
     * before they are sent, so the worker that converts the last file finds it there however fast it is; a
     * redelivered last DISCOVER task (the sender crashed after the move) sends them again.
     */
    private void finishDiscovery(ExportTask task) {
        ExportProgress.Entry entry = progress.get(task.exportId()).orElseThrow();
        if (!entry.inFlight() || entry.converted() >= task.files()) {
            return;
        }
        SchemaDiscovery merged = new SchemaDiscovery();
        List<ExportTask> converts = new ArrayList<>();
        for (S3Object o : lake.list(layout.snapshotDiscoveryPrefix(task.exportId()))) {
            if (!o.key().endsWith(".json")) {
                continue;
            }
            JsonNode d = lake.json(o.key());
            merged.merge(SchemaDiscovery.fromJson(d.path("discovery")));
            converts.add(new ExportTask(
                    task.exportId(),
                    ExportTask.Step.CONVERT,
                    task.bucket(),
                    d.path("file").asText(),
                    d.path("index").asInt(),
                    task.files(),
                    d.path("itemCount").asLong(),
                    d.path("md5").asText(null)));
        }
        if (converts.size() != task.files()) {
            throw new IllegalStateException("Export " + task.exportId() + ": " + converts.size() + " of " + task.files()
                    + " discovery results are in the lake; trying again");
        }
        SnapshotSchema schema = merged.schema(entry.keys(), options.maxTypedColumns());
        // The ids the snapshot's table gives the columns once this export's publish evolves it: its parts carry them.
        // A discovery finished again (its last task redelivered) keeps those it recorded: parts may carry them already.
        Map<String, Integer> fieldIds = lake.jsonIfPresent(layout.snapshotSchema(task.exportId()))
                .map(SnapshotPublisher::fieldIds)
                .filter(ids -> !ids.isEmpty())
                .orElseGet(() -> publisher.fieldIds(schema));
        lake.putBytes(
                layout.snapshotSchema(task.exportId()),
                schemaWithDiscovery(schema, merged, fieldIds).toPrettyString().getBytes(StandardCharsets.UTF_8));
        schemas.put(task.exportId(), new Schema(schema, fieldIds));
        progress.advance(
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

    // ---- CONVERT -------------------------------------------------------------------------------------------------

    private void convert(ExportTask task, ExportProgress.Entry entry) throws IOException {
        if (entry.convertedFiles().contains(task.index())) {
            // A redelivery: the part is written; publishing may not be (a crash in between).
            if (progress.fileDone(task.exportId(), CONVERTED, task.index()) >= task.files()) {
                publish(task);
            }
            return;
        }
        Schema schema = schemas.computeIfAbsent(task.exportId(), id -> {
            JsonNode file = lake.json(layout.snapshotSchema(id));
            return new Schema(SnapshotSchema.fromJson(file), SnapshotPublisher.fieldIds(file));
        });
        Files.createDirectories(options.workDir());
        Path file = Files.createTempFile(options.workDir(), "part-" + task.exportId() + "-", ".parquet");
        try {
            long[] bad = {0};
            long rows;
            DataFileReader.Result read;
            try (ParquetPartWriter writer = new ParquetPartWriter(
                    file,
                    schema.columns(),
                    schema.fieldIds(),
                    options.codec(),
                    task.exportId(),
                    entry.exportTime(),
                    options.rowGroupBytes())) {
                read = read(task, (buf, off, len, line) -> {
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
            if (!checked(task, read, rows + bad[0])) {
                return;
            }
            if (!stillInFlight(task)) {
                return; // a late duplicate: the part of a published snapshot is never rewritten
            }
            String key = layout.snapshotPart(task.exportId(), task.index(), task.key());
            lake.putFile(key, file);
            int done = progress.fileDone(task.exportId(), CONVERTED, task.index());
            metrics.fileDone(task.exportId(), task.files() + (long) done, 2L * task.files(), rows);
            if (done >= task.files()) {
                publish(task);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private boolean stillInFlight(ExportTask task) {
        return progress.get(task.exportId()).map(ExportProgress.Entry::inFlight).orElse(false);
    }

    private void publish(ExportTask task) {
        ExportProgress.Entry entry = progress.get(task.exportId()).orElseThrow();
        if (entry.phase() == ExportProgress.Phase.CONVERTING) {
            publisher.publish(entry, task.files());
        }
    }

    // ---- DELTAS --------------------------------------------------------------------------------------------------

    private void deltas(ExportTask task, ExportProgress.Entry entry) throws IOException {
        if (entry.convertedFiles().contains(task.index())) {
            if (progress.fileDone(task.exportId(), CONVERTED, task.index()) >= task.files()) {
                finishDeltas(task);
            }
            return;
        }
        Files.createDirectories(options.workDir());
        Path file = Files.createTempFile(options.workDir(), "deltas-" + task.exportId() + "-", ".json");
        try (DeadLetters dead = new DeadLetters(task)) {
            ChangeEnvelopes envelopes;
            DataFileReader.Result read;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                envelopes = new ChangeEnvelopes(out, options.table(), task.exportId(), task.index(), dead::add);
                read = read(task, envelopes::line);
                envelopes.finish();
            }
            if (read == null || !checked(task, read, envelopes.changes() + dead.count)) {
                return;
            }
            dead.land();
            if (!stillInFlight(task)) {
                return;
            }
            lake.putFile(
                    layout.exportDeltas(task.exportId(), task.index()),
                    file,
                    Map.of(CHANGES, Long.toString(envelopes.changes())));
            int done = progress.fileDone(task.exportId(), CONVERTED, task.index());
            metrics.fileDone(task.exportId(), done, task.files(), envelopes.changes());
            if (done >= task.files()) {
                finishDeltas(task);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Every file's deltas are landed: the export is published. A worker may get here before the watcher recorded the
     * export's files (it was that fast), so EXPORTING counts as well as CONVERTING.
     */
    private void finishDeltas(ExportTask task) {
        ExportProgress.Entry entry = progress.get(task.exportId()).orElseThrow();
        if (entry.phase() != ExportProgress.Phase.CONVERTING && entry.phase() != ExportProgress.Phase.EXPORTING) {
            return;
        }
        long total = 0;
        for (S3Object o : lake.list(layout.exportDeltasFolder(task.exportId()))) {
            if (o.key().endsWith(".json") && !o.key().endsWith("_published.json")) {
                total += Long.parseLong(lake.metadata(o.key()).getOrDefault(CHANGES, "0"));
            }
        }
        publisher.publishDeltas(entry, task.files(), total);
    }

    // ---- shared --------------------------------------------------------------------------------------------------

    /**
     * Streams the task's data file through the handler; null when the file is missing or access to it is denied,
     * which no retry mends: the export is then failed, once, naming the file.
     */
    private DataFileReader.Result read(ExportTask task, DataFileReader.LineHandler handler) throws IOException {
        ResponseInputStream<GetObjectResponse> object;
        try {
            object = s3.getObject(b -> b.bucket(task.bucket()).key(task.key()));
        } catch (NoSuchKeyException e) {
            fail(task, "data file s3://" + task.bucket() + "/" + task.key() + ", listed in its manifest, is missing");
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() != 403) {
                throw e;
            }
            fail(task, "data file s3://" + task.bucket() + "/" + task.key() + " cannot be read: " + e.getMessage());
            return null;
        }
        try (ResponseInputStream<GetObjectResponse> in = object) {
            return DataFileReader.read(in, (buf, off, len, line) -> {
                try {
                    handler.line(buf, off, len, line);
                } catch (RuntimeException e) {
                    if (e instanceof ItemFormatException) {
                        throw e;
                    }
                    throw new IllegalStateException(
                            "s3://" + task.bucket() + "/" + task.key() + " line " + line + ": " + e.getMessage(), e);
                }
            });
        }
    }

    /**
     * True when the file was read and matches its manifest entry; otherwise fails the export and says why (a file
     * that could not be read has failed it already).
     */
    private boolean checked(ExportTask task, DataFileReader.Result read, long lines) {
        if (read == null) {
            return false;
        }
        String problem = null;
        if (task.md5() != null && !task.md5().equals(read.md5())) {
            problem = "its MD5 is " + read.md5() + ", the manifest says " + task.md5();
        } else if (lines != task.itemCount()) {
            problem = "it holds " + lines + " items, the manifest says " + task.itemCount();
        }
        if (problem == null) {
            return true;
        }
        fail(task, "data file s3://" + task.bucket() + "/" + task.key() + " does not match the manifest: " + problem);
        return false;
    }

    /** Fails the export for good: reported once, whichever worker or redelivery finds it first. */
    private void fail(ExportTask task, String reason) {
        if (progress.failed(task.exportId(), reason)) {
            metrics.failure();
            LOG.error("Export {} failed and will not be published: {}", task.exportId(), reason);
        }
    }

    /**
     * The lines of one data file that could not be read, collected in a temporary file (never in memory) and landed
     * as one JSON Lines object: {@code {"exportId", "file", "line", "reason", "raw"}}.
     */
    private final class DeadLetters implements AutoCloseable {
        private final ExportTask task;
        private Path file;
        private OutputStream out;
        long count;

        DeadLetters(ExportTask task) {
            this.task = task;
        }

        void add(byte[] buf, int off, int len, long line, String reason) throws IOException {
            if (out == null) {
                Files.createDirectories(options.workDir());
                file = Files.createTempFile(options.workDir(), "dead-letters-", ".json");
                out = Files.newOutputStream(file);
            }
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.writeStartObject();
                g.writeStringField("exportId", task.exportId());
                g.writeStringField("file", "s3://" + task.bucket() + "/" + task.key());
                g.writeNumberField("line", line);
                g.writeStringField("reason", reason);
                g.writeStringField("raw", new String(buf, off, len, StandardCharsets.UTF_8));
                g.writeEndObject();
            }
            out.write('\n');
            count++;
        }

        /** Writes the dead letters, if any, into the lake as one object. */
        void land() throws IOException {
            String key = layout.exportDeadLetters(task.exportId(), task.key());
            if (out == null) {
                return;
            }
            out.close();
            out = null;
            lake.putFile(key, file);
            metrics.deadLetters(count);
            LOG.error(
                    "Export {}: {} lines of s3://{}/{} are not DynamoDB items; they are in s3://{}/{} with line"
                            + " numbers and reasons",
                    task.exportId(),
                    count,
                    task.bucket(),
                    task.key(),
                    options.lakeBucket(),
                    key);
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }
}
