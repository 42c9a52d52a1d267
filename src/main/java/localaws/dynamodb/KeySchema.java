package localaws.dynamodb;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import localaws.dynamodb.attributes.Values;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A table's (or index's) key: the partition key and the optional sort key, each with its scalar type. */
public record KeySchema(String hashName, String hashType, String rangeName, String rangeType) {
    public KeySchema {
        Objects.requireNonNull(hashName, "hashName == null");
        Objects.requireNonNull(hashType, "hashType == null");
        if ((rangeName == null) != (rangeType == null)) {
            throw new IllegalArgumentException("rangeName and rangeType go together");
        }
    }

    public boolean hasRange() {
        return rangeName != null;
    }

    /** True when the attribute is part of this key. */
    public boolean isKeyAttribute(String name) {
        return name.equals(hashName) || name.equals(rangeName);
    }

    /**
     * The key of a full item.
     *
     * @throws AwsServiceException ValidationException when a key attribute is missing or of the wrong type
     */
    public ItemKey keyOfItem(Map<String, AttributeValue> item) {
        return new ItemKey(keyPart(item, hashName, hashType), hasRange() ? keyPart(item, rangeName, rangeType) : null);
    }

    /**
     * The key of a {@code Key} parameter, which must hold exactly the key attributes.
     *
     * @throws AwsServiceException ValidationException "The provided key element does not match the schema"
     */
    public ItemKey keyOfKey(Map<String, AttributeValue> key) {
        if (key.size() != (hasRange() ? 2 : 1)) {
            throw AwsServiceException.validation("The provided key element does not match the schema");
        }
        return keyOfItem(key);
    }

    private static AttributeValue keyPart(Map<String, AttributeValue> item, String name, String type) {
        AttributeValue v = item.get(name);
        if (v == null || !type.equals(Values.typeName(v))) {
            throw AwsServiceException.validation("One or more parameter values were invalid: "
                    + (v == null
                            ? "Missing the key " + name + " in the item"
                            : "Type mismatch for key " + name + " expected: " + type + " actual: "
                                    + Values.typeName(v)));
        }
        if (("S".equals(type) && v.s().isEmpty()) || ("B".equals(type) && v.b().asByteArrayUnsafe().length == 0)) {
            throw AwsServiceException.validation("One or more parameter values are not valid. The AttributeValue for"
                    + " a key attribute cannot contain an empty " + ("S".equals(type) ? "string" : "binary")
                    + " value. Key: " + name);
        }
        return "N".equals(type) ? Values.normalize(v) : v;
    }

    /** The key attributes of an item, in schema order. */
    public Map<String, AttributeValue> keyAttributes(ItemKey key) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        out.put(hashName, key.hash());
        if (hasRange()) {
            out.put(rangeName, key.range());
        }
        return out;
    }

    /** The bytes DynamoDB hashes to place a partition key, for segments and stream shards. */
    public static byte[] partitionBytes(AttributeValue hash) {
        return switch (hash.type()) {
            case S -> hash.s().getBytes(StandardCharsets.UTF_8);
            case N -> Values.number(hash.n()).stripTrailingZeros().toString().getBytes(StandardCharsets.UTF_8);
            case B -> hash.b().asByteArray();
            default -> throw new IllegalArgumentException("not a key type: " + hash.type());
        };
    }
}
