package export;

import java.util.List;

/**
 * Where export tasks go to be worked on, by any replica: the SQS work queue ({@link ExportQueue}). A task may be
 * taken and finished at once, before the sender's next step, so a sender records what the task's worker checks
 * before sending it, and a worker accepts the states a sender may not have left yet.
 */
@FunctionalInterface
public interface TaskQueue {
    /** Sends every task; returns when all are on the queue. */
    void send(List<ExportTask> tasks);
}
