package testsupport;

import static org.awaitility.Awaitility.await;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import localaws.athena.AthenaService;
import org.junit.jupiter.api.Assumptions;

/**
 * A Trino server in a process of its own, for the local emulator's Athena: its Hive catalog {@code awsdatacatalog}
 * reads the emulator's Glue catalog and the stack's S3 (S3Proxy), as Athena reads Glue and S3. The server comes from
 * Maven Central (the build unpacks {@code trino-server-core} and the Hive plugin into {@code target/trino}) and needs
 * Java 24 or later: {@code TRINO_JAVA_HOME}, or the newest such JDK under /usr/lib/jvm. Without one the test is
 * skipped, unless {@code DYNAMO_LAKE_REQUIRE_TRINO=1} ({@code bash .ci/run} sets it where the JDK is), which makes
 * a missing JDK fail it.
 */
public final class TrinoServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME =
            Path.of("target", "trino", "trino-server-core-" + System.getProperty("trino.version"));
    /** The catalog of Trino's Iceberg connector, over the same Glue catalog as the Hive connector's. */
    public static final String ICEBERG_CATALOG = "iceberg";

    /** Holds only the Hive and Iceberg connectors, the plugins needed. */
    private static final Path PLUGINS = Path.of("target", "trino", "plugin");

    private final JavaProcess process;
    private final URI uri;
    /** One client for every query: each HttpClient keeps a selector thread until it is collected. */
    private final HttpClient http = HttpClient.newHttpClient();

    private TrinoServer(JavaProcess process, URI uri) {
        this.process = process;
        this.uri = uri;
    }

    /** Skips the calling test class (or fails it, with DYNAMO_LAKE_REQUIRE_TRINO=1) when Trino cannot run here. */
    public static Path javaOrSkip() {
        Optional<Path> java = java();
        boolean installed = Files.isDirectory(HOME.resolve("lib")) && Files.isDirectory(PLUGINS);
        if ((java.isEmpty() || !installed) && "1".equals(System.getenv("DYNAMO_LAKE_REQUIRE_TRINO"))) {
            throw new IllegalStateException(
                    java.isEmpty()
                            ? "Trino needs Java 24 or later: set TRINO_JAVA_HOME or install one under /usr/lib/jvm"
                            : "Trino is not unpacked in " + HOME + ": run the tests through Maven");
        }
        Assumptions.assumeTrue(java.isPresent(), "no Java 24 or later for Trino (TRINO_JAVA_HOME, /usr/lib/jvm)");
        Assumptions.assumeTrue(installed, "Trino is not unpacked in " + HOME);
        return java.get();
    }

    /**
     * Starts Trino on {@code port} and waits until it answers a query.
     *
     * @param glue the emulator's endpoint (Glue)
     * @param s3 the stack's S3 endpoint
     */
    public static TrinoServer start(Path java, int port, URI glue, URI s3, Path dir) throws IOException {
        Path etc =
                Files.createDirectories(dir.resolve("etc").resolve("catalog")).getParent();
        Files.writeString(
                etc.resolve("config.properties"),
                String.join(
                        "\n",
                        "coordinator=true",
                        "node-scheduler.include-coordinator=true",
                        "http-server.http.port=" + port,
                        "discovery.uri=http://127.0.0.1:" + port,
                        "query.max-memory=512MB",
                        "query.max-memory-per-node=512MB",
                        "plugin.dir=" + PLUGINS.toAbsolutePath(),
                        ""));
        // Both connectors read the emulator's Glue catalog and the lake's S3.
        String glueAndS3 = String.join(
                "\n",
                "hive.metastore.glue.region=us-east-1",
                "hive.metastore.glue.endpoint-url=" + glue,
                "hive.metastore.glue.aws-access-key=local",
                "hive.metastore.glue.aws-secret-key=local",
                "fs.native-s3.enabled=true",
                "s3.endpoint=" + s3,
                "s3.region=us-east-1",
                "s3.path-style-access=true",
                "s3.aws-access-key=local",
                "s3.aws-secret-key=local");
        Files.writeString(
                etc.resolve("catalog").resolve(AthenaService.CATALOG + ".properties"),
                String.join(
                        "\n",
                        "connector.name=hive",
                        "hive.metastore=glue",
                        glueAndS3,
                        // Athena reads the files under a table's location, subfolders included, and writes CTAS
                        // results to an external location.
                        "hive.recursive-directories=true",
                        "hive.non-managed-table-writes-enabled=true",
                        "hive.non-managed-table-creates-enabled=true",
                        // An Iceberg table of the Glue catalog is read by the Iceberg connector, as Athena reads
                        // Iceberg and Hive tables of one catalog.
                        "hive.iceberg-catalog-name=" + ICEBERG_CATALOG,
                        ""));
        Files.writeString(
                etc.resolve("catalog").resolve(ICEBERG_CATALOG + ".properties"),
                String.join("\n", "connector.name=iceberg", "iceberg.catalog.type=glue", glueAndS3, ""));
        List<String> command = new ArrayList<>(List.of(
                java.resolve("bin").resolve("java").toString(),
                "-Xmx1G",
                "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError",
                "-Djdk.attach.allowAttachSelf=true",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dnode.environment=test",
                "-Dnode.id=dynamo-lake-test",
                "-Dnode.data-dir=" + dir.resolve("data"),
                "-Dconfig=etc/config.properties",
                "-Dlog.levels-file=etc/log.properties",
                "-cp",
                HOME.toAbsolutePath().resolve("lib") + "/*",
                "io.trino.server.TrinoServer"));
        Files.writeString(etc.resolve("log.properties"), "io.trino=WARN\nio.trino.server.Server=INFO\n");
        JavaProcess process = JavaProcess.run(command, dir);
        TrinoServer server = new TrinoServer(process, URI.create("http://127.0.0.1:" + port));
        try {
            process.awaitLine("SERVER STARTED", Duration.ofSeconds(180));
            // The coordinator announces itself as a worker a moment after it starts.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(server::answers);
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw e;
        }
        return server;
    }

    public URI uri() {
        return uri;
    }

    /**
     * The rows of a query run on this server directly (no Athena in between), every value as its JSON text: a
     * varchar as itself, a number as its digits, null as null.
     *
     * @throws IllegalStateException with Trino's message when the query fails
     */
    public List<List<String>> rows(String sql) throws IOException, InterruptedException {
        // A server just started announces its connectors to itself a while after it answers: until then a query that
        // reads a catalog's splits finds no node for it. That passes; any other error is the query's.
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreException(NoNodesYet.class)
                .until(() -> rowsOnce(sql), rows -> true);
    }

    /** Trino's error while no node serves a query's catalog yet. */
    private static final class NoNodesYet extends Exception {
        NoNodesYet(String message) {
            super(message);
        }
    }

    private List<List<String>> rowsOnce(String sql) throws IOException, InterruptedException, NoNodesYet {
        JsonNode r = JSON.readTree(http.send(
                        HttpRequest.newBuilder(uri.resolve("/v1/statement"))
                                .header("X-Trino-User", "test")
                                .POST(HttpRequest.BodyPublishers.ofString(sql))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
        List<List<String>> out = new ArrayList<>();
        while (true) {
            if (r.has("error")
                    && (r.path("error").path("errorName").asText().equals("NO_NODES_AVAILABLE")
                            || r.path("error").path("message").asText().startsWith("No nodes available"))) {
                throw new NoNodesYet(r.path("error").path("message").asText());
            }
            if (r.has("error")) {
                throw new IllegalStateException(
                        sql + ": " + r.path("error").path("message").asText() + causes(r.path("error")));
            }
            r.path("data").forEach(row -> {
                List<String> values = new ArrayList<>();
                row.forEach(v -> values.add(v.isNull() ? null : v.isTextual() ? v.asText() : v.toString()));
                out.add(values);
            });
            if (!r.hasNonNull("nextUri")) {
                return out;
            }
            r = JSON.readTree(http.send(
                            HttpRequest.newBuilder(URI.create(r.path("nextUri").asText()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
        }
    }

    /** The causes of a query's error, each as {@code ; caused by type: message}. */
    private static String causes(JsonNode error) {
        StringBuilder out = new StringBuilder();
        for (JsonNode c = error.path("failureInfo").path("cause"); !c.isMissingNode(); c = c.path("cause")) {
            out.append("; caused by ")
                    .append(c.path("type").asText())
                    .append(": ")
                    .append(c.path("message").asText());
        }
        return out.toString();
    }

    /** Whether the server runs queries: it answers one, and lists itself as an active node that takes work. */
    private boolean answers() throws IOException, InterruptedException {
        return rows("SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'")
                .equals(List.of(List.of("1")));
    }

    /** The newest JDK of version 24 or later: TRINO_JAVA_HOME, or one under /usr/lib/jvm. */
    static Optional<Path> java() {
        String configured = System.getenv("TRINO_JAVA_HOME");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> all = Files.list(jvms)) {
            return all.filter(p -> Files.isExecutable(p.resolve("bin").resolve("java")))
                    .filter(p -> feature(p) >= 24)
                    .max(Comparator.comparingInt(TrinoServer::feature));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The JDK's feature version, from its {@code release} file (JAVA_VERSION="25.0.1"); 0 when unknown. */
    private static int feature(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring(line.indexOf('"') + 1);
                    return Integer.parseInt(v.split("[.\"]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    @Override
    public void close() {
        try {
            process.stop(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
