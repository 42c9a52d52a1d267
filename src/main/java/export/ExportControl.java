package export;

import java.time.Clock;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.camel.StaticService;
import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The export operations, in JMX (Hawtio, JConsole) under the Camel context's services: start an export now, and see
 * where each export stands.
 */
@ManagedResource(description = "dynamo-lake exports: start one now, see where each stands")
public final class ExportControl extends ServiceSupport implements StaticService {
    private final ExportRequester requester;
    private final ExportProgress progress;
    private final Clock clock;

    public ExportControl(ExportRequester requester, ExportProgress progress, Clock clock) {
        this.requester = requester;
        this.progress = progress;
        this.clock = clock;
    }

    @ManagedOperation(description = "Starts an export now, of the configured type (export.type)")
    public String startExportNow() {
        return describe(requester.requestScheduled(clock.instant()));
    }

    @ManagedOperation(description = "Starts a full export now, whatever export.type says")
    public String startFullExportNow() {
        return describe(requester.request("operator (JMX)", clock.instant(), true));
    }

    @ManagedAttribute(description = "Every export of the table, oldest first: id, phase, files done and failure")
    public String getExports() {
        return progress.all().stream()
                .map(e -> e.exportId() + " " + (e.incremental() ? "incremental" : "full") + " " + e.phase()
                        + " exportTime=" + e.exportTime() + " files=" + e.files() + " discovered=" + e.discovered()
                        + " converted=" + e.converted() + (e.failure() == null ? "" : " failure=" + e.failure()))
                .collect(Collectors.joining("\n"));
    }

    private static String describe(Optional<String> id) {
        return id.map(i -> "started export " + i)
                .orElse("no export started: one is in flight or the last is too recent (see the log)");
    }
}
