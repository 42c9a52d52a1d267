package observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of what the routes call: each named dependency (the table, the lake bucket, the delivery stream, the
 * export queue) answers a cheap read. DOWN names every dependency that did not answer and why, for example {@code
 * lake bucket dynamo-lake: NoSuchBucket}. Results are kept for {@code recheck}, so a probe every few seconds costs
 * one round of calls per interval.
 */
public final class DependencyReadiness extends AbstractHealthCheck {
    /** A dependency: its description for the message, and a call that throws when it is not there. */
    public record Dependency(String description, Runnable probe) {}

    private final Map<String, Dependency> dependencies;
    private final Duration recheck;
    private final Clock clock;
    private Instant checkedAt = Instant.EPOCH;
    private Map<String, String> failures = Map.of();

    public DependencyReadiness(Map<String, Dependency> dependencies, Duration recheck, Clock clock) {
        super("dynamo-lake", "dependencies");
        this.dependencies = new LinkedHashMap<>(dependencies);
        this.recheck = recheck;
        this.clock = clock;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Instant now = clock.instant();
        if (!now.isBefore(checkedAt.plus(recheck)) || !failures.isEmpty()) {
            failures = probeAll();
            checkedAt = now;
        }
        builder.detail("checked.at", checkedAt.toString());
        dependencies.forEach((name, d) -> builder.detail(name, d.description()));
        if (failures.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", failures.values()));
            builder.down();
        }
    }

    private Map<String, String> probeAll() {
        Map<String, String> out = new LinkedHashMap<>();
        dependencies.forEach((name, d) -> {
            try {
                d.probe().run();
            } catch (RuntimeException e) {
                out.put(name, d.description() + ": " + reason(e));
            }
        });
        return out;
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName()
                + (m == null ? "" : " " + m.lines().findFirst().orElse(""));
    }

    /** A probe from a call whose result is not needed. */
    public static Runnable call(Supplier<?> call) {
        return call::get;
    }
}
