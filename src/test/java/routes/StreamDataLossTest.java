package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.s;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.Lake;
import testsupport.LocalStackExtension;

/**
 * Records trimmed from the stream before the application read them (it was down longer than the retention): data
 * loss. It must be logged, counted and shown DOWN in health, and never skipped silently: by default the shard stops
 * there; only camel.component.ddbstream.resume-from-trim-horizon=true lets it go on.
 */
class StreamDataLossTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static void put(String table, String key) {
        aws.dynamoDb().putItem(b -> b.tableName(table).item(item("pk", s(key))));
    }

    private static boolean landed(Lake lake, String key) {
        return lake.envelopes().stream()
                .anyMatch(e -> e.path("keys").path("pk").asText().equals(key));
    }

    private static HealthCheck.Result health(Main app, String table) {
        CamelContext context = app.getCamelContext();
        return HealthCheckRegistry.get(context)
                .getCheck("ddbstream-" + table)
                .orElseThrow()
                .call();
    }

    private static double dataLoss(Main app) {
        return app.getCamelContext()
                .getRegistry()
                .findSingleByType(MeterRegistry.class)
                .find("dynamolake.stream.data.loss")
                .counter()
                .count();
    }

    /** Runs the application until it has landed the key, then stops it; its checkpoint is after that key. */
    private static void consumeUntil(String table, String key) {
        Main app = Apps.against(aws, table, Map.of());
        app.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> landed(Apps.lake(aws, table), key));
        } finally {
            app.stop();
        }
    }

    /**
     * The application reads "read-before" and stops; "lost" is written and trimmed away before it runs again;
     * "after-the-loss" is written after the trim.
     */
    private static void loseRecords(String table) {
        Fixtures.createTable(aws.dynamoDb(), table, null, StreamViewType.NEW_AND_OLD_IMAGES);
        put(table, "read-before");
        consumeUntil(table, "read-before");
        put(table, "lost");
        aws.stack().emulator().faults().trimStream(table);
        put(table, "after-the-loss");
    }

    @Test
    void trimmedRecordsStopTheShardAndTurnHealthDown() {
        String table = "loss-stop";
        loseRecords(table);

        Main app = Apps.against(aws, table, Map.of());
        app.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> dataLoss(app) >= 1);
            HealthCheck.Result result = health(app, table);
            assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(result.getMessage())
                    .hasValueSatisfying(m -> assertThat(m).contains("trimmed"));
            assertThat(result.getDetails()).containsKey("dataLoss");
            // Give the consumer time it would need to move on, then check it did not.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !landed(Apps.lake(aws, table), "after-the-loss"));
        } finally {
            app.stop();
        }
    }

    @Test
    void withPermissionItGoesOnFromTheTrimHorizonButStillReportsTheLoss() {
        String table = "loss-resume";
        loseRecords(table);

        Main app = Apps.against(aws, table, Map.of("camel.component.ddbstream.resume-from-trim-horizon", "true"));
        app.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> landed(Apps.lake(aws, table), "after-the-loss"));
            assertThat(dataLoss(app)).isEqualTo(1);
            assertThat(health(app, table).getState())
                    .as("the loss stays visible")
                    .isEqualTo(HealthCheck.State.DOWN);
            assertThat(landed(Apps.lake(aws, table), "lost")).isFalse();
        } finally {
            app.stop();
        }
    }
}
