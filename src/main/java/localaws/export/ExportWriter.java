package localaws.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;
import localaws.dynamodb.attributes.DynamoJson;
import localaws.http.AwsHttpServer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes one export into S3 in AWS's layout: {@code _started}, gzip data files of one DynamoDB JSON line per
 * item, {@code manifest-files.json} (one line per data file with item count, base64 MD5 and ETag) and
 * {@code manifest-summary.json}, each manifest with its checksum file.
 */
final class ExportWriter {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** One line of a data file, written by the caller into the generator. */
    interface Line {
        void write(JsonGenerator g) throws IOException;
    }

    /** A fault on the first data file: a line that is not an item, or a manifest MD5 that does not match. */
    record Tampering(int corruptLine, boolean wrongChecksum) {}

    private final S3Client s3;
    private final ExportSettings settings;

    ExportWriter(S3Client s3, ExportSettings settings) {
        this.s3 = s3;
        this.settings = settings;
    }

    void started(ExportJob job) {
        s3.putObject(b -> b.bucket(job.bucket).key(job.key("_started")), RequestBody.empty());
    }

    /** Writes the data files and manifests; returns the item count. */
    long write(ExportJob job, Iterator<Line> lines, Tampering tampering) {
        List<String> manifestLines = new ArrayList<>();
        long items = 0;
        long bytes = 0;
        boolean first = true;
        do {
            Tampering t = first ? tampering : null;
            first = false;
            DataFile file = dataFile(lines, t == null ? 0 : t.corruptLine());
            String key = job.key("data/" + randomName() + ".json.gz");
            String etag = s3.putObject(b -> b.bucket(job.bucket).key(key), RequestBody.fromBytes(file.gzip()))
                    .eTag()
                    .replace("\"", "");
            ObjectNode entry = AwsHttpServer.JSON
                    .createObjectNode()
                    .put("itemCount", file.items())
                    .put(
                            "md5Checksum",
                            Base64.getEncoder()
                                    .encodeToString(
                                            t != null && t.wrongChecksum() ? md5(new byte[0]) : md5(file.gzip())))
                    .put("etag", etag)
                    .put("dataFileS3Key", key);
            manifestLines.add(entry.toString());
            items += file.items();
            bytes += file.uncompressedBytes();
        } while (lines.hasNext());
        job.itemCount = items;
        job.billedSizeBytes = bytes;
        putWithChecksum(job, "manifest-files", String.join("\n", manifestLines) + "\n");
        return items;
    }

    /** Writes manifest-summary.json last: its presence means the export is whole. */
    void summary(ExportJob job, Instant endTime) {
        ObjectNode s = AwsHttpServer.JSON.createObjectNode();
        s.put("version", job.incremental ? "2023-08-01" : "2020-06-30")
                .put("exportArn", job.arn)
                .put("startTime", job.startTime.toString())
                .put("endTime", endTime.toString())
                .put("tableArn", job.tableArn)
                .put("tableId", job.tableId);
        if (job.incremental) {
            s.put("exportFromTime", job.from.toString()).put("exportToTime", job.to.toString());
        } else {
            s.put("exportTime", job.exportTime.toString());
        }
        s.put("s3Bucket", job.bucket)
                .put("s3Prefix", job.prefix.isEmpty() ? null : job.prefix)
                .put("s3SseAlgorithm", job.request.path("S3SseAlgorithm").asText("AES256"))
                .put("s3SseKmsKeyId", job.request.path("S3SseKmsKeyId").asText(null))
                .put("manifestFilesS3Key", job.key("manifest-files.json"))
                .put("billedSizeBytes", job.billedSizeBytes)
                .put("itemCount", job.itemCount)
                .put("outputFormat", "DYNAMODB_JSON");
        if (job.incremental) {
            s.put("outputView", job.viewType).put("exportType", "INCREMENTAL_EXPORT");
        }
        putWithChecksum(job, "manifest-summary", s.toString());
        job.manifestKey = job.key("manifest-summary.json");
    }

    private void putWithChecksum(ExportJob job, String name, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        s3.putObject(b -> b.bucket(job.bucket).key(job.key(name + ".json")), RequestBody.fromBytes(bytes));
        s3.putObject(
                b -> b.bucket(job.bucket).key(job.key(name + settings.checksumSuffix())),
                RequestBody.fromString(HexFormat.of().formatHex(md5(bytes))));
    }

    private record DataFile(byte[] gzip, int items, long uncompressedBytes) {}

    private DataFile dataFile(Iterator<Line> lines, int corruptLine) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int items = 0;
        CountingStream counted;
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024)) {
            counted = new CountingStream(gzip);
            while (items < settings.itemsPerFile() && lines.hasNext()) {
                Line line = lines.next();
                if (items + 1 == corruptLine) {
                    counted.write("{\"Item\":{\"pk\":{\"S\":\"cut off".getBytes(StandardCharsets.UTF_8));
                } else {
                    try (JsonGenerator g = JSON.createGenerator(counted)) {
                        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                        line.write(g);
                    }
                }
                counted.write('\n');
                items++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DataFile(out.toByteArray(), items, counted.count);
    }

    static void fullLine(JsonGenerator g, Map<String, AttributeValue> item) throws IOException {
        g.writeStartObject();
        g.writeFieldName("Item");
        DynamoJson.writeItem(g, item);
        g.writeEndObject();
    }

    private static String randomName() {
        StringBuilder sb = new StringBuilder(26);
        for (int i = 0; i < 26; i++) {
            sb.append(ALPHABET.charAt(ThreadLocalRandom.current().nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
