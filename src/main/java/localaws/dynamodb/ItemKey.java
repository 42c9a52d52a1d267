package localaws.dynamodb;

import java.util.Objects;
import localaws.dynamodb.attributes.Values;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The primary key of one item, ordered by partition key and then sort key as DynamoDB orders key values. Number
 * parts are always in DynamoDB's trimmed form, so equal keys are equal objects.
 */
public record ItemKey(AttributeValue hash, AttributeValue range) implements Comparable<ItemKey> {
    public ItemKey {
        Objects.requireNonNull(hash, "hash == null");
    }

    /** The position before every item of a partition, for reading a partition in key order. */
    public static ItemKey startOf(AttributeValue hash) {
        return new ItemKey(hash, null);
    }

    @Override
    public int compareTo(ItemKey other) {
        int c = Values.compare(hash, other.hash);
        if (c != 0 || (range == null && other.range == null)) {
            return c;
        }
        if (range == null || other.range == null) {
            return range == null ? -1 : 1;
        }
        return Values.compare(range, other.range);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ItemKey k && compareTo(k) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(hash, range);
    }
}
