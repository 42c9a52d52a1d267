package observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;
import testsupport.Ports;

/**
 * The management port as an operator and Prometheus use it: health (live, ready, and why not ready), every metric
 * README lists, and Jolokia (what Hawtio reads), read-only unless {@code observe.jolokia.allow-control=true}
 * ({@link JolokiaControlTest}).
 */
class ManagementPortTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "observed";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Main app;
    private static String base;

    @BeforeAll
    static void start() {
        Fixtures.createTable(aws.dynamoDb(), TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
        int port = Ports.free();
        base = "http://127.0.0.1:" + port;
        app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "camel.management.port", Integer.toString(port),
                        "observe.readiness-recheck", "1s",
                        "observe.freshness-refresh", "1s"));
        app.start();
        for (int i = 0; i < 20; i++) {
            var row = item("pk", s("k" + i), "v", n("1"));
            aws.dynamoDb().putItem(p -> p.tableName(TABLE).item(row));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Apps.lake(aws, TABLE).envelopes().size() >= 20);
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    void healthIsLiveAndReadyWithEveryCheckNamed() throws Exception {
        assertThat(get("/observe/health/live").path("status").asText()).isEqualTo("UP");
        JsonNode ready = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> get("/observe/health/ready?exposureLevel=full"),
                        r -> r.path("status").asText().equals("UP"));
        Set<String> checks = new TreeSet<>();
        ready.path("checks").forEach(c -> checks.add(c.path("name").asText()));
        assertThat(checks)
                .contains(
                        "dependencies",
                        "routes-exhausted",
                        "ddbstream-" + TABLE,
                        "route:ddb-stream-to-firehose",
                        "route:ddb-export-to-lake");
    }

    @Test
    void readinessNamesAMissingDependencyAndRecovers() throws Exception {
        var faults = aws.stack().emulator().faults();
        faults.throttle("Firehose_20150804.DescribeDeliveryStream", 1_000_000, "ResourceNotFoundException");
        try {
            HttpResponse<String> down = await().atMost(Duration.ofSeconds(20))
                    .until(() -> raw("/observe/health/ready"), r -> r.statusCode() == 503);
            assertThat(down.body()).contains("DOWN");
            JsonNode full = get("/observe/health/ready?exposureLevel=full");
            JsonNode deps = check(full, "dependencies");
            assertThat(deps.path("status").asText()).isEqualTo("DOWN");
            assertThat(deps.path("message").asText())
                    .contains("delivery stream " + TABLE + "-deltas")
                    .contains("ResourceNotFound");
        } finally {
            faults.throttle("Firehose_20150804.DescribeDeliveryStream", 0, null);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> raw("/observe/health/ready"), r -> r.statusCode() == 200);
    }

    @Test
    void readinessIsDownWhileARouteFailsForGoodAndUpOnceItDeliversAgain() throws Exception {
        var faults = aws.stack().emulator().faults();
        int landed = Apps.lake(aws, TABLE).envelopes().size();
        faults.throttle("Firehose_20150804.PutRecordBatch", 1_000_000, "AccessDeniedException");
        try {
            aws.dynamoDb().putItem(p -> p.tableName(TABLE).item(item("pk", s("refused"), "v", n("1"))));
            JsonNode exhausted = await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> check(get("/observe/health/ready?exposureLevel=full"), "routes-exhausted"),
                            c -> c.path("status").asText().equals("DOWN"));
            assertThat(exhausted.path("message").asText())
                    .contains("route ddb-stream-to-firehose failed")
                    .contains("AccessDenied");
        } finally {
            faults.throttle("Firehose_20150804.PutRecordBatch", 0, null);
        }
        // The consumer kept the batch: it lands once Firehose takes it, and the route is ready again.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Apps.lake(aws, TABLE).envelopes().stream()
                        .anyMatch(e -> e.path("keys").path("pk").asText().equals("refused")));
        assertThat(Apps.lake(aws, TABLE).envelopes()).hasSizeGreaterThan(landed);
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> check(get("/observe/health/ready?exposureLevel=full"), "routes-exhausted"),
                        c -> c.path("status").asText().equals("UP"));
    }

    @Test
    void prometheusServesEveryMetricReadmeListsAndNoOtherOfTheProject() throws Exception {
        Set<String> documented = new TreeSet<>();
        // A meter of an event (a counter tagged with what happened) exists only once the event happened.
        Matcher m = Pattern.compile("^\\| `(dynamolake_[a-z_]+)` \\| (?![^|]*once it happened)", Pattern.MULTILINE)
                .matcher(Files.readString(Path.of("README.md")));
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).as("README's metric list").hasSizeGreaterThan(10);
        Set<String> served = await().atMost(Duration.ofSeconds(30))
                .until(
                        ManagementPortTest::projectMetrics,
                        s -> s.containsAll(Set.of("dynamolake_stream_lag_seconds", "dynamolake_snapshot_age_seconds")));
        assertThat(served).isEqualTo(documented);
        String text = raw("/observe/metrics").body();
        assertThat(text)
                .contains("dynamolake_stream_records_total{table=\"" + TABLE + "\"}")
                .containsPattern("dynamolake_stream_lag_seconds\\{shard=\"shardId-[^\"]+\",table=\"" + TABLE + "\"}")
                .contains("camel_exchanges_total{");
    }

    @Test
    void jolokiaShowsRoutesAndShardsButRefusesControlByDefault() throws Exception {
        JsonNode routes = get("/observe/jolokia/read/org.apache.camel:type=routes,*/RouteId,State");
        Map<String, String> states = new java.util.TreeMap<>();
        routes.path("value")
                .forEach(r ->
                        states.put(r.path("RouteId").asText(), r.path("State").asText()));
        assertThat(states)
                .containsEntry("ddb-stream-to-firehose", "Started")
                .containsEntry("ddb-export-to-lake", "Started")
                .containsEntry("ddb-export-watch", "Started");

        String route = "org.apache.camel:context=" + app.getCamelContext().getManagementName()
                + ",type=routes,name=%22ddb-export-watch%22";
        JsonNode stop = get("/observe/jolokia/exec/" + route + "/stop()");
        assertThat(stop.path("status").asInt()).isEqualTo(403);
        assertThat(stop.path("error").asText()).contains("forbidden");
        assertThat(app.getCamelContext()
                        .getRouteController()
                        .getRouteStatus("ddb-export-watch")
                        .isStarted())
                .isTrue();
        JsonNode diagram = get("/observe/jolokia/exec/" + route + "/dumpRouteAsXml()");
        assertThat(diagram.path("status").asInt()).isEqualTo(200);
        assertThat(diagram.path("value").asText()).contains("ddb-export-watch");
        // The rest of what Hawtio's Camel tree, routes table and diagram ask for.
        assertThat(get("/observe/jolokia/search/org.apache.camel:type=routes,*").path("value"))
                .hasSizeGreaterThan(5);
        assertThat(get("/observe/jolokia/list/org.apache.camel").path("status").asInt())
                .isEqualTo(200);
        String context = "org.apache.camel:context=" + app.getCamelContext().getManagementName()
                + ",type=context,name=%22" + app.getCamelContext().getName() + "%22";
        JsonNode stats = get("/observe/jolokia/exec/" + context + "/dumpRoutesStatsAsXml(boolean,boolean)/false/true");
        assertThat(stats.path("value").asText()).as("%s", stats).contains("ddb-export-watch");
        JsonNode secrets = get("/observe/jolokia/read/java.lang:type=Runtime/InputArguments");
        assertThat(secrets.path("status").asInt()).isEqualTo(403);

        JsonNode consumers = get("/observe/jolokia/read/org.apache.camel:type=consumers,*/StreamRole,Shards");
        JsonNode stream = null;
        for (JsonNode c : consumers.path("value")) {
            if (c.has("Shards")) {
                stream = c;
            }
        }
        assertThat(stream).as("the ddbstream consumer in JMX: %s", consumers).isNotNull();
        assertThat(stream.path("StreamRole").asText())
                .as("the default mode: this replica reads its share")
                .isEqualTo("shared");
        List<String> shards = new java.util.ArrayList<>();
        stream.path("Shards").forEach(l -> shards.add(l.asText()));
        // The shard being read shows the checkpoint of the records already landed.
        assertThat(shards)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("shardId-")
                        .contains(" READING ")
                        .containsPattern("checkpoint=\\d+ at 20"));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static Set<String> projectMetrics() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String line : raw("/observe/metrics").body().split("\n")) {
            if (line.startsWith("dynamolake_")) {
                names.add(line.replaceAll("[{ ].*", ""));
            }
        }
        return names;
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(raw(path).body());
    }

    private static HttpResponse<String> raw(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
