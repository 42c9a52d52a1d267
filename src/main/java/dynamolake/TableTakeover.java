package dynamolake;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On start, commits what the pointer files of a release before the Iceberg tables publish to the table that should
 * hold it, when the table holds nothing yet: how a lake of such a release is taken over on first start. Committing what a table already
 * holds changes nothing, so every start may run it. A failure (the catalog unreachable, a permission missing) is
 * logged and does not stop the application: the next publish commits in any case.
 */
final class TableTakeover extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(TableTakeover.class);

    private final String what;
    private final Runnable commit;

    /** @param what the table, for the log ({@code the snapshot of orders}) */
    TableTakeover(String what, Runnable commit) {
        this.what = what;
        this.commit = commit;
    }

    @Override
    protected void doStart() {
        try {
            commit.run();
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not commit the published {} to its Iceberg table on start ({}); the next publish will",
                    what,
                    e.toString());
        }
    }
}
