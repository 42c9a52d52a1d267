package dynamolake;

import org.apache.camel.main.Main;

/**
 * dynamo-lake: lands a DynamoDB table in an S3 data lake and keeps it current. Starts Camel Main; the profile
 * ({@code camel.main.profile}, {@code local} by default) picks the configuration classes and routes listed in
 * {@code application.properties} and {@code application-<profile>.properties}.
 */
public final class DynamoLake {
    private DynamoLake() {}

    public static void main(String... args) throws Exception {
        new Main().run(args);
    }
}
