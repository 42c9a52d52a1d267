package localaws;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;

/**
 * The emulator's own HTTP API under {@code /_localaws/}, so that a test can inject faults into an emulator running in
 * another process. Every call is a POST with a small JSON body, except the GETs:
 *
 * <pre>
 * GET    /_localaws/health                      ok
 * GET    /_localaws/calls                       {"DynamoDB_20120810.PutItem": 12, ...}
 * POST   /_localaws/faults/throttle             {"target": "DynamoDBStreams_20120810.GetRecords", "times": 3}
 * POST   /_localaws/faults/firehose-entries     {"deliveryStream": "deltas", "fraction": 0.2, "calls": -1}
 * POST   /_localaws/faults/export-failure       {"code": "S3AccessDenied", "message": "..."}
 * POST   /_localaws/faults/export-tampering     {"corruptLine": 7, "wrongChecksum": false, "noManifest": false}
 * POST   /_localaws/streams/rollover            {"table": "orders", "split": true}
 * POST   /_localaws/streams/trim                {"table": "orders", "forgetClosedShards": false}
 * POST   /_localaws/streams/forget-disabled     {"table": "orders"}
 * POST   /_localaws/faults/stream-records       {"table": "orders", "corrupt": 1}
 * POST   /_localaws/streams/expire-iterators    {}
 * POST   /_localaws/firehose/flush              {}
 * DELETE /_localaws/faults
 * </pre>
 */
final class AdminApi implements HttpHandler {
    private final LocalAws aws;

    AdminApi(LocalAws aws) {
        this.aws = aws;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            serve(exchange);
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath().substring("/_localaws/".length());
            String method = exchange.getRequestMethod();
            JsonNode body = "POST".equals(method) ? body(exchange) : AwsHttpServer.JSON.createObjectNode();
            String answer = dispatch(method + " " + path, body);
            if (answer == null) {
                AwsHttpServer.sendPlain(exchange, 404, "no such admin call: " + method + " /_localaws/" + path + "\n");
            } else {
                AwsHttpServer.sendPlain(exchange, 200, answer);
            }
        } catch (AwsServiceException | IllegalArgumentException e) {
            AwsHttpServer.sendPlain(exchange, 400, e.getMessage() + "\n");
        }
    }

    private String dispatch(String call, JsonNode body) throws IOException {
        Faults faults = aws.faults();
        switch (call) {
            case "GET health":
                return "ok\n";
            case "GET calls":
                return AwsHttpServer.JSON.writeValueAsString(faults.calls());
            case "POST faults/throttle":
                faults.throttle(
                        required(body, "target"),
                        body.path("times").asInt(1),
                        body.path("errorCode").asText(null));
                return "ok\n";
            case "POST faults/firehose-entries":
                faults.failFirehoseEntries(
                        body.path("deliveryStream").asText(null),
                        body.path("fraction").asDouble(1.0),
                        body.path("calls").asInt(-1),
                        body.path("seed").asLong(1));
                return "ok\n";
            case "POST faults/export-failure":
                faults.failNextExport(
                        body.path("code").asText("S3AccessDenied"),
                        body.path("message").asText("Access Denied"));
                return "ok\n";
            case "POST faults/export-tampering":
                faults.tamperNextExport(
                        body.path("corruptLine").asInt(0),
                        body.path("wrongChecksum").asBoolean(false));
                if (body.path("noManifest").asBoolean(false)) {
                    faults.completeNextExportWithoutManifest();
                }
                return "ok\n";
            case "POST streams/rollover":
                faults.rolloverShards(
                        required(body, "table"), body.path("split").asBoolean(false));
                return "ok\n";
            case "POST faults/stream-records":
                faults.corruptStreamRecords(
                        required(body, "table"), body.path("corrupt").asInt(1));
                return "ok\n";
            case "POST streams/trim":
                return (body.path("forgetClosedShards").asBoolean(false)
                                ? faults.trimAndForgetShards(required(body, "table"))
                                : faults.trimStream(required(body, "table")))
                        + " records trimmed\n";
            case "POST streams/forget-disabled":
                return faults.forgetDisabledStreams(required(body, "table")) + " streams forgotten\n";
            case "POST streams/expire-iterators":
                faults.expireIterators();
                return "ok\n";
            case "POST firehose/flush":
                aws.firehose().flushAll();
                return "ok\n";
            case "DELETE faults":
                faults.clear();
                return "ok\n";
            default:
                return null;
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        return bytes.length == 0 ? AwsHttpServer.JSON.createObjectNode() : AwsHttpServer.JSON.readTree(bytes);
    }

    private static String required(JsonNode body, String field) {
        String v = body.path(field).asText(null);
        if (v == null) {
            throw new IllegalArgumentException("the body needs \"" + field + "\"");
        }
        return v;
    }
}
