package localaws;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import localaws.http.AwsHttpServer;

/**
 * Injects faults into an emulator running in another process, through its admin API (see {@link AdminApi}): the
 * same faults {@link Faults} offers in-process.
 *
 * <pre>{@code
 * LocalAwsAdminClient admin = new LocalAwsAdminClient(URI.create("http://127.0.0.1:4566"));
 * admin.throttle("DynamoDBStreams_20120810.GetRecords", 5, null);
 * }</pre>
 */
public final class LocalAwsAdminClient {
    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public LocalAwsAdminClient(URI emulatorEndpoint) {
        this.base = emulatorEndpoint.resolve("/_localaws/");
    }

    public boolean isHealthy() {
        try {
            return send("GET", "health", null).equals("ok\n");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public void throttle(String target, int times, String errorCode) {
        ObjectNode body =
                AwsHttpServer.JSON.createObjectNode().put("target", target).put("times", times);
        if (errorCode != null) {
            body.put("errorCode", errorCode);
        }
        send("POST", "faults/throttle", body);
    }

    public void failFirehoseEntries(String deliveryStream, double fraction, int calls, long seed) {
        send(
                "POST",
                "faults/firehose-entries",
                AwsHttpServer.JSON
                        .createObjectNode()
                        .put("deliveryStream", deliveryStream)
                        .put("fraction", fraction)
                        .put("calls", calls)
                        .put("seed", seed));
    }

    public void tamperNextExport(int corruptLine, boolean wrongChecksum) {
        send(
                "POST",
                "faults/export-tampering",
                AwsHttpServer.JSON
                        .createObjectNode()
                        .put("corruptLine", corruptLine)
                        .put("wrongChecksum", wrongChecksum));
    }

    public void failNextExport(String code, String message) {
        send(
                "POST",
                "faults/export-failure",
                AwsHttpServer.JSON.createObjectNode().put("code", code).put("message", message));
    }

    public void rolloverShards(String table, boolean split) {
        send(
                "POST",
                "streams/rollover",
                AwsHttpServer.JSON.createObjectNode().put("table", table).put("split", split));
    }

    public void corruptStreamRecords(String table, int count) {
        send(
                "POST",
                "faults/stream-records",
                AwsHttpServer.JSON.createObjectNode().put("table", table).put("corrupt", count));
    }

    public void trimStream(String table) {
        send("POST", "streams/trim", AwsHttpServer.JSON.createObjectNode().put("table", table));
    }

    public void expireIterators() {
        send("POST", "streams/expire-iterators", AwsHttpServer.JSON.createObjectNode());
    }

    public void flushFirehose() {
        send("POST", "firehose/flush", AwsHttpServer.JSON.createObjectNode());
    }

    public void clearFaults() {
        send("DELETE", "faults", null);
    }

    /** Calls served so far, per X-Amz-Target. */
    public Map<String, Long> calls() {
        try {
            return AwsHttpServer.JSON.readValue(send("GET", "calls", null), new TypeReference<>() {});
        } catch (IOException e) {
            throw new IllegalStateException("the emulator answered calls with something that is not JSON", e);
        }
    }

    private String send(String method, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        request.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(method + " " + base.resolve(path) + " answered " + response.statusCode()
                        + ": " + response.body().strip());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + base.resolve(path) + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
