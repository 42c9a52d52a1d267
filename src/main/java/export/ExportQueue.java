package export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Puts export tasks on the work queue, ten to a SendMessageBatch call (SQS's limit). Entries SQS refuses in a
 * partially failed batch are sent again, with backoff, until every task is on the queue; a sender fault (a message
 * SQS will never take) fails at once.
 */
public final class ExportQueue implements TaskQueue {
    private static final Logger LOG = LoggerFactory.getLogger(ExportQueue.class);
    private static final int BATCH = 10;

    private final SqsClient sqs;
    private final Supplier<String> queueUrl;
    private final int maxAttempts;
    private final long retryDelayMillis;

    public ExportQueue(SqsClient sqs, Supplier<String> queueUrl, int maxAttempts, long retryDelayMillis) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.maxAttempts = maxAttempts;
        this.retryDelayMillis = retryDelayMillis;
    }

    @Override
    public void send(List<ExportTask> tasks) {
        for (int from = 0; from < tasks.size(); from += BATCH) {
            sendBatch(tasks.subList(from, Math.min(tasks.size(), from + BATCH)));
        }
    }

    private void sendBatch(List<ExportTask> batch) {
        Map<String, SendMessageBatchRequestEntry> pending = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            pending.put(
                    Integer.toString(i),
                    SendMessageBatchRequestEntry.builder()
                            .id(Integer.toString(i))
                            .messageBody(batch.get(i).toJson())
                            .build());
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>(pending.values());
            var result = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl.get()).entries(entries));
            result.successful().forEach(ok -> pending.remove(ok.id()));
            if (pending.isEmpty()) {
                return;
            }
            for (BatchResultErrorEntry failed : result.failed()) {
                if (Boolean.TRUE.equals(failed.senderFault())) {
                    throw new IllegalStateException("SQS refused an export task for good: " + failed.code() + " "
                            + failed.message() + ": " + pending.get(failed.id()).messageBody());
                }
            }
            if (attempt >= maxAttempts) {
                throw new IllegalStateException(pending.size() + " export tasks were still refused after " + attempt
                        + " attempts: " + result.failed());
            }
            LOG.warn("SQS refused {} of {} export tasks; sending them again", pending.size(), entries.size());
            sleep(Math.min(retryDelayMillis << Math.min(attempt - 1, 6), 30_000));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending export tasks", e);
        }
    }
}
