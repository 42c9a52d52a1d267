package localaws.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulator's HTTP front: one port serving every {@link AwsJsonService} by its X-Amz-Target prefix, plus the
 * admin API under {@code /_localaws/}. Before each call it asks the {@link CallInterceptor} whether to fail it
 * (fault injection) and it answers errors in AWS's JSON error shape, so the AWS SDK raises the same exception
 * classes as against AWS.
 */
public final class AwsHttpServer implements AutoCloseable {
    /** Requests and responses are plain JSON; floats are read as BigDecimal so no number is rounded. */
    public static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final Logger LOG = LoggerFactory.getLogger(AwsHttpServer.class);

    static {
        // The JDK server writes headers and body in separate packets; with Nagle's algorithm and delayed ACKs every
        // response then waits about 40 ms. Read once, when the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Decides, before an operation runs, whether it fails (throttling faults) and counts calls. */
    public interface CallInterceptor {
        /** Throws the error the call must fail with, or returns to let it run. */
        void beforeCall(String target);
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, AwsJsonService> services = new LinkedHashMap<>();
    private final CallInterceptor interceptor;
    private final AwsQueryService query;

    /**
     * Binds the port (0 picks a free one) and starts serving.
     *
     * @throws BindException naming the port when it is taken
     */
    public AwsHttpServer(
            String host,
            int port,
            List<AwsJsonService> services,
            HttpHandler admin,
            CallInterceptor interceptor,
            AwsQueryService query,
            int threads)
            throws IOException {
        this.query = query;
        for (AwsJsonService s : services) {
            this.services.put(s.targetPrefix(), s);
        }
        this.interceptor = interceptor;
        try {
            this.server = HttpServer.create(new InetSocketAddress(host, port), 256);
        } catch (BindException e) {
            throw new BindException("port " + port + " on " + host + " is already in use");
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "localaws-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/_localaws/", admin);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            serve(exchange);
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        AwsJsonService service = null;
        try {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (target == null
                    && "POST".equals(exchange.getRequestMethod())
                    && type != null
                    && type.startsWith("application/x-www-form-urlencoded")) {
                serveQuery(exchange, requestId);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod()) || target == null || target.indexOf('.') < 0) {
                sendPlain(
                        exchange,
                        400,
                        "dynamo-lake local AWS emulator: send AWS JSON requests (POST / with"
                                + " X-Amz-Target); the admin API is under /_localaws/\n");
                return;
            }
            String prefix = target.substring(0, target.indexOf('.'));
            String operation = target.substring(target.indexOf('.') + 1);
            service = services.get(prefix);
            if (service == null) {
                throw new AwsServiceException("UnknownOperationException", 400, "unknown service " + prefix);
            }
            JsonNode request = readBody(exchange.getRequestBody());
            interceptor.beforeCall(target);
            Object result = service.handle(operation, request);
            byte[] body = result instanceof byte[] bytes ? bytes : JSON.writeValueAsBytes(result);
            send(exchange, 200, service.contentType(), body, requestId);
        } catch (AwsServiceException e) {
            LOG.debug("{} answered {}: {}", requestId, e.errorCode(), e.getMessage());
            sendError(exchange, service, e, requestId);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            LOG.warn("Local AWS emulator failed on a request", e);
            sendError(
                    exchange,
                    service,
                    new AwsServiceException("InternalServerError", 500, String.valueOf(e)),
                    requestId);
        }
    }

    /** The Query protocol (form POST, XML answer): STS's AssumeRole. */
    private void serveQuery(HttpExchange exchange, String requestId) throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        try {
            interceptor.beforeCall("AWSSecurityTokenServiceV20110615." + params.getOrDefault("Action", ""));
            byte[] body = query.handle(params).getBytes(StandardCharsets.UTF_8);
            send(exchange, 200, "text/xml", body, requestId);
        } catch (AwsServiceException e) {
            send(exchange, e.status(), "text/xml", query.error(e).getBytes(StandardCharsets.UTF_8), requestId);
        }
    }

    private static JsonNode readBody(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new AwsServiceException("SerializationException", 400, "request body is not JSON: " + e.getMessage());
        }
    }

    private static void sendError(
            HttpExchange exchange, AwsJsonService service, AwsServiceException e, String requestId) throws IOException {
        String prefix = service == null ? "" : service.errorTypePrefix();
        ObjectNode body = JSON.createObjectNode();
        body.put("__type", prefix + e.errorCode());
        body.put("message", e.getMessage());
        if (e.item() != null) {
            body.set("Item", e.item());
        }
        exchange.getResponseHeaders().add("x-amzn-ErrorType", e.errorCode());
        String type = service == null ? "application/x-amz-json-1.0" : service.contentType();
        send(exchange, e.status(), type, JSON.writeValueAsBytes(body), requestId);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body, String requestId)
            throws IOException {
        CRC32 crc = new CRC32();
        crc.update(body);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.getResponseHeaders().add("x-amzn-RequestId", requestId);
        exchange.getResponseHeaders().add("x-amz-crc32", Long.toString(crc.getValue()));
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** Answers a plain-text body, for people and the admin API. */
    public static void sendPlain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
