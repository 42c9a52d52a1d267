package localaws.dynamodb.attributes;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB JSON, the form an AttributeValue takes in DynamoDB's and DynamoDB Streams' JSON protocol and in export data
 * files: an object with one member named by the type, {@code {"S":"x"}}, {@code {"N":"1.5"}}, {@code {"B":"<base64>"}},
 * {@code {"BOOL":true}}, {@code {"NULL":true}}, {@code {"SS":[…]}}, {@code {"NS":[…]}}, {@code {"BS":[…]}},
 * {@code {"L":[…]}}, {@code {"M":{…}}}. Attribute order and set order are kept both ways.
 *
 * <p>Reading checks the shape as DynamoDB does before it looks at the content: a member of the wrong JSON type or
 * malformed base64 is a SerializationException, a value with no type or more than one a ValidationException, both
 * in DynamoDB's words; members that are no type are ignored, as in any AWS JSON structure. What the content must
 * satisfy (numbers, sets, NULL) is {@link Values#normalize}'s. Writing emits values as they are stored.
 *
 * <pre>{@code
 * Map<String, AttributeValue> item = DynamoJson.readItem(request.get("Item"));
 * String json = DynamoJson.toJson(item); // {"pk":{"S":"a"},"n":{"N":"2"}}
 * }</pre>
 */
public final class DynamoJson {
    private DynamoJson() {}

    /** An object of attribute names to values, such as a request's Item or Key. */
    public static Map<String, AttributeValue> readItem(JsonNode attributes) {
        return readMap(attributes);
    }

    /** One value. */
    public static AttributeValue readValue(JsonNode value) {
        if (!value.isObject()) {
            throw wrongShape(value, "a structure");
        }
        List<AttributeValue> typed = new ArrayList<>(1);
        for (Map.Entry<String, JsonNode> member : value.properties()) {
            if (!member.getValue().isNull()) {
                AttributeValue v = readMember(member.getKey(), member.getValue());
                if (v != null) {
                    typed.add(v);
                }
            }
        }
        if (typed.isEmpty()) {
            throw AwsServiceException.validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        }
        if (typed.size() > 1) {
            throw AwsServiceException.validation("Supplied AttributeValue has more than one datatypes set, must"
                    + " contain exactly one of the supported datatypes");
        }
        return typed.get(0);
    }

    private static AttributeValue readMember(String type, JsonNode v) {
        return switch (type) {
            case "S" -> AttributeValue.fromS(text(v));
            case "N" -> AttributeValue.fromN(text(v));
            case "B" -> AttributeValue.fromB(binary(v));
            case "BOOL" -> AttributeValue.fromBool(bool(v));
            // NULL false is read as sent: that it must be true is a rule of the content, checked with the others.
            case "NULL" -> AttributeValue.builder().nul(bool(v)).build();
            case "SS" -> AttributeValue.fromSs(list(v, DynamoJson::text));
            case "NS" -> AttributeValue.fromNs(list(v, DynamoJson::text));
            case "BS" -> AttributeValue.fromBs(list(v, DynamoJson::binary));
            case "L" -> AttributeValue.fromL(list(v, DynamoJson::readValue));
            case "M" -> AttributeValue.fromM(readMap(v));
            default -> null;
        };
    }

    private static Map<String, AttributeValue> readMap(JsonNode members) {
        if (!members.isObject()) {
            throw wrongShape(members, "a map");
        }
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : members.properties()) {
            map.put(e.getKey(), readValue(e.getValue()));
        }
        return map;
    }

    private static <T> List<T> list(JsonNode v, Function<JsonNode, T> element) {
        if (!v.isArray()) {
            throw wrongShape(v, "a list");
        }
        List<T> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            out.add(element.apply(e));
        }
        return out;
    }

    private static String text(JsonNode v) {
        if (!v.isTextual()) {
            throw wrongShape(v, "a String");
        }
        return v.textValue();
    }

    private static boolean bool(JsonNode v) {
        if (!v.isBoolean()) {
            throw wrongShape(v, "a Boolean");
        }
        return v.booleanValue();
    }

    private static SdkBytes binary(JsonNode v) {
        String text = text(v);
        try {
            return SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw serialization("Base64 encoded binary value is malformed: " + e.getMessage());
        }
    }

    private static AwsServiceException wrongShape(JsonNode found, String expected) {
        if (found.isObject()) {
            return serialization("Start of structure or map found where not expected.");
        }
        if (found.isArray()) {
            return serialization("Start of list found where not expected");
        }
        return serialization(found.getNodeType() + " value found where " + expected + " was expected");
    }

    private static AwsServiceException serialization(String message) {
        return AwsServiceException.badRequest("SerializationException", message);
    }

    /** Writes an item as an object of attribute names to values. */
    public static void writeItem(JsonGenerator g, Map<String, AttributeValue> item) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    /**
     * Writes one value.
     *
     * @throws IllegalArgumentException when the value has no DynamoDB type
     */
    public static void writeValue(JsonGenerator g, AttributeValue v) throws IOException {
        g.writeStartObject();
        switch (v.type()) {
            case S -> g.writeStringField("S", v.s());
            case N -> g.writeStringField("N", v.n());
            case B -> {
                g.writeFieldName("B");
                g.writeBinary(v.b().asByteArrayUnsafe());
            }
            case BOOL -> g.writeBooleanField("BOOL", v.bool());
            case NUL -> g.writeBooleanField("NULL", v.nul());
            case SS -> writeStrings(g, "SS", v.ss());
            case NS -> writeStrings(g, "NS", v.ns());
            case BS -> {
                g.writeArrayFieldStart("BS");
                for (SdkBytes b : v.bs()) {
                    g.writeBinary(b.asByteArrayUnsafe());
                }
                g.writeEndArray();
            }
            case L -> {
                g.writeArrayFieldStart("L");
                for (AttributeValue e : v.l()) {
                    writeValue(g, e);
                }
                g.writeEndArray();
            }
            case M -> {
                g.writeFieldName("M");
                writeItem(g, v.m());
            }
            default -> throw new IllegalArgumentException("an attribute value without a DynamoDB type: " + v);
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String type, List<String> members) throws IOException {
        g.writeArrayFieldStart(type);
        for (String m : members) {
            g.writeString(m);
        }
        g.writeEndArray();
    }

    /** The item as DynamoDB JSON text. */
    public static String toJson(Map<String, AttributeValue> item) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = AwsHttpServer.JSON.createGenerator(out)) {
            writeItem(g, item);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
