package dynamolake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Configuration that fails fast: what an operator sees when a key is misspelt, a value does not fit or a required
 * key is empty, and that the catalog of keys, the properties files and README name the same keys.
 */
class ConfigCheckTest {
    @Test
    void aMisspeltKeyIsNamedWithTheKeyItMeant() {
        assertThat(problems("local", Map.of("views.bukets", "3"), Map.of()))
                .containsExactly("views.bukets: unknown key (did you mean views.buckets?)");
        assertThat(problems("local", Map.of(), Map.of("VIEWS_MEMORY_LIMT", "2GB")))
                .containsExactly(
                        "environment variable VIEWS_MEMORY_LIMT: unknown key (did you mean views.memory-limit?)");
        assertThat(problems("local", Map.of(), Map.of("VIEWS_MEMORY_LIMIT", "2GB", "AWS_REGION", "eu-west-1")))
                .isEmpty();
    }

    @Test
    void aKeyAnEarlierReleaseHadIsNamedWithTheKeyThatReplacedIt() {
        assertThat(problems("local", Map.of("aws.retry.max-redeliveries", "8"), Map.of()))
                .singleElement()
                .asString()
                .startsWith("aws.retry.max-redeliveries: unknown key (replaced by aws.retry.max-attempts");
        // The stream consumer's settings are the ddbstream component's options now.
        assertThat(problems("local", Map.of("stream.mode", "single"), Map.of("STREAM_IDLE_DELAY", "2s")))
                .containsExactly(
                        "stream.mode: unknown key (replaced by camel.component.ddbstream.mode, the stream component's"
                                + " option, which the component declares with its default)",
                        "environment variable STREAM_IDLE_DELAY: unknown key (replaced by"
                                + " camel.component.ddbstream.idle-delay, the stream component's option, which the"
                                + " component declares with its default)");
    }

    @Test
    void badValuesNameTheKeyWhatItExpectsAndWhatItWas() {
        assertThat(problems(
                        "local",
                        Map.of(
                                "export.cron", "0 0 2 * *",
                                "lake.bucket", "My_Lake",
                                "views.compaction-interval", "-5m",
                                "views.buckets", "5000",
                                "lake.prefix", "/tables/orders"),
                        Map.of()))
                .containsExactlyInAnyOrder(
                        "export.cron: expected a Quartz cron expression (seconds minutes hours day-of-month month"
                                + " day-of-week), such as 0 0 2 * * ? for 02:00 every day (Unexpected end of"
                                + " expression.), was '0 0 2 * *'",
                        "lake.bucket: expected an S3 bucket name (3-63 of lowercase letters, digits, dots and"
                                + " hyphens), was 'My_Lake'",
                        "views.compaction-interval: expected a positive duration such as 500ms, 30s, 15m or PT15M,"
                                + " was '-5m'",
                        "views.buckets: expected a whole number from 1 to 4096, was '5000'",
                        "lake.prefix: expected a key prefix ending with / and not starting with /, such as"
                                + " tables/orders/, was '/tables/orders'");
        assertThat(problems("local", Map.of("export.cron", "0 0 2 * * ?"), Map.of()))
                .isEmpty();
    }

    @Test
    void theAwsProfileNeedsTheNamesOfTheAccountsResources() {
        assertThat(problems("aws", Map.of(), Map.of()))
                .containsExactly(
                        "table.name: missing; expected a DynamoDB table name (3-255 of letters, digits, _ . -)",
                        "lake.bucket: missing; expected an S3 bucket name (3-63 of lowercase letters, digits, dots"
                                + " and hyphens)",
                        "lake.prefix: missing; expected a key prefix ending with / and not starting with /, such"
                                + " as tables/orders/",
                        "firehose.delivery-stream: missing; expected a Firehose delivery stream name (1-64 of"
                                + " letters, digits, _ . -)",
                        "export.bucket: missing; expected an S3 bucket name (3-63 of lowercase letters, digits,"
                                + " dots and hyphens)",
                        "export.queue: missing; expected an SQS queue name (1-80 of letters, digits, _ -)");
        assertThat(problems(
                        "aws",
                        Map.of(
                                "table.name", "orders",
                                "lake.bucket", "acme-lake",
                                "lake.prefix", "tables/orders/",
                                "firehose.delivery-stream", "orders-deltas",
                                "export.bucket", "acme-exports",
                                "export.queue", "orders-export-files"),
                        Map.of()))
                .isEmpty();
    }

