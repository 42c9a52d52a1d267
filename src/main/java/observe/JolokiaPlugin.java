package observe;

import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.management.RuntimeMBeanException;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.plugin.JolokiaPlatformHttpPlugin;
import org.apache.camel.support.service.ServiceSupport;
import org.jolokia.core.api.LogHandler;
import org.jolokia.json.JSONObject;
import org.jolokia.json.JSONStructure;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.service.JolokiaServiceManagerFactory;
import org.jolokia.server.core.service.api.JolokiaServiceManager;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.service.jmx.LocalRequestHandler;
import org.jolokia.service.serializer.JolokiaSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jolokia on the management port ({@code /observe/jolokia}) with the access policy the operator chose: Camel's own
 * plugin reads its policy only from {@code classpath:/jolokia-access.xml}, so the choice between reading and
 * controlling ({@code observe.jolokia.allow-control}) could not be a property. Bound under the id {@code jolokia},
 * which Camel's management server looks up before its own; requests are handled as Camel's plugin handles them,
 * once {@link JolokiaAuthentication} lets them in (401 otherwise).
 */
public final class JolokiaPlugin extends ServiceSupport implements JolokiaPlatformHttpPlugin {
    /** Reads, lists, searches and Camel's {@code dump*} operations (route diagrams): what Hawtio shows. */
    public static final String READ_ONLY_POLICY = "/observe/jolokia-read-only.xml";
    /** The operations control adds: a route's start, stop, suspend and resume, and the project's own. */
    public static final String CONTROL_POLICY = "/observe/jolokia-control.xml";

    private static final Logger LOG = LoggerFactory.getLogger(JolokiaPlugin.class);

    private final boolean allowControl;
    private final JolokiaAuthentication authentication;
    private CamelContext camelContext;
    private JolokiaServiceManager serviceManager;
    private HttpRequestHandler requestHandler;
    private Handler<RoutingContext> handler;

    /**
     * Read-only, or with {@code allowControl} also the operations of {@link #CONTROL_POLICY}; {@code bearerToken}
     * (null: none) is then needed by every request.
     */
    public JolokiaPlugin(boolean allowControl, String bearerToken) {
        this.allowControl = allowControl;
        this.authentication = JolokiaAuthentication.of(allowControl, bearerToken);
    }

    @Override
    public String getId() {
        return "jolokia";
    }

    @Override
    public Object getHandler() {
        return handler;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    protected void doStart() throws IOException {
        Restrictor restrictor = allowControl
                ? new ControlPolicy(policy(READ_ONLY_POLICY), policy(CONTROL_POLICY))
                : policy(READ_ONLY_POLICY);
        var config = new StaticConfiguration(ConfigKey.AGENT_ID, "dynamo-lake-" + Integer.toHexString(hashCode()));
        serviceManager = JolokiaServiceManagerFactory.createJolokiaServiceManager(config, new Log(), restrictor);
        serviceManager.addService(new JolokiaSerializer());
        serviceManager.addService(new LocalRequestHandler(1));
        requestHandler = new HttpRequestHandler(serviceManager.start());
        handler = this::handle;
        LOG.info(
                "Jolokia access: {}",
                allowControl
                        ? "reads and the operations of " + CONTROL_POLICY + " (observe.jolokia.allow-control=true)"
                        : "read-only, " + READ_ONLY_POLICY + " (observe.jolokia.allow-control=false)");
    }

    /** A Jolokia policy in the jar. */
    private static PolicyRestrictor policy(String resource) throws IOException {
        try (InputStream in = JolokiaPlugin.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Jolokia access policy " + resource + " is missing from the jar");
            }
            return new PolicyRestrictor(in);
        }
    }

    @Override
    protected void doStop() {
        if (serviceManager != null) {
            serviceManager.stop();
        }
    }

    private void handle(RoutingContext ctx) {
        String refusal = authentication.refusal(ctx);
        if (refusal != null) {
            unauthorized(ctx, refusal);
            return;
        }
        HttpServerRequest request = ctx.request();
        String path = Utils.pathOffset(request.path(), ctx);
        int status = 200;
        JSONStructure json;
        try {
            String remote = request.remoteAddress() == null
                    ? null
                    : request.remoteAddress().host();
            requestHandler.checkAccess(request.scheme(), remote, remote, origin(request));
            if (request.method() == HttpMethod.GET) {
                json = requestHandler.handleGetRequest(request.uri(), path, params(request.params()));
            } else {
                if (ctx.body() == null || ctx.body().buffer() == null) {
                    throw new IllegalArgumentException("Missing body");
                }
                try (InputStream in = new ByteBufInputStream(ctx.body().buffer().getByteBuf())) {
                    json = requestHandler.handlePostRequest(
                            request.uri(), in, StandardCharsets.UTF_8.name(), params(request.params()));
                }
            }
        } catch (RuntimeMBeanException e) {
            status = 500;
            json = requestHandler.handleThrowable(e.getTargetException());
        } catch (Throwable e) {
            status = e instanceof SecurityException ? 403 : 500;
            json = requestHandler.handleThrowable(e);
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(json == null ? "" : json.toJSONString());
    }

    private void unauthorized(RoutingContext ctx, String reason) {
        JSONObject json = new JSONObject();
        json.put("status", 401);
        json.put("error", reason);
        ctx.response()
                .setStatusCode(401)
                .putHeader("WWW-Authenticate", authentication.challenge())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(json.toJSONString());
    }

    private static Map<String, String[]> params(MultiMap params) {
        Map<String, String[]> result = new HashMap<>();
        for (String name : params.names()) {
            result.put(name, params.getAll(name).toArray(String[]::new));
        }
        return result;
    }

    private static String origin(HttpServerRequest request) {
        String origin = request.getHeader("Origin");
        if (origin == null) {
            origin = request.getHeader("Referer");
        }
        return origin == null ? null : origin.replaceAll("[\\n\\r]*", "");
    }

    /** Jolokia's log lines, through the application's logging. */
    private static final class Log implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.debug(message);
        }

        @Override
        public void info(String message) {
            LOG.debug(message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.error(message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isDebugEnabled();
        }
    }
}
