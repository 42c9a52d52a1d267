package item;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The one text of an item's primary key that every part of the lake agrees on: a JSON object of the key attributes in
 * key-schema order, numbers as DynamoDB stores them (no exponent, no leading or trailing zeros), binary as base64.
 * Snapshot rows, stream deltas (whose keys are plain JSON, so binary is already base64 text) and view rows compute it
 * the same way, so {@code 1.50} and {@code 1.5} are one key, as they are in DynamoDB.
 *
 * <pre>{@code
 * ItemKeys.canonical(item, List.of("customerId", "orderId"))   // {"customerId":"c-1","orderId":42}
 * }</pre>
 */
public final class ItemKeys {
    private ItemKeys() {}

    public static String canonical(Map<String, AttributeValue> item, List<String> keyNames) {
        return JsonText.render(g -> {
            g.writeStartObject();
            for (String name : keyNames) {
                AttributeValue v = item.get(name);
                if (v == null) {
                    throw new ItemFormatException(name, "key attribute missing");
                }
                g.writeFieldName(name);
                switch (v.type()) {
                    case S -> g.writeString(v.s());
                    case N -> g.writeNumber(DynamoNumbers.canonical(v.n(), name));
                    case B -> g.writeString(AttributeValues.base64(v.b()));
                    default ->
                        throw new ItemFormatException(name, "a key is a string, number or binary, found " + v.type());
                }
            }
            g.writeEndObject();
        });
    }
}
