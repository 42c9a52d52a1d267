package localaws.streams;

import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One change of one item that the table hands to its stream.
 *
 * @param eventName INSERT, MODIFY or REMOVE
 * @param partitionHash where the item's partition key hashes to, which picks the shard
 * @param ttlDelete true for a deletion made by time to live
 */
public record ChangeEvent(
        String eventName,
        Map<String, AttributeValue> keys,
        Map<String, AttributeValue> oldImage,
        Map<String, AttributeValue> newImage,
        long partitionHash,
        int keysSize,
        int oldSize,
        int newSize,
        boolean ttlDelete) {
    public ChangeEvent {
        Objects.requireNonNull(eventName, "eventName == null");
        Objects.requireNonNull(keys, "keys == null");
    }
}
