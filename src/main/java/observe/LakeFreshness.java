package observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import lake.SnapshotRecord;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fresh the published lake is, read from what its two Iceberg tables publish (whichever replica committed it),
 * every {@code refresh}:
 *
 * <ul>
 *   <li>{@code dynamolake.snapshot.age.seconds}: now less the current snapshot's export time;
 *   <li>{@code dynamolake.view.age.seconds}: now less the time the current view was built;
 *   <li>{@code dynamolake.view.version}: the current view's version.
 * </ul>
 *
 * Each is NaN while nothing is published. Alert on the ages: a snapshot older than {@code export.interval} plus the
 * export's own time, or a view older than {@code views.compaction-interval} plus a run, means a step is stuck.
 */
public final class LakeFreshness extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(LakeFreshness.class);

    private final Supplier<Optional<SnapshotRecord>> snapshot;
    private final Supplier<Optional<JsonNode>> view;
    private final Duration refresh;
    private final Clock clock;
    private volatile Instant snapshotTime;
    private volatile Instant viewBuiltAt;
    private volatile double viewVersion = Double.NaN;
    private ScheduledExecutorService timer;
    private final ExecutorServiceManager executors;

    /**
     * @param snapshot what the published snapshot is ({@code _published.json}: {@code exportTime})
     * @param view the published version's state ({@code builtAt}, {@code version})
     */
    public LakeFreshness(
            ExecutorServiceManager executors,
            MeterRegistry registry,
            String table,
            Supplier<Optional<SnapshotRecord>> snapshot,
            Supplier<Optional<JsonNode>> view,
            Duration refresh,
            Clock clock) {
        this.executors = executors;
        this.snapshot = snapshot;
        this.view = view;
        this.refresh = refresh;
        this.clock = clock;
        Gauge.builder("dynamolake.snapshot.age.seconds", () -> age(snapshotTime))
                .tag("table", table)
                .description("Now less the current snapshot's export time")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("dynamolake.view.age.seconds", () -> age(viewBuiltAt))
                .tag("table", table)
                .description("Now less the time the current view was built")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("dynamolake.view.version", () -> viewVersion)
                .tag("table", table)
                .description("The current view's version")
                .register(registry);
    }

    /** Reads what both tables publish now. */
    public void refresh() {
        try {
            snapshotTime = snapshot.get().map(SnapshotRecord::exportTime).orElse(null);
            Optional<JsonNode> published = view.get();
            viewBuiltAt = time(published, "builtAt");
            viewVersion =
                    published.map(v -> v.path("version").asDouble(Double.NaN)).orElse(Double.NaN);
        } catch (RuntimeException e) {
            LOG.debug("Could not read what the lake's tables publish: {}", e.toString());
        }
    }

    private static Instant time(Optional<JsonNode> record, String field) {
        return record.map(p -> p.path(field).asText(null)).map(Instant::parse).orElse(null);
    }

    private double age(Instant t) {
        return t == null ? Double.NaN : Duration.between(t, clock.instant()).toMillis() / 1000.0;
    }

    @Override
    protected void doStart() {
        // Camel's thread pool: named by its pattern, listed with the context's, shut down with it.
        timer = executors.newSingleThreadScheduledExecutor(this, "LakeFreshness");
        timer.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (timer != null) {
            executors.shutdownNow(timer);
        }
    }
}
