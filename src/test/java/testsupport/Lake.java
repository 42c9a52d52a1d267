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
import lake.LakeLayout;
import lake.LakeStore;
import org.apache.iceberg.catalog.Catalog;
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
    private final Catalog catalog;

    /** The table's part of the lake: {@code s3://<bucket>/<prefix>}, prefix ending with {@code /}. */
    public Lake(S3Client s3, String bucket, String prefix) {
        this(s3, bucket, prefix, null);
    }

    /** With the Iceberg catalog whose tables publish the snapshot and the current view. */
    public Lake(S3Client s3, String bucket, String prefix, Catalog catalog) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.catalog = catalog;
    }

    /** The same lake, read with this catalog's tables. */
    public Lake withCatalog(Catalog catalog) {
        return new Lake(s3, bucket, prefix, catalog);
    }

    /** {@code tables/orders/} → {@code orders}. */
    private String tableName() {
        String p = prefix.substring(0, prefix.length() - 1);
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private views.IcebergViewCatalog tables() {
        if (catalog == null) {
            throw new IllegalStateException("This Lake has no catalog: open it with Apps.lake(aws, table)");
        }
        return new views.IcebergViewCatalog(
                catalog, IcebergTables.NAMESPACE, tableName(), new LakeStore(s3, bucket), new LakeLayout(prefix), 1);
    }

    /**
     * The state of the version of the current view the table {@code <table>_current} publishes: the file its current
     * commit names ({@code dynamo-lake.view-state}), read straight from the table (no pointer files, no fallback).
     *
     * @throws java.util.NoSuchElementException when the current commit names none
     */
    public JsonNode currentView() {
        return currentViewIfPublished().orElseThrow();
    }

    public java.util.Optional<JsonNode> currentViewIfPublished() {
        return tables().publishedState().map(this::jsonAt);
    }

    /**
     * What the snapshot the table {@code <table>_snapshot} publishes is: the {@code _published.json} of the export it
     * holds, read straight from the table.
     *
     * @throws java.util.NoSuchElementException when it holds none
     */
    public JsonNode snapshot() {
        return snapshotIfPublished().orElseThrow();
    }

    public java.util.Optional<JsonNode> snapshotIfPublished() {
        return tables().publishedSnapshot().map(id -> jsonAt(new LakeLayout(prefix).snapshotPublished(id)));
    }

    private JsonNode jsonAt(String key) {
        try {
            return JSON.readTree(bytes(key));
        } catch (IOException e) {
            throw new UncheckedIOException(key + ": " + e.getMessage(), e);
        }
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

    /** The keys under a folder of the table, in name order, without S3Proxy's files still being written. */
    public List<String> keys(String folder) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + folder)).contents().stream()
                .map(S3Object::key)
                .filter(k -> !isBeingWritten(k))
                .forEach(keys::add);
        return keys;
    }

    /** S3Proxy lists objects still being written; the application skips them the same way. */
    public static boolean isBeingWritten(String key) {
        return lake.LakeStore.isBeingWritten(key);
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

    /** The text of an object of the table, by its name under the table's prefix. */
    public String text(String relative) {
        return new String(bytes(prefix + relative), StandardCharsets.UTF_8);
    }

    /** The JSON object of the table's part of the lake, by its name under the table's prefix. */
    public JsonNode json(String relative) {
        try {
            return JSON.readTree(bytes(prefix + relative));
        } catch (IOException e) {
            throw new UncheckedIOException(relative + ": " + e.getMessage(), e);
        }
    }

    /** The whole objects under a folder of the table, with their ETags. */
    public List<S3Object> objects(String folder) {
        List<S3Object> out = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + folder)).contents().stream()
                .filter(o -> !isBeingWritten(o.key()))
                .forEach(out::add);
        return out;
    }
}
