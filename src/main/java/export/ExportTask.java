package export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One unit of export work, the body of one message on the export queue: a data file of an export and the step to
 * run on it. The message carries all a worker needs, so any replica can take it, and running it twice rewrites the
 * same objects.
 *
 * @param exportId the export's id (the last part of its ARN)
 * @param step what to do with the file
 * @param bucket the export bucket
 * @param key the data file's key
 * @param index the file's place in the manifest, which names its part in the lake
 * @param files how many data files the export has, so the worker that finishes the last one knows it
 * @param itemCount the file's item count from the manifest
 * @param md5 the base64 MD5 of the gzip object, from the manifest
 */
public record ExportTask(
        String exportId, Step step, String bucket, String key, int index, int files, long itemCount, String md5) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The steps a data file goes through. */
    public enum Step {
        /** A full export's file: record which attributes and types it holds. */
        DISCOVER,
        /** A full export's file: write its Parquet part with the snapshot's schema. */
        CONVERT,
        /** An incremental export's file: write its changes as delta envelopes. */
        DELTAS
    }

    public ExportTask {
        Objects.requireNonNull(exportId, "exportId");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
    }

    public ExportTask withStep(Step next) {
        return new ExportTask(exportId, next, bucket, key, index, files, itemCount, md5);
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode()
                .put("exportId", exportId)
                .put("step", step.name())
                .put("bucket", bucket)
                .put("key", key)
                .put("index", index)
                .put("files", files)
                .put("itemCount", itemCount)
                .put("md5", md5);
        return o.toString();
    }

    /**
     * Reads a message body.
     *
     * @throws IllegalArgumentException naming what is missing, for a message that is not an export task
     */
    public static ExportTask fromJson(String body) {
        JsonNode o;
        try {
            o = JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("not an export task (not JSON): " + abbreviate(body), e);
        }
        for (String field : new String[] {"exportId", "step", "bucket", "key", "index", "files", "itemCount"}) {
            if (o == null || !o.hasNonNull(field)) {
                throw new IllegalArgumentException("not an export task (no " + field + "): " + abbreviate(body));
            }
        }
        return new ExportTask(
                o.get("exportId").asText(),
                Step.valueOf(o.get("step").asText()),
                o.get("bucket").asText(),
                o.get("key").asText(),
                o.get("index").asInt(),
                o.get("files").asInt(),
                o.get("itemCount").asLong(),
                o.path("md5").asText(null));
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
