package views;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.camel.StaticService;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The view operations, in JMX (Hawtio, JConsole) under the Camel context's services: bring the current view up to
 * date now, materialise the table as of a time, and see which current view is published.
 */
@ManagedResource(description = "dynamo-lake views: compact now, the table as of a time")
public final class ViewControl extends ServiceSupport implements StaticService {
    private final Views builder;

    public ViewControl(Views builder) {
        this.builder = builder;
    }

    @ManagedOperation(description = "Brings the current view up to date now (waits until it is published)")
    public String compactNow() throws Exception {
        return describe(builder.compact());
    }

    @ManagedOperation(description = "Rebuilds the current view from the snapshot and every delta after it, now")
    public String rebuildNow() throws Exception {
        return describe(builder.rebuild());
    }

    private static String describe(java.util.Optional<Views.Result> result) {
        return result.map(r -> "published current view " + r.version() + " (" + r.mode() + "): " + r.items()
                        + " items, " + r.bucketsWritten() + " buckets rewritten, " + r.bucketsPatched() + " patched, "
                        + r.changes() + " changes, new files"
                        + " in " + r.location())
                .orElse("nothing to do: no published snapshot yet, or no delta since the current view");
    }

    @ManagedOperation(description = "Materialises the table as it was at an ISO-8601 time (2026-11-26T08:00:00Z)")
    public String materializeAsOf(String time) throws Exception {
        Instant t;
        try {
            t = Instant.parse(time.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "expected an ISO-8601 instant such as 2026-11-26T08:00:00Z, was '" + time + "'");
        }
        Views.Result r = builder.asOf(t);
        return "materialised " + r.items() + " items as of " + t + " at " + r.location();
    }

    @ManagedAttribute(description = "The published current view: version, snapshot, items, time of its last change")
    public String getCurrentView() {
        return builder.current()
                .map(p -> "version " + p.path("version").asLong() + " of snapshot "
                        + p.path("snapshot").asText()
                        + ": " + p.path("itemCount").asLong() + " items, last change "
                        + p.path("lastChangeTime").asText() + ", built "
                        + p.path("builtAt").asText() + ", new files in "
                        + p.path("location").asText())
                .orElse("none published yet");
    }

    @ManagedAttribute(description = "The times an as-of view can be materialised for")
    public String getAvailableRange() {
        return builder.availableRange().map(r -> r[0] + " to " + r[1]).orElse("none: no published snapshot yet");
    }
}
