package deltas;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchRequest;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponseEntry;
import software.amazon.awssdk.services.firehose.model.Record;

/**
 * The records of one PutRecordBatch call (at most 500 and 4 MiB) and the ones Firehose has not accepted yet. After
 * each call {@link #accept} keeps only the refused entries (Firehose answers HTTP 200 with FailedPutCount and an
 * ErrorCode per refused entry, by position), so a resend carries exactly those.
 */
public final class FirehoseBatch {
    /** Firehose's limits for PutRecordBatch. */
    public static final int MAX_RECORDS = 500;

    public static final int MAX_BYTES = 4 * 1024 * 1024;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FirehoseBatch.class);

    private List<Record> pending;
    /** The body of the last request written here, to check it went out; null for the SDK's own request. */
    private FirehoseRequests.Body sent;
    /** Send the SDK's own requests: the client did not run the interceptor. */
    private boolean plain;

    private int attempts;
    private final int maxAttempts;

    FirehoseBatch(List<byte[]> lines, int maxAttempts) {
        this.pending = new ArrayList<>(lines.size());
        for (byte[] line : lines) {
            pending.add(
                    Record.builder().data(SdkBytes.fromByteArrayUnsafe(line)).build());
        }
        this.maxAttempts = maxAttempts;
    }

    /** True while some records have not been accepted. */
    public boolean isPending() {
        return !pending.isEmpty();
    }

    /** The records to send now. */
    public List<Record> getRecords() {
        return pending;
    }

    /** The PutRecordBatch request that sends the records pending now to the delivery stream. */
    public PutRecordBatchRequest request(String deliveryStream) {
        if (plain) {
            sent = null;
            return FirehoseRequests.plain(deliveryStream, pending);
        }
        FirehoseRequests.Prepared prepared = FirehoseRequests.putRecordBatch(deliveryStream, pending);
        sent = prepared.body();
        return prepared.request();
    }

    public int size() {
        return pending.size();
    }

    public int getAttempts() {
        return attempts;
    }

    /**
     * Keeps the entries Firehose refused; returns how many it refused.
     *
     * @throws FirehoseRefusedException after {@code maxAttempts} calls that still left entries refused: the stream
     *     batch then fails whole and is processed again later
     */
    public int accept(PutRecordBatchResponse response) {
        if (sent != null && !sent.written()) {
            // The client did not let the body in: the call sent empty records. All of them go again, as the SDK's
            // own request.
            LOG.warn("The Firehose client does not run per-request plugins: this batch goes again, written by the SDK");
            sent = null;
            plain = true;
            return 0;
        }
        attempts++;
        List<PutRecordBatchResponseEntry> entries = response.requestResponses();
        if (entries.size() != pending.size()) {
            throw new IllegalStateException(
                    "Firehose answered " + entries.size() + " entries for " + pending.size() + " records");
        }
        List<Record> refused = new ArrayList<>();
        String lastError = null;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).errorCode() != null) {
                refused.add(pending.get(i));
                lastError = entries.get(i).errorCode() + ": " + entries.get(i).errorMessage();
            }
        }
        pending = refused;
        if (!refused.isEmpty() && attempts >= maxAttempts) {
            throw new FirehoseRefusedException(refused.size() + " records still refused by Firehose after " + attempts
                    + " attempts (last: " + lastError + ")");
        }
        return refused.size();
    }

    /** How long to wait before resending refused entries: 0 when none are pending, then 100 ms doubling to 5 s. */
    public long getBackoffMillis() {
        if (pending.isEmpty() || attempts == 0) {
            return 0;
        }
        return Math.min(5_000, 100L << Math.min(attempts - 1, 6));
    }
}