    @Test
    void jolokiaControlNeedsCredentials() throws IOException {
        String needsCredentials = "observe.jolokia.allow-control: true needs credentials for Jolokia; set"
                + " observe.jolokia.token-file (a file holding a bearer token) or"
                + " camel.management.authentication-enabled=true with camel.management.basic-properties-file (a file"
                + " of user.<name> = <password> lines)";
        assertThat(problems("local", Map.of("observe.jolokia.allow-control", "true"), Map.of()))
                .containsExactly(needsCredentials);
        assertThat(problems(
                        "aws",
                        Map.of(
                                "observe.jolokia.allow-control", "true",
                                "camel.management.basic-properties-file", "/etc/dynamo-lake/users.properties"),
                        Map.of()))
                .as("a users file Camel does not use authenticates nobody")
                .contains(needsCredentials);

        Path token = Files.writeString(Files.createTempFile("jolokia", ".token"), "3f9c2a7e41b6d805e2c4\n");
        assertThat(problems(
                        "local",
                        Map.of("observe.jolokia.allow-control", "true", "observe.jolokia.token-file", token.toString()),
                        Map.of()))
                .isEmpty();
        for (String enabled :
                List.of("camel.management.authentication-enabled", "camel.management.authenticationEnabled")) {
            String file = enabled.endsWith("Enabled")
                    ? "camel.management.basicPropertiesFile"
                    : "camel.management.basic-properties-file";
            assertThat(problems(
                            "local",
                            Map.of(
                                    "observe.jolokia.allow-control",
                                    "true",
                                    enabled,
                                    "true",
                                    file,
                                    "/etc/dynamo-lake/users.properties"),
                            Map.of()))
                    .isEmpty();
        }
        assertThat(problems(
                        "local",
                        Map.of(
                                "observe.jolokia.token-file", token.toString(),
                                "camel.management.authentication-enabled", "true",
                                "camel.management.basic-properties-file", "/etc/dynamo-lake/users.properties"),
                        Map.of()))
                .containsExactly("observe.jolokia.token-file: set it or camel.management.authentication-enabled, not"
                        + " both (Camel's authentication answers a bearer token with 401)");

        Path shortToken = Files.writeString(Files.createTempFile("jolokia", ".token"), "secret\n");
        assertThat(problems(
                        "local",
                        Map.of(
                                "observe.jolokia.allow-control",
                                "true",
                                "observe.jolokia.token-file",
                                shortToken.toString()),
                        Map.of()))
                .containsExactly("observe.jolokia.token-file: expected a readable file holding a token of at least 16"
                        + " characters, was '" + shortToken + "'");
    }

    @Test
    void theStreamComponentsOptionsAreHeldAgainstItsRulesBeforeAnythingStarts() {
        assertThat(problems(
                        "local",
                        Map.of(
                                "camel.component.ddbstream.idel-delay", "1s",
                                "camel.component.ddbstream.checkpoint-table", "other",
                                "camel.component.ddbstream.max-records-per-request", "many"),
                        Map.of()))
                .containsExactlyInAnyOrder(
                        "camel.component.ddbstream.checkpoint-table: set checkpoint.table instead, which the views and"
                                + " the exports share",
                        "camel.component.ddbstream.idel-delay: unknown option of the stream component",
                        "camel.component.ddbstream.max-records-per-request: cannot be read as the option's type, was"
                                + " 'many'");
        assertThat(problems("local", Map.of("camel.component.ddbstream.idle-delay", "0"), Map.of()))
                .containsExactly("idleDelay (camel.component.ddbstream.idle-delay): expected a positive duration such"
                        + " as 500ms, 30s or 15m, was '0 ms'");
        assertThat(problems(
                        "local",
                        Map.of(
                                "camel.component.ddbstream.idle-delay", "250ms",
                                "camel.component.ddbstream.lease-duration", "1m"),
                        Map.of()))
                .isEmpty();
    }

    /**
     * The problems ConfigCheck finds with the jar's properties files and {@code profile}'s (which override them, as
     * in Camel Main), {@code system} as system properties and {@code env} as the environment.
     */
    private static List<String> problems(String profile, Map<String, String> system, Map<String, String> env) {
        return ConfigCheckAccess.problems(profile, Map.of(), system, env);
    }
}
