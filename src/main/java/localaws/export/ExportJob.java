package localaws.export;

import static localaws.http.Requests.epochSeconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import localaws.http.AwsHttpServer;

/** One export: what was asked for and how far it got, rendered as AWS's ExportDescription. */
final class ExportJob {
    final String arn;
    final String id;
    final String tableArn;
    final String tableId;
    final String tableName;
    final Instant startTime;
    final Instant exportTime;
    final String clientToken;
    final JsonNode request;
    final String bucket;
    final String prefix;
    final boolean incremental;
    final Instant from;
    final Instant to;
    final String viewType;

    volatile String status = "IN_PROGRESS";
    volatile Instant endTime;
    volatile String failureCode;
    volatile String failureMessage;
    volatile long itemCount;
    volatile long billedSizeBytes;
    volatile String manifestKey;

    ExportJob(
            String arn,
            String id,
            String tableArn,
            String tableId,
            String tableName,
            Instant startTime,
            Instant exportTime,
            String clientToken,
            JsonNode request,
            Instant from,
            Instant to,
            String viewType) {
        this.arn = arn;
        this.id = id;
        this.tableArn = tableArn;
        this.tableId = tableId;
        this.tableName = tableName;
        this.startTime = startTime;
        this.exportTime = exportTime;
        this.clientToken = clientToken;
        this.request = request;
        this.bucket = request.path("S3Bucket").asText();
        String p = request.path("S3Prefix").asText("");
        this.prefix = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        this.incremental = from != null;
        this.from = from;
        this.to = to;
        this.viewType = viewType;
    }

    /** The S3 key of a file of this export: {@code <prefix>/AWSDynamoDB/<ExportId>/<name>}. */
    String key(String name) {
        return (prefix.isEmpty() ? "" : prefix + "/") + "AWSDynamoDB/" + id + "/" + name;
    }

    ObjectNode describe() {
        ObjectNode d = AwsHttpServer.JSON.createObjectNode();
        d.put("ExportArn", arn)
                .put("ExportStatus", status)
                .put("StartTime", epochSeconds(startTime))
                .put("TableArn", tableArn)
                .put("TableId", tableId)
                .put("ExportTime", epochSeconds(exportTime))
                .put("S3Bucket", bucket)
                .put("ExportFormat", request.path("ExportFormat").asText("DYNAMODB_JSON"))
                .put("ExportType", incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
        if (clientToken != null) {
            d.put("ClientToken", clientToken);
        }
        copy(request, d, "S3BucketOwner", "S3SseKmsKeyId");
        d.put("S3SseAlgorithm", request.path("S3SseAlgorithm").asText("AES256"));
        if (!prefix.isEmpty()) {
            d.put("S3Prefix", prefix);
        }
        if (incremental) {
            d.putObject("IncrementalExportSpecification")
                    .put("ExportFromTime", epochSeconds(from))
                    .put("ExportToTime", epochSeconds(to))
                    .put("ExportViewType", viewType);
        }
        if (endTime != null) {
            d.put("EndTime", epochSeconds(endTime));
        }
        if (status.equals("COMPLETED")) {
            d.put("ExportManifest", manifestKey).put("ItemCount", itemCount).put("BilledSizeBytes", billedSizeBytes);
        }
        if (failureCode != null) {
            d.put("FailureCode", failureCode).put("FailureMessage", failureMessage);
        }
        return d;
    }

    ObjectNode summary() {
        return AwsHttpServer.JSON
                .createObjectNode()
                .put("ExportArn", arn)
                .put("ExportStatus", status)
                .put("ExportType", incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            if (from.hasNonNull(f)) {
                to.put(f, from.get(f).asText());
            }
        }
    }
}
