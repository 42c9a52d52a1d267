package observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
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
 * Jolokia with {@code observe.jolokia.allow-control=true}: only a route's start, stop, suspend and resume and the
 * project's own operations run; every other operation of every MBean (sending messages, creating endpoints, changing
 * or removing routes, stopping the context) and every attribute write is refused, and changes nothing; and no call
 * gets in without credentials, a bearer token here, Camel's basic authentication in the last test.
 */
class JolokiaControlTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "controlled";
    private static final String ROUTE = "ddb-export-watch";
    private static final String PROBE = "seda:jolokia-probe";
    private static final String PASSWORD = "correct-horse-battery";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Main app;
    private static CamelContext camel;
    private static String base;
    private static String bearer;

    @BeforeAll
    static void start() throws Exception {
        Fixtures.createTable(aws.dynamoDb(), TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
        String token = "jolokia-" + UUID.randomUUID();
        Path tokenFile =
                Files.writeString(Files.createTempDirectory("jolokia-token").resolve("token"), token + "\n");
        bearer = "Bearer " + token;
        int port = Ports.free();
        base = "http://127.0.0.1:" + port;
        app = Apps.against(
                aws,
                TABLE,
                Map.of(
                        "camel.management.port", Integer.toString(port),
                        "observe.jolokia.allow-control", "true",
                        "observe.jolokia.token-file", tokenFile.toString()));
        app.start();
        camel = app.getCamelContext();
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    void aRoutesLifecycleAndTheProjectsOperationsRun() throws Exception {
        String route = routeMBean(camel, ROUTE);
        assertThat(exec(bearer, route, "stop()").path("status").asInt()).isEqualTo(200);
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Stopped);
        assertThat(exec(bearer, route, "start").path("status").asInt()).isEqualTo(200);
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Started);
        assertThat(exec(bearer, route, "suspend()").path("status").asInt()).isEqualTo(200);
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Suspended);
        assertThat(exec(bearer, route, "resume()").path("status").asInt()).isEqualTo(200);
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Started);

        JsonNode compact = exec(bearer, service(camel, "ViewControl"), "compactNow()");
        assertThat(compact.path("status").asInt()).as("%s", compact).isEqualTo(200);
        assertThat(compact.path("value").asText()).startsWith("nothing to do");
        // What Hawtio reads still answers: the route's diagram and every route's statistics.
        assertThat(exec(bearer, route, "dumpRouteAsXml()").path("value").asText())
                .contains(ROUTE);
        assertThat(exec(bearer, context(camel), "dumpRoutesStatsAsXml(boolean,boolean)", false, true)
                        .path("value")
                        .asText())
                .contains(ROUTE);
    }

    @Test
    void sendingCreatingAndChangingRoutesIsRefusedAndChangesNothing() throws Exception {
        String context = context(camel);
        String route = routeMBean(camel, ROUTE);
        int endpoints = camel.getEndpoints().size();
        List<Object[]> calls = List.of(
                new Object[] {context, "sendBody(java.lang.String,java.lang.Object)", PROBE, "x"},
                new Object[] {context, "sendStringBody(java.lang.String,java.lang.String)", PROBE, "x"},
                new Object[] {
                    context, "sendBodyAndHeaders(java.lang.String,java.lang.Object,java.util.Map)", PROBE, "x", Map.of()
                },
                new Object[] {context, "requestBody(java.lang.String,java.lang.Object)", PROBE, "x"},
                new Object[] {context, "requestStringBody(java.lang.String,java.lang.String)", PROBE, "x"},
                new Object[] {
                    context,
                    "requestBodyAndHeaders(java.lang.String,java.lang.Object,java.util.Map)",
                    PROBE,
                    "x",
                    Map.of()
                },
                new Object[] {context, "createEndpoint(java.lang.String)", PROBE},
                new Object[] {context, "removeEndpoints(java.lang.String)", "*"},
                // Gone from Camel 4's context MBean, refused by the policy all the same.
                new Object[] {context, "addOrUpdateRoutesFromXml(java.lang.String)", routeXml()},
                new Object[] {context, "stop()"},
                new Object[] {context, "suspend()"},
                new Object[] {context, "restart()"},
                new Object[] {route, "updateRouteFromXml(java.lang.String)", routeXml()},
                new Object[] {route, "remove()"},
                new Object[] {route, "stop(long)", 1},
                new Object[] {route, "stop(java.lang.Long,java.lang.Boolean)", 1, true},
                new Object[] {route, "stopAndFail()"},
                new Object[] {route, "restart()"},
                new Object[] {route, "suspend(long)", 1},
                new Object[] {service(camel, "ViewControl"), "stop()"},
                new Object[] {service(camel, "ExportControl"), "stop()"});
        for (Object[] call : calls) {
            Object[] args = java.util.Arrays.copyOfRange(call, 2, call.length);
            JsonNode answer = exec(bearer, (String) call[0], (String) call[1], args);
            assertThat(answer.path("status").asInt())
                    .as("%s %s: %s", call[0], call[1], answer)
                    .isEqualTo(403);
            assertThat(answer.path("error").asText()).contains("forbidden");
        }
        JsonNode tracing =
                post(bearer, request("write", route).put("attribute", "Tracing").put("value", true));
        assertThat(tracing.path("status").asInt()).as("%s", tracing).isEqualTo(403);

        assertThat(camel.getEndpoints()).noneMatch(e -> e.getEndpointUri().contains("jolokia-probe"));
        assertThat(camel.getEndpoints()).hasSize(endpoints);
        assertThat(camel.getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute(ROUTE)).isNotNull();
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute(ROUTE).isTracing()).isFalse();
        assertThat(exec(bearer, route, "dumpRouteAsXml()").path("value").asText())
                .doesNotContain("jolokia-probe");
    }

    @Test
    void everyOtherOperationAndEveryWriteOfEveryMBeanIsRefused() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ArrayNode refused = JSON.createArrayNode();
        Set<String> allowed = new TreeSet<>();
        for (ObjectName name : server.queryNames(null, null)) {
            if (name.getDomain().equals("org.apache.camel")
                    && !camel.getManagementName().equals(name.getKeyProperty("context"))) {
                continue; // another application's (none should be left)
            }
            var info = server.getMBeanInfo(name);
            for (MBeanOperationInfo op : info.getOperations()) {
                for (String form : forms(op, info.getOperations())) {
                    if (expectedAllowed(name, op, form)) {
                        allowed.add(name.getKeyProperty("type") + " " + form);
                    } else {
                        refused.add(request("exec", name.getCanonicalName()).put("operation", form));
                    }
                }
            }
            for (MBeanAttributeInfo attribute : info.getAttributes()) {
                if (attribute.isWritable()) {
                    refused.add(request("write", name.getCanonicalName())
                            .put("attribute", attribute.getName())
                            .putNull("value"));
                }
            }
        }
        assertThat(allowed)
                .as("the allow-list's operations exist in Camel %s", camel.getVersion())
                .contains(
                        "routes start",
                        "routes start()",
                        "routes stop()",
                        "routes suspend()",
                        "routes resume()",
                        "services compactNow()",
                        "services materializeAsOf(java.lang.String)",
                        "services startExportNow()",
                        "services startFullExportNow()");
        List<String> notRefused = new ArrayList<>();
        for (int from = 0; from < refused.size(); from += 500) {
            ArrayNode batch = JSON.createArrayNode();
            for (int i = from; i < Math.min(from + 500, refused.size()); i++) {
                batch.add(refused.get(i));
            }
            JsonNode answers = post(bearer, batch);
            for (int i = 0; i < batch.size(); i++) {
                if (answers.get(i).path("status").asInt() != 403) {
                    notRefused.add(batch.get(i) + " -> " + answers.get(i));
                }
            }
        }
        System.out.printf(
                "Jolokia control: %d operations and writes refused, %d allowed%n", refused.size(), allowed.size());
        assertThat(refused.size()).as("operations and writes tried").isGreaterThan(500);
        assertThat(notRefused).isEmpty();
        assertThat(camel.getStatus()).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void noCallGetsInWithoutTheToken() throws Exception {
        String version = base + "/observe/jolokia/version";
        String route = routeMBean(camel, ROUTE);
        for (String authorization : List.of("", "Bearer wrong-token", bearer + "x", basic("operator", "x"))) {
            HttpResponse<String> get = send(version, authorization, null);
            assertThat(get.statusCode()).as("GET with '%s'", authorization).isEqualTo(401);
            assertThat(get.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"dynamo-lake\"");
            // Hawtio posts to the path itself, without a slash after it.
            HttpResponse<String> post = send(base + "/observe/jolokia", authorization, "{\"type\":\"version\"}");
            assertThat(post.statusCode()).as("POST with '%s'", authorization).isEqualTo(401);
            HttpResponse<String> stop =
                    send(base + "/observe/jolokia/exec/" + route.replace("\"", "%22") + "/stop()", authorization, null);
            assertThat(stop.statusCode()).isEqualTo(401);
        }
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Started);
        assertThat(JSON.readTree(send(version, bearer, null).body())
                        .path("status")
                        .asInt())
                .isEqualTo(200);
        // Kubernetes' probes and Prometheus need no credentials.
        assertThat(send(base + "/observe/health/live", "", null).statusCode()).isEqualTo(200);
        assertThat(send(base + "/observe/metrics", "", null).statusCode()).isEqualTo(200);
    }

    @Test
    void camelsBasicAuthenticationGuardsControlToo() throws Exception {
        Main basicApp = basicApp("controlled-basic", Map.of());
        basicApp.start();
        try {
            String at = "http://127.0.0.1:"
                    + basicApp.getCamelContext()
                            .getPropertiesComponent()
                            .resolveProperty("camel.management.port")
                            .orElseThrow();
            String good = basic("operator", PASSWORD);
            for (String authorization : List.of("", basic("operator", "wrong"), basic("nobody", PASSWORD), bearer)) {
                assertThat(send(at + "/observe/jolokia/version", authorization, null)
                                .statusCode())
                        .as("GET with '%s'", authorization)
                        .isEqualTo(401);
                assertThat(send(at + "/observe/jolokia", authorization, "{\"type\":\"version\"}")
                                .statusCode())
                        .as("POST with '%s'", authorization)
                        .isEqualTo(401);
            }
            // Camel's authentication-path /observe/jolokia/* covers the path itself, where Hawtio posts.
            HttpResponse<String> version = send(at + "/observe/jolokia", good, "{\"type\":\"version\"}");
            assertThat(JSON.readTree(version.body()).path("status").asInt())
                    .as("%s", version.body())
                    .isEqualTo(200);
            CamelContext c = basicApp.getCamelContext();
            String route = routeMBean(c, ROUTE).replace("\"", "%22");
            HttpResponse<String> stop = send(at + "/observe/jolokia/exec/" + route + "/stop()", good, null);
            assertThat(JSON.readTree(stop.body()).path("status").asInt())
                    .as("%s", stop.body())
                    .isEqualTo(200);
            assertThat(c.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Stopped);
            HttpResponse<String> send = send(
                    at + "/observe/jolokia",
                    good,
                    request("exec", context(c))
                            .put("operation", "sendBody(java.lang.String,java.lang.Object)")
                            .set("arguments", JSON.valueToTree(List.of(PROBE, "x")))
                            .toString());
            assertThat(JSON.readTree(send.body()).path("status").asInt()).isEqualTo(403);
            assertThat(c.getEndpoints()).noneMatch(e -> e.getEndpointUri().contains("jolokia-probe"));
            assertThat(send(at + "/observe/health/live", "", null).statusCode()).isEqualTo(200);
            assertThat(send(at + "/observe/metrics", "", null).statusCode()).isEqualTo(200);
        } finally {
            basicApp.stop();
        }
    }

    @Test
    void aRequestCamelsAuthenticationMissedIsRefusedEvenWithTheRightPassword() throws Exception {
        Main missed = basicApp("controlled-missed", Map.of("camel.management.authentication-path", "/observe/info/*"));
        missed.start();
        try {
            String at = "http://127.0.0.1:"
                    + missed.getCamelContext()
                            .getPropertiesComponent()
                            .resolveProperty("camel.management.port")
                            .orElseThrow();
            assertThat(send(at + "/observe/info", "", null).statusCode())
                    .as("Camel's authentication is on, for the info page")
                    .isEqualTo(401);
            HttpResponse<String> version = send(at + "/observe/jolokia/version", basic("operator", PASSWORD), null);
            assertThat(version.statusCode()).isEqualTo(401);
            assertThat(version.body()).contains("camel.management.authentication-path");
        } finally {
            missed.stop();
        }
    }

    /** An application with control and Camel's basic authentication of user operator, {@code more} over it. */
    private static Main basicApp(String table, Map<String, String> more) throws Exception {
        Fixtures.createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        Path users = Files.writeString(
                Files.createTempDirectory("jolokia-users").resolve("users.properties"),
                "user.operator = " + PASSWORD + "\n");
        Map<String, String> props = new java.util.HashMap<>(Map.of(
                "camel.management.port",
                Integer.toString(Ports.free()),
                "observe.jolokia.allow-control",
                "true",
                "camel.management.authentication-enabled",
                "true",
                "camel.management.basic-properties-file",
                users.toString()));
        props.putAll(more);
        return Apps.against(aws, table, props);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** How a client may name the operation: with its signature, and bare when no other operation has its name. */
    private static List<String> forms(MBeanOperationInfo op, MBeanOperationInfo[] all) {
        List<String> types = new ArrayList<>();
        for (MBeanParameterInfo p : op.getSignature()) {
            types.add(p.getType());
        }
        List<String> forms = new ArrayList<>(List.of(op.getName() + "(" + String.join(",", types) + ")"));
        if (java.util.Arrays.stream(all)
                        .filter(o -> o.getName().equals(op.getName()))
                        .count()
                == 1) {
            forms.add(op.getName());
        }
        return forms;
    }

    /** The allow-list: Camel's dump*, a route's start, stop, suspend and resume, and the project's operations. */
    private static boolean expectedAllowed(ObjectName name, MBeanOperationInfo op, String form) {
        if (!name.getDomain().equals("org.apache.camel")) {
            return false;
        }
        boolean noArgs = op.getSignature().length == 0;
        return switch (name.getKeyProperty("type")) {
            case "routes" ->
                op.getName().startsWith("dump")
                        || (noArgs
                                && Set.of("start", "stop", "suspend", "resume").contains(op.getName())
                                && !form.equals("stop")
                                && !form.equals("suspend"));
            case "services" ->
                op.getName().startsWith("dump")
                        || switch (name.getKeyProperty("name")) {
                            case "ExportControl" ->
                                Set.of("startExportNow", "startFullExportNow").contains(op.getName());
                            case "ViewControl" ->
                                Set.of("compactNow", "rebuildNow", "materializeAsOf")
                                        .contains(op.getName());
                            default -> false;
                        };
            default -> op.getName().startsWith("dump");
        };
    }

    private static String routeXml() {
        return "<route id=\"" + ROUTE + "\"><from uri=\"" + PROBE + "\"/><to uri=\"log:jolokia\"/></route>";
    }

    private static String context(CamelContext c) {
        return "org.apache.camel:context=" + c.getManagementName() + ",type=context,name=\"" + c.getName() + "\"";
    }

    private static String routeMBean(CamelContext c, String id) {
        return "org.apache.camel:context=" + c.getManagementName() + ",type=routes,name=\"" + id + "\"";
    }

    private static String service(CamelContext c, String name) {
        return "org.apache.camel:context=" + c.getManagementName() + ",type=services,name=" + name;
    }

    private static ObjectNode request(String type, String mbean) {
        return JSON.createObjectNode().put("type", type).put("mbean", mbean);
    }

    private static JsonNode exec(String authorization, String mbean, String operation, Object... args)
            throws Exception {
        ObjectNode request = request("exec", mbean).put("operation", operation);
        request.set("arguments", JSON.valueToTree(List.of(args)));
        return post(authorization, request);
    }

    private static JsonNode post(String authorization, JsonNode request) throws Exception {
        HttpResponse<String> response = send(base + "/observe/jolokia", authorization, request.toString());
        assertThat(response.statusCode()).as("%s", response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> send(String uri, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        if (!authorization.isEmpty()) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
