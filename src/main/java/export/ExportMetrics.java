package export;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of the export being landed, in the log and as meters: files done of total (a full export reads each
 * file twice, once to discover the schema and once to write Parquet, so it has twice as many file steps), items
 * read per second by this replica, and an estimate of the time left.
 *
 * <p>Meters (tag {@code table}): {@code dynamolake.export.files.total}, {@code dynamolake.export.files.done},
 * {@code dynamolake.export.items.per.second}, {@code dynamolake.export.eta.seconds},
 * {@code dynamolake.export.items} (items read), {@code dynamolake.export.dead.letters} (lines that could not be
 * read), {@code dynamolake.export.failures}, {@code dynamolake.snapshot.published.time} (epoch seconds of the last
 * published snapshot's export time).
 */
public final class ExportMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ExportMetrics.class);

    private final Clock clock;
    private final Counter items;
    private final Counter deadLetters;
    private final Counter failures;
    private final AtomicLong stepsTotal = new AtomicLong();
    private final AtomicLong stepsDone = new AtomicLong();
    private final AtomicLong itemsPerSecond = new AtomicLong();
    private final AtomicLong etaSeconds = new AtomicLong(-1);
    private final AtomicLong publishedTime = new AtomicLong();
    private String exportId;
    private Instant started;
    private long itemsRead;

    public ExportMetrics(MeterRegistry registry, String table, Clock clock) {
        this.clock = clock;
        this.items = registry.counter("dynamolake.export.items", "table", table);
        this.deadLetters = registry.counter("dynamolake.export.dead.letters", "table", table);
        this.failures = registry.counter("dynamolake.export.failures", "table", table);
        gauge(registry, "dynamolake.export.files.total", table, stepsTotal);
        gauge(registry, "dynamolake.export.files.done", table, stepsDone);
        gauge(registry, "dynamolake.export.items.per.second", table, itemsPerSecond);
        gauge(registry, "dynamolake.export.eta.seconds", table, etaSeconds);
        gauge(registry, "dynamolake.snapshot.published.time", table, publishedTime);
    }

    private static void gauge(MeterRegistry registry, String name, String table, AtomicLong value) {
        Gauge.builder(name, value, AtomicLong::get).tag("table", table).register(registry);
    }

    /** A worker starts a step of a file: the clock for items per second starts with an export's first step. */
    public synchronized void begin(String id) {
        if (!id.equals(exportId)) {
            exportId = id;
            started = clock.instant();
            itemsRead = 0;
        }
    }

    /**
     * A worker finished a step of a file.
     *
     * @param stepsDone file steps done over the whole export (from the shared progress record)
     * @param stepsTotal file steps the export has
     * @param itemsInFile items this worker read
     */
    public synchronized void fileDone(String id, long stepsDone, long stepsTotal, long itemsInFile) {
        begin(id);
        Instant now = clock.instant();
        items.increment(itemsInFile);
        itemsRead += itemsInFile;
        this.stepsDone.set(stepsDone);
        this.stepsTotal.set(stepsTotal);
        double seconds = Math.max(0.001, Duration.between(started, now).toMillis() / 1000.0);
        long rate = Math.round(itemsRead / seconds);
        itemsPerSecond.set(rate);
        long eta = stepsDone == 0 ? -1 : Math.round(seconds * (stepsTotal - stepsDone) / stepsDone);
        etaSeconds.set(eta);
        LOG.info(
                "Export {}: {}/{} file steps done, {} items/s here, about {} left",
                id,
                stepsDone,
                stepsTotal,
                rate,
                eta < 0 ? "?" : Duration.ofSeconds(eta).toString().substring(2).toLowerCase());
    }

    public void deadLetters(long count) {
        deadLetters.increment(count);
    }

    /** Exports failed so far, as counted. */
    public double failures() {
        return failures.count();
    }

    public void failure() {
        failures.increment();
    }

    public synchronized void published(Instant exportTime) {
        publishedTime.set(exportTime.getEpochSecond());
        etaSeconds.set(0);
        stepsDone.set(stepsTotal.get());
    }

    public double deadLetters() {
        return deadLetters.count();
    }
}
