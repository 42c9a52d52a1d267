package item;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB JSON ({@code {"S":"x"}}, {@code {"N":"1"}}, ...) to and from the AWS SDK's {@link AttributeValue}, read
 * strictly: an empty value, an unknown type tag, a second tag, a number that is not a number or malformed base64 is
 * an {@link ItemFormatException} naming the attribute path. Attribute order is kept.
 *
 * <pre>{@code
 * Map<String, AttributeValue> item = AttributeValues.parseItem("{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"2.0\"}}");
 * String json = AttributeValues.toJson(item); // the same DynamoDB JSON back
 * }</pre>
 */
public final class AttributeValues {

    private static final ValueWriter DYNAMO_JSON = AttributeValues::writeValue;

    private AttributeValues() {}

    /** Parses one item: a JSON object of attribute name to DynamoDB JSON value. */
    public static Map<String, AttributeValue> parseItem(String json) {
        try (JsonParser parser = JsonText.FACTORY.createParser(json)) {
            parser.nextToken();
            Map<String, AttributeValue> item = readItem(parser, "");
            if (parser.nextToken() != null) {
                throw new ItemFormatException("", "text after the end of the item");
            }
            return item;
        } catch (IOException e) {
            throw new ItemFormatException("", "not JSON: " + e.getMessage());
        }
    }

    /** Reads an item from a parsed JSON tree, for example one object of a request body. */
    public static Map<String, AttributeValue> fromTree(JsonNode node, String path) {
        try (JsonParser parser = node.traverse()) {
            parser.nextToken();
            return readItem(parser, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one value from a parsed JSON tree. */
    public static AttributeValue valueFromTree(JsonNode node, String path) {
        try (JsonParser parser = node.traverse()) {
            parser.nextToken();
            return readValue(parser, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads an item whose START_OBJECT is the parser's current token, and leaves the parser on its END_OBJECT.
     */
    public static Map<String, AttributeValue> readItem(JsonParser p, String path) throws IOException {
        try {
            return readItem(p);
        } catch (ItemFormatException e) {
            throw e.under(path);
        }
    }

    private static Map<String, AttributeValue> readItem(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException("", "expected an object of attributes, found " + describe(p));
        }
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            try {
                item.put(name, readValue(p));
            } catch (ItemFormatException e) {
                throw e.under(AttributePath.child("", name));
            }
        }
        return item;
    }

    /** Reads one DynamoDB JSON value whose START_OBJECT is the current token; leaves the parser on its END_OBJECT. */
    public static AttributeValue readValue(JsonParser p, String path) throws IOException {
        try {
            return readValue(p);
        } catch (ItemFormatException e) {
            throw e.under(path);
        }
    }

    private static AttributeValue readValue(JsonParser p) throws IOException {
        String path = "";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException(path, "expected a typed value like {\"S\":...}, found " + describe(p));
        }
        if (p.nextToken() != JsonToken.FIELD_NAME) {
            throw new ItemFormatException(
                    path, "empty attribute value {}; it needs exactly one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
        }
        String tag = p.currentName();
        p.nextToken();
        AttributeValue value = readTagged(tag, p);
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw new ItemFormatException(
                    path, "more than one type tag in one value (" + tag + " and " + p.currentName() + ")");
        }
        return value;
    }

    private static AttributeValue readTagged(String tag, JsonParser p) throws IOException {
        String path = "";
        switch (tag) {
            case "S":
                return AttributeValue.fromS(string(p, path, tag));
            case "N":
                return AttributeValue.fromN(number(p, path));
            case "B":
                return AttributeValue.fromB(binary(p, path));
            case "BOOL":
                return AttributeValue.fromBool(bool(p, path));
            case "NULL":
                if (p.currentToken() != JsonToken.VALUE_TRUE) {
                    throw new ItemFormatException(path, "NULL must be true, found " + describe(p));
                }
                return AttributeValue.fromNul(true);
            case "SS":
                return AttributeValue.fromSs(readArray(p, tag, q -> string(q, "", tag)));
            case "NS":
                return AttributeValue.fromNs(readArray(p, tag, q -> number(q, "")));
            case "BS":
                return AttributeValue.fromBs(readArray(p, tag, q -> binary(q, "")));
            case "L":
                return AttributeValue.fromL(readArray(p, tag, AttributeValues::readValue));
            case "M":
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw new ItemFormatException(path, "M must hold an object, found " + describe(p));
                }
                return AttributeValue.fromM(readItem(p));
            default:
                throw new ItemFormatException(
                        path, "unknown type tag '" + tag + "'; expected one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
        }
    }

    private interface ElementReader<T> {
        T read(JsonParser p) throws IOException;
    }

    private static <T> List<T> readArray(JsonParser p, String tag, ElementReader<T> reader) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new ItemFormatException("", tag + " must hold an array, found " + describe(p));
        }
        List<T> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            try {
                values.add(reader.read(p));
            } catch (ItemFormatException e) {
                throw e.under(AttributePath.index("", values.size()));
            }
        }
        return values;
    }

