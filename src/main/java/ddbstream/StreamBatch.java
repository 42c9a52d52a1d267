package ddbstream;

import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * The body of a {@code ddbstream} exchange: the records of one GetRecords call on one shard, in sequence-number
 * order. The shard's checkpoint moves to {@link #lastSequenceNumber()} only when the exchange completes.
 */
public record StreamBatch(String table, String streamArn, String shardId, List<Record> records) {
    public StreamBatch {
        Objects.requireNonNull(table, "table == null");
        Objects.requireNonNull(streamArn, "streamArn == null");
        Objects.requireNonNull(shardId, "shardId == null");
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one record");
        }
    }

    public String firstSequenceNumber() {
        return records.get(0).dynamodb().sequenceNumber();
    }

    public String lastSequenceNumber() {
        return records.get(records.size() - 1).dynamodb().sequenceNumber();
    }

    public int size() {
        return records.size();
    }
}
