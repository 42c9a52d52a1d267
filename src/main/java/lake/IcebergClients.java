package lake;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.aws.AwsClientFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Hands Apache Iceberg's Glue catalog and S3FileIO the application's own clients (Iceberg's {@code client.factory}),
 * so Iceberg reaches the lake with the same endpoints, role, retries and encryption as everything else: no second
 * set of AWS settings. Iceberg creates the factory by its name and initialises it with the catalog's properties;
 * {@value #CLIENTS} names the clients {@link #register} was given.
 */
public final class IcebergClients implements AwsClientFactory {
    /** The catalog property naming the registered clients. */
    public static final String CLIENTS = "dynamo-lake.clients";

    private static final Map<String, Clients> REGISTERED = new ConcurrentHashMap<>();

    private record Clients(S3Client s3, GlueClient glue) {}

    private transient Clients clients;

    /** Registers the lake side's clients; returns the value of {@value #CLIENTS} that finds them. */
    public static String register(S3Client s3, GlueClient glue) {
        String id = UUID.randomUUID().toString();
        REGISTERED.put(id, new Clients(s3, glue));
        return id;
    }

    /** Forgets registered clients (the application's context stopped). */
    public static void unregister(String id) {
        REGISTERED.remove(id);
    }

    @Override
    public void initialize(Map<String, String> properties) {
        String id = properties.get(CLIENTS);
        clients = id == null ? null : REGISTERED.get(id);
        if (clients == null) {
            throw new IllegalStateException("No clients registered as " + CLIENTS + "=" + id);
        }
    }

    @Override
    public S3Client s3() {
        return unclosable(S3Client.class, clients.s3());
    }

    @Override
    public GlueClient glue() {
        if (clients.glue() == null) {
            throw new UnsupportedOperationException("This catalog has no Glue client (lake.catalog.type is not glue)");
        }
        return unclosable(GlueClient.class, clients.glue());
    }

    /**
     * The client, with {@code close()} doing nothing. Iceberg closes a table's S3FileIO, and with it the client, once
     * the table is no longer referenced (its FileIOTracker); the application's clients serve every route and are
     * closed only with the application.
     */
    static <T extends SdkAutoCloseable> T unclosable(Class<T> type, T client) {
        InvocationHandler forward = (proxy, method, args) -> {
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null;
            }
            try {
                return method.invoke(client, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, forward));
    }

    @Override
    public S3AsyncClient s3Async() {
        throw new UnsupportedOperationException("The lake's Iceberg tables are read and written synchronously");
    }

    @Override
    public KmsClient kms() {
        throw new UnsupportedOperationException("Encryption is S3's server-side encryption (lake.sse), not Iceberg's");
    }

    @Override
    public DynamoDbClient dynamo() {
        throw new UnsupportedOperationException("Commits are Glue's optimistic VersionId check, not a DynamoDB lock");
    }
}