    private static String string(JsonParser p, String path, String tag) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ItemFormatException(path, tag + " must be a string, found " + describe(p));
        }
        return p.getText();
    }

    private static String number(JsonParser p, String path) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ItemFormatException(
                    path, "a number must be sent as a string like \"12.5\", found " + describe(p));
        }
        String text = p.getText();
        DynamoNumbers.parse(text, path);
        return text;
    }

    private static SdkBytes binary(JsonParser p, String path) throws IOException {
        String text = string(p, path, "B");
        try {
            return SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw new ItemFormatException(path, "malformed base64 (" + e.getMessage() + ")");
        }
    }

    private static boolean bool(JsonParser p, String path) {
        if (p.currentToken() == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (p.currentToken() == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw new ItemFormatException(path, "BOOL must be true or false, found " + describe(p));
    }

    static String describe(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "the end of the input";
        }
        try {
            return t.isScalarValue() ? t.name().replace("VALUE_", "").toLowerCase() + " " + p.getText() : t.asString();
        } catch (IOException e) {
            return t.name();
        }
    }

    /** Writes an item as DynamoDB JSON. */
    public static String toJson(Map<String, AttributeValue> item) {
        return JsonText.render(g -> writeItem(item, g, ""));
    }

    /** Writes an item as a DynamoDB JSON object; errors name their place under {@code path}. */
    public static void writeItem(Map<String, AttributeValue> item, JsonGenerator g, String path) throws IOException {
        DYNAMO_JSON.writeItem(item, g, path);
    }

    /** Writes one value as DynamoDB JSON; errors name their place under {@code path}. */
    public static void writeValue(AttributeValue v, JsonGenerator g, String path) throws IOException {
        DYNAMO_JSON.write(v, g, path);
    }

    private static void writeValue(AttributeValue v, JsonGenerator g) throws IOException {
        g.writeStartObject();
        switch (typeOf(v, "")) {
            case S -> g.writeStringField("S", v.s());
            case N -> g.writeStringField("N", v.n());
            case B -> g.writeStringField("B", base64(v.b()));
            case BOOL -> g.writeBooleanField("BOOL", v.bool());
            case NUL -> g.writeBooleanField("NULL", true);
            case SS -> writeStrings(g, "SS", v.ss());
            case NS -> writeStrings(g, "NS", v.ns());
            case BS -> {
                g.writeArrayFieldStart("BS");
                for (SdkBytes b : v.bs()) {
                    g.writeString(base64(b));
                }
                g.writeEndArray();
            }
            case L -> {
                g.writeArrayFieldStart("L");
                List<AttributeValue> list = v.l();
                for (int i = 0; i < list.size(); i++) {
                    try {
                        writeValue(list.get(i), g);
                    } catch (ItemFormatException e) {
                        throw e.under(AttributePath.index("", i));
                    }
                }
                g.writeEndArray();
            }
            case M -> {
                g.writeFieldName("M");
                DYNAMO_JSON.writeItem(v.m(), g);
            }
            default -> throw new IllegalStateException("unreachable");
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String tag, List<String> values) throws IOException {
        g.writeArrayFieldStart(tag);
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    /** The value's type, or an {@link ItemFormatException} when the value carries none. */
    public static AttributeValue.Type typeOf(AttributeValue v, String path) {
        if (v == null) {
            throw new ItemFormatException(path, "null attribute value");
        }
        AttributeValue.Type type = v.type();
        if (type == null || type == AttributeValue.Type.UNKNOWN_TO_SDK_VERSION) {
            throw new ItemFormatException(
                    path, "empty attribute value; it needs exactly one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
        }
        return type;
    }

    static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }

    /** An unmodifiable copy that keeps attribute order. */
    public static Map<String, AttributeValue> copyOf(Map<String, AttributeValue> item) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(item));
    }
}
