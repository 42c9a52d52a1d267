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

    /**
     * The same text for a key read from plain JSON without building it: each key attribute's value as its JSON text, a
     * string's or a number's ({@code number[i]}), in the order of {@code keyNames}. Names and strings that need no
     * escape, and integers already canonical, are joined as they stand; anything else is rendered as {@link
     * #canonical(Map, List)} renders it.
     */
    public static String canonical(List<String> keyNames, String[] values, boolean[] number) {
        for (int i = 0; i < keyNames.size(); i++) {
            if (values[i] == null) {
                throw new ItemFormatException(keyNames.get(i), "key attribute missing");
            }
        }
        StringBuilder out = new StringBuilder(64).append('{');
        for (int i = 0; i < keyNames.size(); i++) {
            String name = keyNames.get(i);
            String v = values[i];
            if (!unescaped(name) || (!number[i] && !unescaped(v))) {
                Map<String, AttributeValue> item = new java.util.HashMap<>();
                for (int k = 0; k < keyNames.size(); k++) {
                    item.put(
                            keyNames.get(k),
                            number[k] ? AttributeValue.fromN(values[k]) : AttributeValue.fromS(values[k]));
                }
                return canonical(item, keyNames);
            }
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(name).append("\":");
            if (number[i]) {
                out.append(plainInteger(v) ? v : DynamoNumbers.canonical(v, name));
            } else {
                out.append('"').append(v).append('"');
            }
        }
        return out.append('}').toString();
    }

    /** Whether JSON writes the text between quotes as it stands: no quote, backslash or control character. */
    private static boolean unescaped(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** An integer of up to 18 digits, no leading zero, not -0: its own canonical text. */
    private static boolean plainInteger(String n) {
        int start = n.startsWith("-") ? 1 : 0;
        int digits = n.length() - start;
        if (digits < 1 || digits > 18 || (n.charAt(start) == '0' && (digits > 1 || start == 1))) {
            return false;
        }
        for (int i = start; i < n.length(); i++) {
            if (n.charAt(i) < '0' || n.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

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
