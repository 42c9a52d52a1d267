package lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.commons.io.input.BoundedInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The lake bucket's objects as the routes use them: list, read, write, copy and delete, by key. */
public final class LakeStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID_SUFFIX =
            Pattern.compile("-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    /** S3's limit for one PutObject or CopyObject, and for one part. */
    static final long SINGLE_REQUEST_LIMIT = 5L << 30;
    /** Files from this size go up in parts, so a failure costs a part, not the file. */
    static final long MULTIPART_THRESHOLD = 256L << 20;
    /** The size of a part of an upload or a copy (S3: 5 MiB to 5 GiB, at most 10,000 parts). */
    static final long PART_SIZE = 128L << 20;

    private final S3Client s3;
    private final String bucket;
    private final long multipartThreshold;
    private final long copyThreshold;
    private final long partSize;

    public LakeStore(S3Client s3, String bucket) {
        this(s3, bucket, MULTIPART_THRESHOLD, SINGLE_REQUEST_LIMIT, PART_SIZE);
    }

    /** With other thresholds and part size, for tests of the multipart paths on small objects. */
    LakeStore(S3Client s3, String bucket, long multipartThreshold, long copyThreshold, long partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.multipartThreshold = multipartThreshold;
        this.copyThreshold = copyThreshold;
        this.partSize = partSize;
    }

    public String bucket() {
        return bucket;
    }

    public String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** Every object under the prefix, in key order. */
    public List<S3Object> list(String prefix) {
        return listAfter(prefix, null);
    }

    /**
     * The parts named (key to rows) as table data files, with the sizes one listing of each of their folders gives.
     *
     * @param whose what the parts belong to, for the error ({@code Snapshot 0179…-ab12 cannot be published yet})
     * @throws IllegalStateException naming the first part the lake does not hold
     */
    public List<IcebergTable.Part> parts(Map<String, Long> rowsByKey, String whose) {
        return parts(rowsByKey, Map.of(), whose);
    }

    /**
     * As {@link #parts(Map, String)}, with the sizes already known of some parts (key to bytes: parts the caller
     * uploaded itself, or a committed version's): only the folders of the others are listed.
     */
    public List<IcebergTable.Part> parts(Map<String, Long> rowsByKey, Map<String, Long> knownBytes, String whose) {
        Map<String, Long> sizes = new java.util.HashMap<>(knownBytes);
        java.util.Set<String> folders = new java.util.TreeSet<>();
        rowsByKey.keySet().stream()
                .filter(k -> !knownBytes.containsKey(k))
                .forEach(k -> folders.add(k.substring(0, k.lastIndexOf('/') + 1)));
        for (String folder : folders) { // one listing a folder, however many of its parts are named
            for (S3Object o : list(folder)) {
                sizes.put(o.key(), o.size());
            }
        }
        List<IcebergTable.Part> parts = new ArrayList<>();
        rowsByKey.forEach((key, rows) -> {
            Long bytes = sizes.get(key);
            if (bytes == null) {
                throw new IllegalStateException(whose + ": part " + uri(key) + " is missing");
            }
            parts.add(new IcebergTable.Part(uri(key), bytes, rows));
        });
        return parts;
    }

    /** The objects under the prefix whose keys sort after {@code startAfter} (null: all), in key order. */
    public List<S3Object> listAfter(String prefix, String startAfter) {
        List<S3Object> out = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).startAfter(startAfter))
                .contents()
                .forEach(o -> {
                    if (!isBeingWritten(o.key())) {
                        out.add(o);
                    }
                });
        return out;
    }

    /**
     * S3Proxy's filesystem store (the {@code local} profile) writes an object to {@code <key>-<uuid>} and renames it
     * when complete, and lists the file meanwhile; real S3 never shows a partial object. Such a name is a complete key
     * plus a UUID: a key ending in {@code .json} or {@code .gz}, or one that already ends with a UUID (Firehose's
     * object names do).
     */
    public static boolean isBeingWritten(String key) {
        var m = UUID_SUFFIX.matcher(key);
        if (!m.find()) {
            return false;
        }
        String base = key.substring(0, m.start());
        return base.endsWith(".json")
                || base.endsWith(".gz")
                || base.endsWith(".parquet")
                || UUID_SUFFIX.matcher(base).find();
    }

    public InputStream open(String key) {
        return s3.getObject(b -> b.bucket(bucket).key(key));
    }

    /**
     * A local copy of a Parquet object holding only what a reader of some of its top-level columns reads: the footer,
     * and each row group's chunks of {@code columns} (with their page indexes and Bloom filters), written at their
     * offsets into a sparse file of the object's size. DuckDB reads the chunks of the columns a query names and
     * nothing else, so a query of those columns reads the copy as the whole object; any other column's bytes are
     * zeros, which no reader decodes as a page. The transfer is those columns' share of the object.
     */
    public void getParquetColumns(String key, Path file, java.util.Set<String> columns) throws IOException {
        copyParquetColumns(
                range -> {
                    var got = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range("bytes=" + range));
                    String answered = got.response().contentRange(); // bytes <first>-<last>/<size>
                    return new Bytes(
                            got.asByteArray(),
                            answered == null ? -1 : Long.parseLong(answered.substring(answered.lastIndexOf('/') + 1)));
                },
                uri(key),
                file,
                columns);
    }

    /** The same copy of a Parquet file on the local disk (a part this process wrote). */
    public static void copyParquetColumns(Path source, Path file, java.util.Set<String> columns) throws IOException {
        try (var in = java.nio.channels.FileChannel.open(source)) {
            long size = in.size();
            copyParquetColumns(
                    range -> {
                        long from = range.first() < 0 ? Math.max(0, size - range.last()) : range.first();
                        long to = range.first() < 0 ? size - 1 : Math.min(size - 1, range.last());
                        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (to - from + 1));
                        while (buf.hasRemaining() && in.read(buf, from + buf.position()) >= 0) {
                            // read on
                        }
                        return new Bytes(java.util.Arrays.copyOf(buf.array(), buf.position()), size);
                    },
                    source.toString(),
                    file,
                    columns);
        }
    }

    /** Bytes of an object, and the object's size (-1 when the source did not say). */
    private record Bytes(byte[] bytes, long size) {}

    /**
     * A byte range as HTTP names it: bytes {@code first} to {@code last}, or with {@code first} -1 the last {@code
     * last} bytes.
     */
    private record Range(long first, long last) {
        @Override
        public String toString() {
            return (first < 0 ? "" : Long.toString(first)) + "-" + last;
        }
    }

    /** Where a copy's bytes come from: the lake or a local file. */
    private interface Ranges {
        Bytes get(Range range) throws IOException;
    }

    private static void copyParquetColumns(Ranges source, String name, Path file, java.util.Set<String> columns)
            throws IOException {
        int guess = 64 << 10;
        Bytes tail = source.get(new Range(-1, guess));
        byte[] end = tail.bytes();
        // A store that answers a suffix range with the whole object (200, no Content-Range) sent all of it.
        long size = tail.size() < 0 ? end.length : tail.size();
        if (end.length < 8 || !new String(end, end.length - 4, 4, StandardCharsets.US_ASCII).equals("PAR1")) {
            throw new IOException("Not a Parquet object: " + name);
        }
        int footer = java.nio.ByteBuffer.wrap(end, end.length - 8, 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        if (footer + 8 > end.length) {
            end = source.get(new Range(-1, footer + 8)).bytes();
        }
        var metadata = new org.apache.parquet.format.converter.ParquetMetadataConverter()
                .readParquetMetadata(
                        new java.io.ByteArrayInputStream(end, end.length - 8 - footer, footer),
                        org.apache.parquet.format.converter.ParquetMetadataConverter.NO_FILTER);
        java.util.TreeMap<Long, Long> ranges = new java.util.TreeMap<>(); // first byte to the byte after the last
        for (var block : metadata.getBlocks()) {
            for (var chunk : block.getColumns()) {
                if (!columns.contains(chunk.getPath().toDotString())) {
                    continue;
                }
                // From the dictionary page when there is one: DuckDB starts a chunk at its offset whenever it is set
                // (Parquet's own reader only when it lies before the first data page).
                long first = chunk.getFirstDataPageOffset();
                long dictionary = chunk.getDictionaryPageOffset();
                long other = dictionary >= 4 ? dictionary : first;
                ranges.merge(Math.min(first, other), Math.max(first, other) + chunk.getTotalSize(), Math::max);
                for (var index : new org.apache.parquet.internal.hadoop.metadata.IndexReference[] {
                    chunk.getColumnIndexReference(), chunk.getOffsetIndexReference()
                }) {
                    if (index != null) {
                        ranges.merge(index.getOffset(), index.getOffset() + index.getLength(), Math::max);
                    }
                }
                if (chunk.getBloomFilterOffset() >= 0 && chunk.getBloomFilterLength() > 0) {
                    ranges.merge(
                            chunk.getBloomFilterOffset(),
                            chunk.getBloomFilterOffset() + chunk.getBloomFilterLength(),
                            Math::max);
                }
            }
        }
        try (var out = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(0);
            out.setLength(size);
            out.seek(size - end.length);
            out.write(end);
            long from = -1;
            long to = -1;
            // Ranges less than 64 KiB apart in one request.
            for (var r : ranges.entrySet()) {
                if (from >= 0 && r.getKey() > to + guess) {
                    copyRange(source, name, out, from, to);
                    from = -1;
                }
                if (from < 0) {
                    from = r.getKey();
                    to = r.getValue();
                } else {
                    to = Math.max(to, r.getValue());
                }
            }
            if (from >= 0) {
                copyRange(source, name, out, from, to);
            }
        }
    }

    private static void copyRange(Ranges source, String name, java.io.RandomAccessFile out, long from, long to)
            throws IOException {
        byte[] bytes = source.get(new Range(from, to - 1)).bytes();
        if (bytes.length != to - from) {
            throw new IOException("Bytes " + from + "-" + (to - 1) + " of " + name + " came back as " + bytes.length);
        }
        out.seek(from);
        out.write(bytes);
    }

    public byte[] bytes(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    public JsonNode json(String key) {
        try {
            return JSON.readTree(bytes(key));
        } catch (IOException e) {
            throw new UncheckedIOException(uri(key) + " is not JSON", e);
        }
    }

    /** The JSON object at the key, or empty when there is none. */
    public Optional<JsonNode> jsonIfPresent(String key) {
        try {
            return Optional.of(json(key));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** The record the JSON object at the key holds ({@link LakeJson}). */
    public <T> T record(String key, Class<T> type) {
        try {
            return LakeJson.read(json(key), type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(uri(key) + " is " + e.getMessage(), e);
        }
    }

    /** The record at the key, or empty when there is none. */
    public <T> Optional<T> recordIfPresent(String key, Class<T> type) {
        try {
            return Optional.of(record(key, type));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** Writes a record as a JSON object ({@link LakeJson}). */
    public void putRecord(String key, Object record) {
        putJson(key, LakeJson.tree(record));
    }

    public void putJson(String key, JsonNode content) {
        s3.putObject(
                b -> b.bucket(bucket).key(key).contentType("application/json"),
                RequestBody.fromString(content.toPrettyString(), StandardCharsets.UTF_8));
    }

    public void putText(String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content, StandardCharsets.UTF_8));
    }

    public void putBytes(String key, byte[] content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    public void putFile(String key, Path file) {
        putFile(key, file, Map.of());
    }

    /**
     * Writes a file as an object with user metadata ({@code x-amz-meta-<name>}), streamed from the disk: in one
     * PutObject, or from {@value #MULTIPART_THRESHOLD} bytes in parts (a multipart upload, aborted if a part fails), so
     * no write depends on one request of more than S3's 5 GiB.
     */
    public void putFile(String key, Path file, Map<String, String> metadata) {
        long size = size(file);
        if (size < multipartThreshold) {
            s3.putObject(b -> b.bucket(bucket).key(key).metadata(metadata), RequestBody.fromFile(file));
            return;
        }
        inParts(key, metadata, size, (upload, number, offset, length) -> {
            // A provider, not a stream: the SDK opens the part again when it retries the request.
            RequestBody body = RequestBody.fromContentProvider(
                    () -> slice(file, offset, length), length, "application/octet-stream");
            return s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(upload).partNumber(number), body)
                    .eTag();
        });
    }

    /** Sends one part of a multipart upload; returns its ETag. */
    @FunctionalInterface
    private interface PartSender {
        String send(String uploadId, int number, long offset, long length);
    }

    /** A multipart upload of {@code size} bytes to {@code key}, part by part; aborted if a part fails. */
    private void inParts(String key, Map<String, String> metadata, long size, PartSender sender) {
        String upload = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).metadata(metadata))
                .uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += partSize) {
                int number = parts.size() + 1;
                String etag = sender.send(upload, number, offset, Math.min(partSize, size - offset));
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(
                    b -> b.bucket(bucket).key(key).uploadId(upload).multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException e) {
            abort(key, upload, e);
            throw e;
        }
    }

    /** {@code length} bytes of a file from {@code offset}, as a stream. */
    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel =
                    FileChannel.open(file, StandardOpenOption.READ).position(offset);
            return BoundedInputStream.builder()
                    .setInputStream(Channels.newInputStream(channel))
                    .setMaxCount(length)
                    .get();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file, e);
        }
    }

    private void abort(String key, String upload, Exception cause) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload));
        } catch (RuntimeException e) {
            cause.addSuppressed(e); // the bucket's lifecycle rule for incomplete uploads removes its parts
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An object's user metadata, by name (HeadObject). */
    public Map<String, String> metadata(String key) {
        return s3.headObject(b -> b.bucket(bucket).key(key)).metadata();
    }

    public void copy(String from, String to) {
        var head = s3.headObject(b -> b.bucket(bucket).key(from));
        long size = head.contentLength();
        if (size <= copyThreshold) {
            s3.copyObject(b -> b.sourceBucket(bucket)
                    .sourceKey(from)
                    .destinationBucket(bucket)
                    .destinationKey(to));
            return;
        }
        // CopyObject stops at 5 GiB: larger objects are copied in parts (UploadPartCopy), server-side still.
        inParts(
                to,
                Map.of(),
                size,
                (upload, number, offset, length) -> s3.uploadPartCopy(b -> b.sourceBucket(bucket)
                                .sourceKey(from)
                                .destinationBucket(bucket)
                                .destinationKey(to)
                                .uploadId(upload)
                                .partNumber(number)
                                .copySourceRange("bytes=" + offset + "-" + (offset + length - 1)))
                        .copyPartResult()
                        .eTag());
    }

    /** Renames an object: a server-side copy, then the old key's deletion. */
    public void move(String from, String to) {
        copy(from, to);
        s3.deleteObject(b -> b.bucket(bucket).key(from));
    }

    /** Deletes every object under the prefix; returns how many. */
    public int deleteAll(String prefix) {
        return deleteAll(prefix, java.util.Set.of());
    }

    /** Deletes every object under the prefix but those named in {@code except}; returns how many. */
    public int deleteAll(String prefix, java.util.Set<String> except) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))
                .contents()
                .forEach(o -> {
                    if (!except.contains(o.key())) {
                        keys.add(o.key());
                    }
                });
        return delete(keys);
    }

    /** Deletes the objects named, a thousand a request; returns how many. */
    public int delete(List<String> named) {
        List<ObjectIdentifier> keys = named.stream()
                .map(k -> ObjectIdentifier.builder().key(k).build())
                .toList();
        for (int from = 0; from < keys.size(); from += 1000) {
            List<ObjectIdentifier> chunk = keys.subList(from, Math.min(keys.size(), from + 1000));
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(chunk).quiet(true)));
        }
        return keys.size();
    }
}
