package testsupport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTCatalogProperties;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.RESTUtil;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;

/**
 * An Iceberg REST catalog for tests, in this JVM: the routes of Iceberg's REST specification that a writer and a
 * reader of tables use, answered by Iceberg's own {@link CatalogHandlers} over an in-memory catalog (table metadata
 * in memory, data and manifests where the writer puts them). What {@code lake.catalog.type=rest} talks to.
 */
public final class IcebergRestCatalog implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IcebergRestCatalog.class);
    /** As Iceberg's own REST mapper: kebab-case fields, read and written as fields. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy())
            .setVisibility(
                    com.fasterxml.jackson.annotation.PropertyAccessor.FIELD,
                    com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static {
        RESTSerializers.registerAll(JSON);
    }

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final HttpServer server;
    /** Commits answered, for tests that count them. */
    private volatile int commits;

    public IcebergRestCatalog() throws IOException {
        catalog.initialize("rest-backend", Map.of());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/", this::handle);
        server.start();
    }

    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int commits() {
        return commits;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            List<String> path = List.of(exchange.getRequestURI()
                    .getRawPath()
                    .substring("/v1/".length())
                    .split("/"));
            try {
                Object response = route(method, path, exchange);
                if (response == null) {
                    exchange.sendResponseHeaders(204, -1);
                } else {
                    send(exchange, 200, JSON.writeValueAsBytes(response));
                }
            } catch (NoSuchTableException | NoSuchNamespaceException e) {
                error(exchange, 404, e);
            } catch (AlreadyExistsException | CommitFailedException e) {
                error(exchange, 409, e);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                error(exchange, 400, e);
            } catch (RuntimeException e) {
                LOG.error("Iceberg REST catalog: {} {} failed", method, path, e);
                error(exchange, 500, e);
            }
        }
    }

    private Object route(String method, List<String> path, HttpExchange exchange) throws IOException {
        if (path.equals(List.of("config")) && method.equals("GET")) {
            return ConfigResponse.builder().build();
        }
        if (path.size() == 1 && path.get(0).equals("namespaces") && method.equals("POST")) {
            return CatalogHandlers.createNamespace(catalog, read(exchange, CreateNamespaceRequest.class));
        }
        if (path.size() < 2 || !path.get(0).equals("namespaces")) {
            throw new UnsupportedOperationException(method + " /v1/" + String.join("/", path));
        }
        Namespace namespace = RESTUtil.decodeNamespace(path.get(1), "%1F");
        if (path.size() == 2) {
            if (method.equals("HEAD")) {
                CatalogHandlers.namespaceExists(catalog, namespace);
                return null;
            }
            return CatalogHandlers.loadNamespace(catalog, namespace);
        }
        if (path.size() == 3 && path.get(2).equals("tables")) {
            if (method.equals("POST")) {
                CreateTableRequest request = read(exchange, CreateTableRequest.class);
                return request.stageCreate()
                        ? CatalogHandlers.stageTableCreate(catalog, namespace, request)
                        : CatalogHandlers.createTable(catalog, namespace, request);
            }
            return CatalogHandlers.listTables(catalog, namespace);
        }
        if (path.size() == 4 && path.get(2).equals("tables")) {
            TableIdentifier id = TableIdentifier.of(namespace, RESTUtil.decodeString(path.get(3)));
            switch (method) {
                case "HEAD" -> {
                    CatalogHandlers.tableExists(catalog, id);
                    return null;
                }
                case "GET" -> {
                    return CatalogHandlers.loadTable(catalog, id, RESTCatalogProperties.SnapshotMode.ALL);
                }
                case "POST" -> {
                    synchronized (this) { // one commit at a time, as a catalog's lock would
                        var response =
                                CatalogHandlers.updateTable(catalog, id, read(exchange, UpdateTableRequest.class));
                        commits++;
                        return response;
                    }
                }
                default -> throw new UnsupportedOperationException(method + " " + id);
            }
        }
        throw new UnsupportedOperationException(method + " /v1/" + String.join("/", path));
    }

    private static <T> T read(HttpExchange exchange, Class<T> type) throws IOException {
        return JSON.readValue(exchange.getRequestBody().readAllBytes(), type);
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void error(HttpExchange exchange, int status, Exception e) throws IOException {
        ErrorResponse response = ErrorResponse.builder()
                .responseCode(status)
                .withType(e.getClass().getSimpleName())
                .withMessage(String.valueOf(e.getMessage()))
                .build();
        send(exchange, status, ErrorResponseParser.toJson(response).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
        catalog.close();
    }
}
