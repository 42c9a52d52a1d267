package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dynamolake.demo.DemoTable;
import export.ExportProgress;
import export.ExportRequester;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import localaws.export.ExportSettings;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.Apps;
import testsupport.LocalStackExtension;

/**
 * The export schedule counts from the last export recorded, not from the process's start: replicas that restart more
 * often than export.interval (a rollout, a crash loop, spot nodes) still export on schedule.
 */
class ExportScheduleTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(
            s -> s.withExports(new ExportSettings(500, Duration.ofSeconds(1), Duration.ofHours(24), ".md5")));

    private static final String TABLE = "scheduled";
    private static final Duration INTERVAL = Duration.ofSeconds(8);

    private static Main app(boolean schedule) {
        return Apps.against(
                aws,
                TABLE,
                Map.of(
                        "export.schedule-enabled",
                        Boolean.toString(schedule),
                        "export.interval",
                        INTERVAL.toSeconds() + "s",
                        "export.check-interval",
                        "300ms",
                        "export.visibility-timeout",
                        "5"));
    }

    private static List<ExportProgress.Entry> exports(Main app) {
        return app.getCamelContext()
                .getRegistry()
                .lookupByNameAndType("exportProgress", ExportProgress.class)
                .all();
    }

    private static long ticks(Main app) {
        return app.getCamelContext()
                .getCamelContextExtension()
                .getContextPlugin(ManagedCamelContext.class)
                .getManagedRoute("ddb-export-schedule")
                .getExchangesCompleted();
    }

    @Test
    void replicasRestartingMoreOftenThanTheIntervalStillExportOnSchedule() {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 5, 3600);
        demo.create();
        demo.seed(200, 0);
        Main first = app(false);
        first.start();
        String id = first.getCamelContext()
                .getRegistry()
                .lookupByNameAndType("exportRequester", ExportRequester.class)
                .request("test", Instant.now(), true)
                .orElseThrow();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> exports(first).stream()
                        .anyMatch(e -> e.exportId().equals(id) && e.phase() == ExportProgress.Phase.PUBLISHED));
        Instant firstExportTime = exports(first).get(0).exportTime();
        first.stop();

        // Replicas that live a few schedule ticks each, far shorter than the interval, one after another.
        List<Duration> lifetimes = new ArrayList<>();
        Instant deadline = Instant.now().plus(INTERVAL.multipliedBy(4));
        Main last = null;
        while (Instant.now().isBefore(deadline)) {
            Main replica = app(true);
            Instant started = Instant.now();
            replica.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> ticks(replica) >= 3);
            boolean requested = exports(replica).size() >= 2;
            if (requested) {
                last = replica;
                break;
            }
            replica.stop();
            lifetimes.add(Duration.between(started, Instant.now()));
        }
        assertThat(lifetimes)
                .as("every replica lived less than the interval: none ever saw a timer of its own fire")
                .allSatisfy(d -> assertThat(d).isLessThan(INTERVAL));
        assertThat(last)
                .as("a replica found the scheduled export due and started it")
                .isNotNull();
        Main running = last;
        await().atMost(Duration.ofSeconds(30))
                .until(() -> exports(running).stream()
                                .filter(e -> e.phase() == ExportProgress.Phase.PUBLISHED)
                                .count()
                        == 2);
        ExportProgress.Entry scheduled = exports(running).get(1);
        assertThat(scheduled.exportTime())
                .as("due at the last export plus the interval")
                .isEqualTo(firstExportTime.plus(INTERVAL));
        running.stop();
    }
}
