package dynamolake;

import java.util.ArrayList;
import java.util.List;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes what a configuration opened (SDK clients, the local stack) when Camel stops, last opened first, after the
 * routes have stopped.
 */
final class ClosingService extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(ClosingService.class);

    private final List<AutoCloseable> resources;

    ClosingService(List<? extends AutoCloseable> resources) {
        this.resources = new ArrayList<>(resources);
    }

    @Override
    protected void doStop() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("Could not close {}", resources.get(i), e);
            }
        }
    }
}
