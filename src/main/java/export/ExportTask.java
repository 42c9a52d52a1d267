package export;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;
import lake.LakeJson;

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
        @JsonProperty(required = true) String exportId,
        @JsonProperty(required = true) Step step,
        @JsonProperty(required = true) String bucket,
        @JsonProperty(required = true) String key,
        @JsonProperty(required = true) int index,
        @JsonProperty(required = true) int files,
        @JsonProperty(required = true) long itemCount,
        String md5) {
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

    /** The message body: the task as one JSON object. */
    public String toJson() {
        return LakeJson.text(this);
    }

    /**
     * Reads a message body.
     *
     * @throws IllegalArgumentException naming what is missing or wrong, for a message that is not an export task
     */
    public static ExportTask fromJson(String body) {
        com.fasterxml.jackson.databind.JsonNode o;
        try {
            o = LakeJson.MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not an export task (not JSON): " + abbreviate(body), e);
        }
        for (var c : ExportTask.class.getRecordComponents()) {
            JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class); // where Java puts it on a record
            if (p != null && p.required() && (o == null || !o.hasNonNull(c.getName()))) {
                throw new IllegalArgumentException("not an export task (no " + c.getName() + "): " + abbreviate(body));
            }
        }
        try {
            return LakeJson.read(o, ExportTask.class);
        } catch (IllegalArgumentException e) {
            String why = e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? j.getOriginalMessage()
                    : e.getMessage();
            throw new IllegalArgumentException("not an export task (" + why + "): " + abbreviate(body), e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
