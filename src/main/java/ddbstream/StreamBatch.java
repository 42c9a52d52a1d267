package ddbstream;

import item.SequenceNumbers;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The body of a {@code ddbstream} exchange: the records of one GetRecords call on one shard, in sequence-number
 * order. The shard's checkpoint moves to {@link #lastSequenceNumber()} only when the exchange completes.
 *
 * <p>The records are kept as the JSON the stream sent ({@link #rawRecords()}); {@link #records()} reads them into the
 * AWS SDK's objects on first use, for processors that want those.
 */
public final class StreamBatch {
    private final String table;
    private final String streamArn;
    private final String shardId;
    private final List<RawRecord> rawRecords;
    private volatile List<Record> records;

    public StreamBatch(String table, String streamArn, String shardId, List<RawRecord> rawRecords) {
        this.table = Objects.requireNonNull(table, "table == null");
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn == null");
        this.shardId = Objects.requireNonNull(shardId, "shardId == null");
        this.rawRecords = List.copyOf(rawRecords);
        if (this.rawRecords.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one record");
        }
    }

    public String table() {
        return table;
    }

    public String streamArn() {
        return streamArn;
    }

    public String shardId() {
        return shardId;
    }

    /** The records as the stream sent them. */
    public List<RawRecord> rawRecords() {
        return rawRecords;
    }

    /** The records as the AWS SDK's objects, read from their JSON on the first call. */
    public List<Record> records() {
        List<Record> r = records;
        if (r == null) {
            r = rawRecords.stream().map(RawRecord::toSdk).toList();
            records = r;
        }
        return r;
    }

    public String firstSequenceNumber() {
        return rawRecords.get(0).sequenceNumber();
    }

    public String lastSequenceNumber() {
        return rawRecords.get(rawRecords.size() - 1).sequenceNumber();
    }

    /**
     * Where the shard's checkpoint moves once the batch is processed: the last record's sequence number, or, when the
     * stream sent it without a valid one, the last valid one before it; null when no record of the batch has one.
     */
    public String checkpointSequenceNumber() {
        for (int i = rawRecords.size() - 1; i >= 0; i--) {
            String seq = rawRecords.get(i).sequenceNumber();
            if (SequenceNumbers.isValid(seq)) {
                return seq;
            }
        }
        return null;
    }

    public int size() {
        return rawRecords.size();
    }

    @Override
    public String toString() {
        return "StreamBatch[" + table + ", " + shardId + ", " + size() + " records from " + firstSequenceNumber()
                + " to " + lastSequenceNumber() + "]";
    }
}
