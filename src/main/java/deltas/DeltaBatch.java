package deltas;

import java.util.ArrayList;
import java.util.List;

/**
 * What one stream batch becomes: envelope lines for Firehose (each ending with a newline, as Firehose concatenates
 * records), and objects for the lake itself (envelopes too large for Firehose, dead letters).
 */
public record DeltaBatch(List<byte[]> lines, List<LakeObject> lakeObjects, int maxAttempts) {
    public DeltaBatch {
        lines = List.copyOf(lines);
        lakeObjects = List.copyOf(lakeObjects);
    }

    public List<LakeObject> getLakeObjects() {
        return lakeObjects;
    }

    /** The lines cut into PutRecordBatch calls of at most 500 records and 4 MiB, in order. */
    public List<FirehoseBatch> getFirehoseBatches() {
        List<FirehoseBatch> out = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        long bytes = 0;
        for (byte[] line : lines) {
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
}
