package hawtio;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;

/**
 * Hawtio 4 (Maven Central's {@code io.hawt:hawtio-default} war) in an embedded Jetty, connected to a running
 * dynamo-lake: {@code http://localhost:<port>/} stores the connection to the app's Jolokia in the browser (Hawtio
 * keeps connections there) and opens the Camel routes of that connection. Hawtio reaches the app through its own
 * proxy, since the management port answers no CORS requests.
 *
 * <pre>
 * ./mvnw -q -Phawtio test-compile exec:exec                                  # app on localhost:8080
 * ./mvnw -q -Phawtio test-compile exec:exec -Dhawtio.app=http://localhost:9090/observe/jolokia -Dhawtio.port=8091
 * </pre>
 */
public final class HawtioConsole implements AutoCloseable {
    /** The connection's id in Hawtio: {@code ?con=dynamo-lake}. */
    public static final String CONNECTION = "dynamo-lake";

    private final Server server;

    private HawtioConsole(Server server) {
        this.server = server;
    }

    /** Starts Hawtio on {@code port} (0: any free one) with a connection to {@code jolokia}. */
    public static HawtioConsole start(Path war, int port, URI jolokia) throws Exception {
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(
                    war + " is missing: build it with ./mvnw test-compile (the hawtio-war step copies it)");
        }
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.proxyAllowlist", "localhost,127.0.0.1," + jolokia.getHost());
        System.setProperty("hawtio.localAddressProbing", "false");
        Server server = new Server(port);
        WebAppContext hawtio = new WebAppContext();
        hawtio.setContextPath("/hawtio");
        hawtio.setWar(war.toString());
        hawtio.setTempDirectory(Files.createTempDirectory("hawtio-").toFile());
        ContextHandler connect = new ContextHandler(new ConnectPage(jolokia), "/");
        server.setHandler(new ContextHandlerCollection(hawtio, connect));
        server.start();
        return new HawtioConsole(server);
    }

    /** The page that connects Hawtio to the app: {@code http://localhost:<port>/}. */
    public URI connectUri() {
        return server.getURI().resolve("/");
    }

    public int port() {
        return server.getURI().getPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    public static void main(String... args) throws Exception {
        URI jolokia = URI.create(System.getProperty("hawtio.app", "http://localhost:8080/observe/jolokia"));
        int port = Integer.getInteger("hawtio.port", 8090);
        Path war = Path.of(System.getProperty("hawtio.war", "target/hawtio/hawtio.war"));
        HawtioConsole console = start(war, port, jolokia);
        System.out.println("Hawtio is connected to " + jolokia + ": open http://localhost:" + console.port()
                + "/ (the app's Camel routes); Ctrl-C stops it.");
        console.server.join();
    }

    /** Stores the connection where Hawtio reads it (the browser's localStorage) and opens the routes. */
    private static final class ConnectPage extends Handler.Abstract {
        private final String html;

        ConnectPage(URI jolokia) {
            int port = jolokia.getPort() > 0 ? jolokia.getPort() : 80;
            String connection = "{\"" + CONNECTION + "\":{\"id\":\"" + CONNECTION + "\",\"name\":\"" + CONNECTION
                    + "\",\"scheme\":\"" + jolokia.getScheme() + "\",\"host\":\"" + jolokia.getHost()
                    + "\",\"port\":" + port + ",\"path\":\"" + jolokia.getPath() + "\"}}";
            this.html = "<!DOCTYPE html><html><head><title>dynamo-lake in Hawtio</title></head><body><script>"
                    + "localStorage.setItem('connect.connections', JSON.stringify(" + connection + "));"
                    + "location.replace('/hawtio/camel/routes?con=" + CONNECTION + "');"
                    + "</script>Connecting Hawtio to " + jolokia + "</body></html>";
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!Request.getPathInContext(request).equals("/")) {
                return false;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            Content.Sink.write(response, true, html, callback);
            return true;
        }
    }
}
