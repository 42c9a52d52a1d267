package testsupport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads what landed in a table's part of the lake through S3, as Athena or Spark would: only whole objects (the
 * local folder may briefly hold S3Proxy's partial files while an object is being written).
 */
public final class Lake {
    public static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /** The table's part of the lake: {@code s3://<bucket>/<prefix>}, prefix ending with {@code /}. */
    public Lake(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** Every delta envelope under {@code deltas/} and {@code deltas-overflow/}, object by object. */
    public List<JsonNode> envelopes() {
        List<JsonNode> out = new ArrayList<>();
        for (String key : keys("deltas/")) {
            out.addAll(lines(key));
        }
        for (String key : keys("deltas-overflow/")) {
            out.addAll(lines(key));
        }
        return out;
    }

    /** The keys under a folder of the table, in name order. */
    public List<String> keys(String folder) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + folder)).contents().stream()
                .map(S3Object::key)
                .forEach(keys::add);
        return keys;
    }

    /** The JSON lines of one object (gzip when its name ends with .gz). */
    public List<JsonNode> lines(String key) {
        byte[] bytes = bytes(key);
        try (InputStream in = key.endsWith(".gz")
                ? new GZIPInputStream(new ByteArrayInputStream(bytes))
                : new ByteArrayInputStream(bytes)) {
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
    }

    public byte[] bytes(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }
}
