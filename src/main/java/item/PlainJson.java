package item;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The lake's plain item JSON, lossless: S is a string, N a JSON number whose text is the N text exactly (never a
 * double), BOOL a boolean, NULL null, B a base64 string, SS/NS/BS arrays in stored order, L an array, M an object.
 *
 * <p>The way back ({@link #readItem}) has no sets and no binary to go by: strings become S, numbers N with their
 * text, arrays L and objects M.
 *
 * <pre>{@code
 * PlainJson.fromDynamoJson("{\"n\":{\"N\":\"1E-130\"},\"tags\":{\"SS\":[\"a\"]}}")
 *     // {"n":1E-130,"tags":["a"]}
 * }</pre>
 */
public final class PlainJson {
    private static final ValueWriter PLAIN_JSON = PlainJson::writeValue;

    private PlainJson() {}

    /** Converts one item of DynamoDB JSON text to plain JSON text. */
    public static String fromDynamoJson(String dynamoJson) {
        return toJson(AttributeValues.parseItem(dynamoJson));
    }

    /** Writes an item as plain JSON text. */
    public static String toJson(Map<String, AttributeValue> item) {
        return JsonText.render(g -> writeItem(item, g, ""));
    }

    /** Writes an item as a plain JSON object; errors name their place under {@code path}. */
    public static void writeItem(Map<String, AttributeValue> item, JsonGenerator g, String path) throws IOException {
        PLAIN_JSON.writeItem(item, g, path);
    }

    /** Writes one value as plain JSON; errors name their place under {@code path}. */
    public static void writeValue(AttributeValue v, JsonGenerator g, String path) throws IOException {
        PLAIN_JSON.write(v, g, path);
    }

    private static void writeValue(AttributeValue v, JsonGenerator g) throws IOException {
        switch (AttributeValues.typeOf(v, "")) {
            case S -> g.writeString(v.s());
            case N -> g.writeNumber(DynamoNumbers.toJsonNumber(v.n(), ""));
            case B -> g.writeString(AttributeValues.base64(v.b()));
            case BOOL -> g.writeBoolean(v.bool());
            case NUL -> g.writeNull();
            case SS -> writeArray(g, v.ss(), g::writeString);
            case NS -> writeArray(g, v.ns(), n -> g.writeNumber(DynamoNumbers.toJsonNumber(n, "")));
            case BS -> writeArray(g, v.bs(), b -> g.writeString(AttributeValues.base64(b)));
            case L -> writeArray(g, v.l(), e -> writeValue(e, g));
            case M -> PLAIN_JSON.writeItem(v.m(), g);
            default -> throw new IllegalStateException("unreachable");
        }
    }

    private interface ElementWriter<T> {
        void write(T element) throws IOException;
    }

    private static <T> void writeArray(JsonGenerator g, List<T> values, ElementWriter<T> writer) throws IOException {
        g.writeStartArray();
        for (int i = 0; i < values.size(); i++) {
            try {
                writer.write(values.get(i));
            } catch (ItemFormatException e) {
                throw e.under(AttributePath.index("", i));
            }
        }
        g.writeEndArray();
    }

    /**
     * Copies one item of DynamoDB JSON whose START_OBJECT is the parser's current token as plain JSON, leaving the
     * parser on its END_OBJECT: the text {@link #writeItem} writes for the item {@link AttributeValues#readItem} reads,
     * without building it, and as strict (an empty value, an unknown or second type tag, a number that is not one or
     * malformed base64 is an {@link ItemFormatException} naming its path).
     */
    public static void copyDynamoItem(JsonParser p, JsonGenerator g) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException("", "expected an object of attributes, found " + AttributeValues.describe(p));
        }
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            g.writeFieldName(name);
            p.nextToken();
            try {
                copyDynamoValue(p, g);
            } catch (ItemFormatException e) {
                throw e.under(AttributePath.child("", name));
            }
        }
        g.writeEndObject();
    }

    private static void copyDynamoValue(JsonParser p, JsonGenerator g) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException(
                    "", "expected a typed value like {\"S\":...}, found " + AttributeValues.describe(p));
        }
        if (p.nextToken() != JsonToken.FIELD_NAME) {
            throw new ItemFormatException(
                    "", "empty attribute value {}; it needs exactly one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
        }
        String tag = p.currentName();
        JsonToken t = p.nextToken();
        switch (tag) {
            case "S" -> copyString(p, g, tag);
            case "N" -> copyNumber(p, g);
            case "B" -> copyBinary(p, g);
            case "BOOL" -> {
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new ItemFormatException(
                            "", "BOOL must be true or false, found " + AttributeValues.describe(p));
                }
                g.writeBoolean(t == JsonToken.VALUE_TRUE);
            }
            case "NULL" -> {
                // As the SDK reads it: true or false, a null either way (DynamoDB only ever sends true).
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new ItemFormatException("", "NULL must be true, found " + AttributeValues.describe(p));
                }
                g.writeNull();
            }
            case "SS" -> copyArray(p, g, tag, () -> copyString(p, g, tag));
            case "NS" -> copyArray(p, g, tag, () -> copyNumber(p, g));
            case "BS" -> copyArray(p, g, tag, () -> copyBinary(p, g));
            case "L" -> copyArray(p, g, tag, () -> copyDynamoValue(p, g));
            case "M" -> {
                if (t != JsonToken.START_OBJECT) {
                    throw new ItemFormatException("", "M must hold an object, found " + AttributeValues.describe(p));
                }
                copyDynamoItem(p, g);
            }
            default ->
                throw new ItemFormatException(
                        "", "unknown type tag '" + tag + "'; expected one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
        }
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw new ItemFormatException(
                    "", "more than one type tag in one value (" + tag + " and " + p.currentName() + ")");
        }
    }

    private interface ElementCopier {
        void copy() throws IOException;
    }

    private static void copyArray(JsonParser p, JsonGenerator g, String tag, ElementCopier copier) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new ItemFormatException("", tag + " must hold an array, found " + AttributeValues.describe(p));
        }
        g.writeStartArray();
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            try {
                copier.copy();
            } catch (ItemFormatException e) {
                throw e.under(AttributePath.index("", i));
            }
        }
        g.writeEndArray();
    }

    private static void copyString(JsonParser p, JsonGenerator g, String tag) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ItemFormatException("", tag + " must be a string, found " + AttributeValues.describe(p));
        }
        g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    private static void copyNumber(JsonParser p, JsonGenerator g) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ItemFormatException(
                    "", "a number must be sent as a string like \"12.5\", found " + AttributeValues.describe(p));
        }
        g.writeNumber(DynamoNumbers.toJsonNumber(p.getText(), ""));
    }

    private static void copyBinary(JsonParser p, JsonGenerator g) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ItemFormatException("", "B must be a string, found " + AttributeValues.describe(p));
        }
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(p.getText());
        } catch (IllegalArgumentException e) {
            throw new ItemFormatException("", "malformed base64 (" + e.getMessage() + ")");
        }
        // Written as the lake writes every binary: standard base64 with padding, whatever form it arrived in.
        g.writeString(java.util.Base64.getEncoder().encodeToString(bytes));
    }

    /** Parses plain JSON text of one item back into attribute values (strings S, numbers N, arrays L, objects M). */
    public static Map<String, AttributeValue> parseItem(String plainJson) {
        try (JsonParser p = JsonText.FACTORY.createParser(plainJson)) {
            p.nextToken();
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new ItemFormatException(
                        "", "an item must be a JSON object, found " + AttributeValues.describe(p));
            }
            return readItem(p, "");
        } catch (IOException e) {
            throw new ItemFormatException("", "not JSON: " + e.getMessage());
        }
    }

    /** Reads a plain JSON object whose START_OBJECT is the current token. */
    public static Map<String, AttributeValue> readItem(JsonParser p, String path) throws IOException {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            item.put(name, readValue(p, AttributePath.child(path, name)));
        }
        return item;
    }

    /** Reads one plain JSON value whose first token is the current one; {@code path} names it in errors. */
    public static AttributeValue readValue(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case VALUE_STRING:
                return AttributeValue.fromS(p.getText());
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return AttributeValue.fromN(p.getText());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return AttributeValue.fromBool(t == JsonToken.VALUE_TRUE);
            case VALUE_NULL:
                return AttributeValue.fromNul(true);
            case START_ARRAY:
                List<AttributeValue> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p, AttributePath.index(path, list.size())));
                }
                return AttributeValue.fromL(list);
            case START_OBJECT:
                return AttributeValue.fromM(readItem(p, path));
            default:
                throw new ItemFormatException(path, "unexpected " + AttributeValues.describe(p));
        }
    }

    /**
     * Copies one plain JSON value whose first token is the current one, leaving the parser on its last token: the text
     * {@link #writeValue} writes for the value {@link #readValue} reads, without building it (numbers keep their
     * exact text).
     */
    public static void copyValue(JsonParser p, JsonGenerator g) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(DynamoNumbers.toJsonNumber(p.getText(), ""));
            case VALUE_TRUE, VALUE_FALSE -> g.writeBoolean(t == JsonToken.VALUE_TRUE);
            case VALUE_NULL -> g.writeNull();
            case START_ARRAY -> {
                g.writeStartArray();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copyValue(p, g);
                }
                g.writeEndArray();
            }
            case START_OBJECT -> {
                g.writeStartObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    g.writeFieldName(p.currentName());
                    p.nextToken();
                    copyValue(p, g);
                }
                g.writeEndObject();
            }
            default -> throw new ItemFormatException("", "unexpected " + AttributeValues.describe(p));
        }
    }

    /** Base64 text of a binary value, as the lake writes B and BS members. */
    public static String base64(SdkBytes bytes) {
        return AttributeValues.base64(bytes);
    }
}
