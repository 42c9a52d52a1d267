package export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import item.ItemFormatException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import lake.DataFileReader;
import lake.LakeLayout;
import lake.LakeStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What every step of an export task shares: the data file streamed from S3 and checked against its manifest entry,
 * the export failed once when it does not match, the lines that are not items landed as dead letters, and whether
 * the export is still in flight.
 */
final class DataFiles {
    private static final Logger LOG = LoggerFactory.getLogger(DataFiles.class);
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    /** The progress record's set of the files whose discovery is in the lake. */
    static final String DISCOVERED = "discovered";
    /** The progress record's set of the files whose part (or deltas) is in the lake. */
    static final String CONVERTED = "converted";

    final S3Client s3;
    final LakeStore lake;
    final LakeLayout layout;
    final ExportProgress progress;
    final ExportMetrics metrics;
    final ExportFileWorker.Options options;

    DataFiles(
            S3Client s3,
            LakeLayout layout,
            ExportProgress progress,
            ExportMetrics metrics,
            ExportFileWorker.Options options) {
        this.s3 = s3;
        this.lake = new LakeStore(s3, options.lakeBucket());
        this.layout = layout;
        this.progress = progress;
        this.metrics = metrics;
        this.options = options;
    }

    /**
     * Streams the task's data file through the handler; null when the file is missing or access to it is denied,
     * which no retry mends: the export is then failed, once, naming the file.
     */
    DataFileReader.Result read(ExportTask task, DataFileReader.LineHandler handler) throws IOException {
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
    boolean checked(ExportTask task, DataFileReader.Result read, long lines) {
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
    void fail(ExportTask task, String reason) {
        if (progress.failed(task.exportId(), reason)) {
            metrics.failure();
            LOG.error("Export {} failed and will not be published: {}", task.exportId(), reason);
        }
    }

    /** The progress of the task's export, which its steps read before anything else. */
    ExportProgress.Entry entry(ExportTask task) {
        return progress.get(task.exportId())
                .orElseThrow(() -> new IllegalStateException("Export " + task.exportId() + " has no progress record"
                        + " (its task for " + task.key() + " came before it was recorded, or after it was removed)"));
    }

    boolean stillInFlight(ExportTask task) {
        return progress.get(task.exportId()).map(ExportProgress.Entry::inFlight).orElse(false);
    }

    /** A temporary file in the work folder, for what a step writes before it goes up. */
    Path workFile(String prefix, String suffix) throws IOException {
        Files.createDirectories(options.workDir());
        return Files.createTempFile(options.workDir(), prefix, suffix);
    }

    DeadLetters deadLetters(ExportTask task) {
        return new DeadLetters(task);
    }

    /**
     * The lines of one data file that could not be read, collected in a temporary file (never in memory) and landed
     * as one JSON Lines object: {@code {"exportId", "file", "line", "reason", "raw"}}.
     */
    final class DeadLetters implements AutoCloseable {
        private final ExportTask task;
        private Path file;
        private OutputStream out;
        long count;

        private DeadLetters(ExportTask task) {
            this.task = task;
        }

        void add(byte[] buf, int off, int len, long line, String reason) throws IOException {
            if (out == null) {
                file = workFile("dead-letters-", ".json");
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
