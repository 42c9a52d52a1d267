package localaws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import localaws.nio2blob.EncryptingFilesystemBlobStore;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole local AWS in one process: S3Proxy keeping buckets as folders under a data folder, ElasticMQ for SQS,
 * and the project's emulator for DynamoDB, DynamoDB Streams, exports and Firehose. {@link #close()} stops all three
 * and leaves no thread or port behind.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(LocalStackSettings.onFreePorts(Path.of("target/lake")))) {
 *     URI dynamodb = stack.emulatorEndpoint(); URI s3 = stack.s3Endpoint(); URI sqs = stack.sqsEndpoint();
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    /** Which server of the stack could not listen. */
    public enum Component {
        EMULATOR,
        S3,
        SQS
    }

    /** A port of the stack is taken by another process. */
    public static final class PortInUseException extends IllegalStateException {
        private final Component component;
        private final int port;

        PortInUseException(Component component, String host, int port) {
            super(component + " cannot listen on " + host + ":" + port + ": the port is already in use");
            this.component = component;
            this.port = port;
        }

        public Component component() {
            return component;
        }

        public int port() {
            return port;
        }
    }

    /** The file in the data folder that keeps the local Glue Data Catalog (the Iceberg tables' catalog). */
    public static final String GLUE_CATALOG_FILE = ".glue-catalog.json";

    private final S3Proxy s3;
    private final SQSRestServer sqs;
    private final LocalAws emulator;
    private final URI s3Endpoint;
    private final URI sqsEndpoint;
    private final Path dataDir;

    private LocalStack(
            S3Proxy s3, URI s3Endpoint, SQSRestServer sqs, URI sqsEndpoint, LocalAws emulator, Path dataDir) {
        this.s3 = s3;
        this.s3Endpoint = s3Endpoint;
        this.sqs = sqs;
        this.sqsEndpoint = sqsEndpoint;
        this.emulator = emulator;
        this.dataDir = dataDir;
    }

    /**
     * Starts S3Proxy, ElasticMQ and the emulator, in that order; when one fails the others are stopped again.
     *
     * @throws PortInUseException naming the server whose port is taken
     */
    public static LocalStack start(LocalStackSettings settings) throws IOException {
        String host = settings.host();
        int s3Port = freeOrGiven(host, settings.s3Port(), Component.S3);
        int sqsPort = freeOrGiven(host, settings.sqsPort(), Component.SQS);
        // The emulator binds last, after S3 and SQS have started: asked for any port, it takes one as it binds, so no
        // other process can take the port between a check and the bind.
        int emulatorPort =
                settings.emulatorPort() == 0 ? 0 : freeOrGiven(host, settings.emulatorPort(), Component.EMULATOR);
        Files.createDirectories(settings.dataDir());
        URI s3Endpoint = URI.create("http://" + host + ":" + s3Port);
        S3Proxy s3 = startS3(settings.dataDir(), s3Endpoint);
        SQSRestServer sqs = null;
        try {
            sqs = SQSRestServerBuilder.withInterface(host)
                    .withPort(sqsPort)
                    .withAWSRegion(settings.region())
                    .withAWSAccountId("000000000000")
                    .start();
            sqs.waitUntilStarted();
            URI sqsEndpoint = URI.create("http://" + host + ":" + sqsPort);
            LocalAwsSettings aws = settings.emulator()
                    .apply(LocalAwsSettings.defaults(s3Endpoint).withPort(emulatorPort));
            LocalAws emulator;
            try {
                emulator = LocalAws.start(aws);
            } catch (BindException e) {
                throw new PortInUseException(Component.EMULATOR, host, emulatorPort);
            }
            // The catalog of the lake's tables lives beside the buckets: a restart finds both as they were.
            emulator.glue().keepIn(settings.dataDir().resolve(GLUE_CATALOG_FILE));
            LOG.info(
                    "Local stack ready: S3 (S3Proxy) {} keeping buckets in {}, SQS (ElasticMQ) {}, DynamoDB,"
                            + " Streams and Firehose {}",
                    s3Endpoint,
                    settings.dataDir().toAbsolutePath(),
                    sqsEndpoint,
                    emulator.endpoint());
            return new LocalStack(s3, s3Endpoint, sqs, sqsEndpoint, emulator, settings.dataDir());
        } catch (RuntimeException | IOException e) {
            if (sqs != null) {
                sqs.stopAndWait();
            }
            stopQuietly(s3);
            throw e;
        }
    }

    private static S3Proxy startS3(Path dataDir, URI endpoint) throws IOException {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new EncryptingFilesystemBlobStore(dataDir))
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.NONE, null, null)
                // Clients on an assumed role send x-amz-security-token; S3Proxy checks no credentials anyway.
                .ignoreUnknownHeaders(true)
                .build();
        try {
            proxy.start();
            while (!"STARTED".equals(proxy.getState())) {
                if ("FAILED".equals(proxy.getState())) {
                    throw new IOException("S3Proxy failed to start on " + endpoint);
                }
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("S3Proxy failed to start on " + endpoint + ": " + e, e);
        }
        return proxy;
    }

    /**
     * The given port after checking it is free, or a free port when 0.
     *
     * @throws PortInUseException when the given port is taken
     */
    static int freeOrGiven(String host, int port, Component component) {
        try (ServerSocket socket = new ServerSocket()) {
            // As the servers themselves do: a port whose last connections are in TIME_WAIT is free to listen on.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return socket.getLocalPort();
        } catch (BindException e) {
            throw new PortInUseException(component, host, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI emulatorEndpoint() {
        return emulator.endpoint();
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    public URI sqsEndpoint() {
        return sqsEndpoint;
    }

    public Path dataDir() {
        return dataDir;
    }

    public LocalAws emulator() {
        return emulator;
    }

    /** Stops the emulator first (it delivers buffered Firehose records into S3), then ElasticMQ, then S3Proxy. */
    @Override
    public void close() {
        emulator.close();
        sqs.stopAndWait();
        stopQuietly(s3);
        LOG.info("Local stack stopped");
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            LOG.warn("S3Proxy did not stop cleanly", e);
        }
    }
}
