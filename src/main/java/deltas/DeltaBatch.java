package deltas;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What one stream batch becomes: envelope lines for Firehose (each ending with a newline, as Firehose concatenates
 * records), and objects for the lake itself (envelopes too large for Firehose, dead letters).
 *
 * <p>With {@code packBytes > 0}, consecutive lines are packed into Firehose records of up to that size. Firehose
 * writes records to S3 as sent, concatenated, so the objects in the lake are the same line for line; but a batch
 * needs far fewer records, which Firehose bills per 5 KB rounded up, and both ends do much less work per change.
 */
public record DeltaBatch(List<byte[]> lines, List<LakeObject> lakeObjects, int maxAttempts, int packBytes) {
    public DeltaBatch {
        lines = List.copyOf(lines);
        lakeObjects = List.copyOf(lakeObjects);
    }

    /** The lines (packed when asked) cut into PutRecordBatch calls of at most 500 records and 4 MiB, in order. */
    public List<FirehoseBatch> getFirehoseBatches() {
        List<FirehoseBatch> out = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        long bytes = 0;
        for (byte[] line : packBytes > 0 ? packed() : lines) {
            if (!current.isEmpty()
                    && (current.size() == FirehoseBatch.MAX_RECORDS || bytes + line.length > FirehoseBatch.MAX_BYTES)) {
                out.add(new FirehoseBatch(current, maxAttempts));
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(line);
            bytes += line.length;
        }
        if (!current.isEmpty()) {
            out.add(new FirehoseBatch(current, maxAttempts));
        }
        return out;
    }

    /** Consecutive lines joined into records of at most {@code packBytes}; a line is never split. */
    private List<byte[]> packed() {
        List<byte[]> records = new ArrayList<>();
        ByteArrayOutputStream record = new ByteArrayOutputStream(packBytes);
        for (byte[] line : lines) {
            if (record.size() > 0 && record.size() + line.length > packBytes) {
                records.add(record.toByteArray());
                record.reset();
            }
            record.writeBytes(line);
        }
        if (record.size() > 0) {
            records.add(record.toByteArray());
        }
        return records;
    }
}
