package dynamolake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import testsupport.JavaProcess;

/** A configuration that does not fit, as the user meets it: the application started as a process of its own. */
class ConfigCheckIT {
    @Test
    void theApplicationStopsAtOnceWithOneLineAndStatus2() throws Exception {
        try (JavaProcess app = JavaProcess.start(
                "dynamolake.DynamoLake",
                List.of(
                        "-Dviews.bukets=3",
                        "-Dlake.bucket=My_Lake",
                        "-Dlocal.data-dir=" + Files.createTempDirectory("cfg")),
                List.of(),
                Files.createTempDirectory("cfg-run"))) {
            int status = app.awaitExit(Duration.ofSeconds(60));
            assertThat(status).isEqualTo(2);
            List<String> lines = app.lines();
            assertThat(lines)
                    .contains("dynamo-lake: configuration: views.bukets: unknown key (did you mean views.buckets?);"
                            + " lake.bucket: expected an S3 bucket name (3-63 of lowercase letters, digits, dots and"
                            + " hyphens), was 'My_Lake'");
            // Nothing started before the check: no local stack, no demo table, no stack trace.
            assertThat(lines).noneMatch(l -> l.contains("Local stack ready") || l.contains("Seeded demo table"));
            assertThat(lines).noneMatch(l -> l.startsWith("\tat "));
        }
    }

    @Test
    void aStreamComponentOptionThatDoesNotFitStopsItWithOneLineAndStatus2() throws Exception {
        try (JavaProcess app = JavaProcess.start(
                "dynamolake.DynamoLake",
                List.of(
                        "-Dcamel.component.ddbstream.lease-renew-interval=15s",
                        "-Dlocal.demo.enabled=false",
                        "-Dlocal.emulator.port=0",
                        "-Dlocal.s3.port=0",
                        "-Dlocal.sqs.port=0",
                        "-Dcamel.management.port=0",
                        "-Dlocal.data-dir=" + Files.createTempDirectory("cfg")),
                List.of(),
                Files.createTempDirectory("cfg-run"))) {
            int status = app.awaitExit(Duration.ofSeconds(90));
            assertThat(status).isEqualTo(2);
            List<String> lines = app.lines();
            assertThat(lines)
                    .contains("dynamo-lake: configuration: leaseRenewInterval"
                            + " (camel.component.ddbstream.lease-renew-interval): expected less than half of leaseDuration"
                            + " (20000 ms), was '15000 ms'")
                    .noneMatch(l -> l.startsWith("\tat "));
            // Held before anything starts, as the application's own settings are.
            assertThat(lines).noneMatch(l -> l.contains("Local stack ready"));
        }
    }
}
