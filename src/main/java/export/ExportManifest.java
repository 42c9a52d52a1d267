package export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A finished export as its manifests describe it: {@code manifest-summary.json} and {@code manifest-files.json},
 * each checked against its checksum file ({@code .md5}, or {@code .checksum} as parts of AWS's documentation name
 * it) before anything is trusted.
 *
 * @param exportArn the export's ARN
 * @param incremental whether this is an incremental export
 * @param exportTime a full export's point in time; an incremental export's end of window
 * @param fromTime an incremental export's start of window, else null
 * @param itemCount items over all data files
 * @param bucket the bucket holding the data files
 * @param files the data files in manifest order
 */
public record ExportManifest(
        String exportArn,
        boolean incremental,
        Instant exportTime,
        Instant fromTime,
        long itemCount,
        String bucket,
        List<DataFile> files) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One data file: its key, item count and the base64 MD5 of its gzip object. */
    public record DataFile(String key, long itemCount, String md5) {}

    /**
     * A manifest that is missing, cannot be read, does not match its checksum, or does not say what an export
     * manifest says: the export can never be published.
     */
    public static final class InvalidManifestException extends RuntimeException {
        InvalidManifestException(String message) {
            super(message);
        }
    }

    /**
     * Reads and checks the manifests of an export.
     *
     * @param summaryKey the key of manifest-summary.json (DescribeExport's ExportManifest)
     * @throws InvalidManifestException when a manifest or its checksum file is missing or cannot be read, a checksum
     *     does not match or a field is missing, naming the object
     */
    public static ExportManifest read(S3Client s3, String bucket, String summaryKey) {
        JsonNode summary = tree(checked(s3, bucket, summaryKey), bucket, summaryKey);
        String filesKey = required(summary, "manifestFilesS3Key", summaryKey);
        String arn = required(summary, "exportArn", summaryKey);
        boolean incremental =
                "INCREMENTAL_EXPORT".equals(summary.path("exportType").asText());
        Instant exportTime = instant(summary, incremental ? "exportToTime" : "exportTime", summaryKey);
        Instant fromTime = incremental ? instant(summary, "exportFromTime", summaryKey) : null;
        String format = summary.path("outputFormat").asText("DYNAMODB_JSON");
        if (!format.equals("DYNAMODB_JSON")) {
            throw new InvalidManifestException("Export " + arn + " is in " + format
                    + "; dynamo-lake reads DYNAMODB_JSON exports (request them with ExportFormat DYNAMODB_JSON)");
        }
        String filesText = new String(checked(s3, bucket, filesKey), StandardCharsets.UTF_8);
        List<DataFile> files = new ArrayList<>();
        long items = 0;
        int lineNumber = 0;
        for (String line : filesText.split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode entry = tree(line.getBytes(StandardCharsets.UTF_8), bucket, filesKey + " line " + lineNumber);
            String where = filesKey + " line " + lineNumber;
            DataFile file = new DataFile(
                    required(entry, "dataFileS3Key", where),
                    count(required(entry, "itemCount", where), where),
                    required(entry, "md5Checksum", where));
            files.add(file);
            items += file.itemCount();
        }
        long summaryItems = summary.path("itemCount").asLong(items);
        if (summaryItems != items) {
            throw new InvalidManifestException("s3://" + bucket + "/" + filesKey + " lists " + items
                    + " items; manifest-summary.json says " + summaryItems);
        }
        return new ExportManifest(arn, incremental, exportTime, fromTime, items, bucket, List.copyOf(files));
    }

    /** The export id: the last part of its ARN ({@code …:table/T/export/01234-abcd}). */
    public static String exportId(String exportArn) {
        return exportArn.substring(exportArn.lastIndexOf('/') + 1);
    }

    private static byte[] checked(S3Client s3, String bucket, String key) {
        byte[] content = object(s3, bucket, key);
        String base = key.endsWith(".json") ? key.substring(0, key.length() - 5) : key;
        String expected = null;
        for (String suffix : new String[] {".md5", ".checksum"}) {
            try {
                ResponseBytes<GetObjectResponse> sum =
                        s3.getObjectAsBytes(b -> b.bucket(bucket).key(base + suffix));
                expected = sum.asUtf8String().trim();
                break;
            } catch (NoSuchKeyException e) {
                // try the other name
            }
        }
        if (expected == null) {
            throw new InvalidManifestException(
                    "s3://" + bucket + "/" + key + " has no checksum file (" + base + ".md5 or " + base + ".checksum)");
        }
        byte[] digest = md5(content);
        String hex = HexFormat.of().formatHex(digest);
        String base64 = Base64.getEncoder().encodeToString(digest);
        if (!expected.equalsIgnoreCase(hex) && !expected.equals(base64)) {
            throw new InvalidManifestException("s3://" + bucket + "/" + key + " does not match its checksum: MD5 is "
                    + hex + ", the checksum file says " + expected);
        }
        return content;
    }

    /**
     * The object's bytes.
     *
     * @throws InvalidManifestException when it is missing or access to it is denied (never passing by itself);
     *     throttling, server errors and the network are left to the caller to retry
     */
    static byte[] object(S3Client s3, String bucket, String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new InvalidManifestException("s3://" + bucket + "/" + key + " is missing");
        } catch (S3Exception e) {
            if (e.statusCode() == 403 || e.statusCode() == 404) {
                throw new InvalidManifestException("s3://" + bucket + "/" + key + " cannot be read: "
                        + (e.awsErrorDetails() == null
                                ? e.getMessage()
                                : e.awsErrorDetails().errorCode()));
            }
            throw e;
        }
    }

    private static JsonNode tree(byte[] content, String bucket, String where) {
        try {
            JsonNode node = JSON.readTree(content);
            if (node == null || !node.isObject()) {
                throw new InvalidManifestException("s3://" + bucket + "/" + where + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new InvalidManifestException("s3://" + bucket + "/" + where + " is not JSON: " + e.getMessage());
        }
    }

    private static Instant instant(JsonNode o, String field, String where) {
        String text = required(o, field, where);
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidManifestException(where + ": " + field + " is not an ISO-8601 time: " + text);
        }
    }

    private static long count(String text, String where) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidManifestException(where + ": itemCount is not a whole number: " + text);
        }
    }

    private static String required(JsonNode o, String field, String where) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
            throw new InvalidManifestException(where + " has no " + field);
        }
        return v.asText();
    }

    static byte[] md5(byte[] content) {
        try {
            return MessageDigest.getInstance("MD5").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
