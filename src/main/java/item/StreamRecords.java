package item;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * Writes a DynamoDB Streams record as the Streams API sends it ({@code eventID}, {@code eventName},
 * {@code dynamodb{Keys, NewImage, OldImage, SequenceNumber, ...}}, {@code userIdentity}), so that a record the lake
 * could not convert is kept whole and can be replayed through {@link DeltaEnvelopes#fromJson}. Values the AWS SDK
 * could not type are written as {@code {}}, exactly as they reached the application.
 */
public final class StreamRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private StreamRecords() {}

    /** The record as one line of JSON. */
    public static String toJson(Record record) {
        return JsonText.render(g -> write(record, g));
    }

    /** Writes the record as one JSON object. */
    public static void write(Record r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        field(g, "eventID", r.eventID());
        field(g, "eventName", r.eventNameAsString());
        field(g, "eventVersion", r.eventVersion());
        field(g, "eventSource", r.eventSource());
        field(g, "awsRegion", r.awsRegion());
        StreamRecord d = r.dynamodb();
        if (d != null) {
            g.writeObjectFieldStart("dynamodb");
            if (d.approximateCreationDateTime() != null) {
                g.writeNumberField(
                        "ApproximateCreationDateTime",
                        BigDecimal.valueOf(d.approximateCreationDateTime().toEpochMilli(), 3));
            }
            image(g, "Keys", d.hasKeys() ? d.keys() : null);
            image(g, "NewImage", d.hasNewImage() ? d.newImage() : null);
            image(g, "OldImage", d.hasOldImage() ? d.oldImage() : null);
            field(g, "SequenceNumber", d.sequenceNumber());
            if (d.sizeBytes() != null) {
                g.writeNumberField("SizeBytes", d.sizeBytes());
            }
            field(g, "StreamViewType", d.streamViewTypeAsString());
            g.writeEndObject();
        }
        Identity identity = r.userIdentity();
        if (identity != null) {
            g.writeObjectFieldStart("userIdentity");
            field(g, "PrincipalId", identity.principalId());
            field(g, "Type", identity.type());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /**
     * Reads a record in the Streams API's JSON form back into the AWS SDK's object, as leniently as the SDK reads a
     * response: a value without a type it knows becomes a value of no type (see {@link AttributeValues#typeOf}).
     */
    public static Record read(byte[] json) {
        JsonNode r;
        try {
            r = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ItemFormatException("", "not JSON: " + e.getMessage());
        }
        Record.Builder record = Record.builder()
                .eventID(text(r, "eventID"))
                .eventName(text(r, "eventName"))
                .eventVersion(text(r, "eventVersion"))
                .eventSource(text(r, "eventSource"))
                .awsRegion(text(r, "awsRegion"));
        JsonNode d = r.get("dynamodb");
        if (d != null && d.isObject()) {
            StreamRecord.Builder change = StreamRecord.builder()
                    .sequenceNumber(text(d, "SequenceNumber"))
                    .streamViewType(text(d, "StreamViewType"));
            JsonNode created = d.get("ApproximateCreationDateTime");
            if (created != null && created.isValueNode() && !created.isNull()) {
                try (JsonParser p = created.traverse()) {
                    p.nextToken();
                    change.approximateCreationDateTime(StreamRecordTranscoder.creationTime(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (d.path("SizeBytes").canConvertToLong()) {
                change.sizeBytes(d.get("SizeBytes").asLong());
            }
            imageOf(d, "Keys", change::keys);
            imageOf(d, "NewImage", change::newImage);
            imageOf(d, "OldImage", change::oldImage);
            record.dynamodb(change.build());
        }
        JsonNode identity = r.get("userIdentity");
        if (identity != null && identity.isObject()) {
            record.userIdentity(Identity.builder()
                    .principalId(text(identity, "PrincipalId"))
                    .type(text(identity, "Type"))
                    .build());
        }
        return record.build();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    private static void imageOf(
            JsonNode change, String field, java.util.function.Consumer<Map<String, AttributeValue>> to) {
        JsonNode image = change.get(field);
        if (image == null || !image.isObject()) {
            return;
        }
        Map<String, AttributeValue> item = new java.util.LinkedHashMap<>();
        image.fields().forEachRemaining(e -> item.put(e.getKey(), lenient(e.getValue())));
        to.accept(item);
    }

    private static AttributeValue lenient(JsonNode value) {
        try {
            return AttributeValues.valueFromTree(value, "");
        } catch (ItemFormatException e) {
            if (value.isObject()
                    && value.size() == 1
                    && value.has("M")
                    && value.get("M").isObject()) {
                Map<String, AttributeValue> m = new java.util.LinkedHashMap<>();
                value.get("M").fields().forEachRemaining(f -> m.put(f.getKey(), lenient(f.getValue())));
                return AttributeValue.fromM(m);
            }
            if (value.isObject()
                    && value.size() == 1
                    && value.has("L")
                    && value.get("L").isArray()) {
                java.util.List<AttributeValue> l = new java.util.ArrayList<>();
                value.get("L").forEach(v -> l.add(lenient(v)));
                return AttributeValue.fromL(l);
            }
            return AttributeValue.builder().build();
        }
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void image(JsonGenerator g, String name, Map<String, AttributeValue> image) throws IOException {
        if (image == null) {
            return;
        }
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, AttributeValue> e : image.entrySet()) {
            g.writeFieldName(e.getKey());
            writeAsReceived(e.getValue(), g);
        }
        g.writeEndObject();
    }

    private static void writeAsReceived(AttributeValue v, JsonGenerator g) throws IOException {
        if (v == null || v.type() == null || v.type() == AttributeValue.Type.UNKNOWN_TO_SDK_VERSION) {
            g.writeStartObject();
            g.writeEndObject();
        } else if (v.type() == AttributeValue.Type.M) {
            g.writeStartObject();
            g.writeFieldName("M");
            g.writeStartObject();
            for (Map.Entry<String, AttributeValue> e : v.m().entrySet()) {
                g.writeFieldName(e.getKey());
                writeAsReceived(e.getValue(), g);
            }
            g.writeEndObject();
            g.writeEndObject();
        } else if (v.type() == AttributeValue.Type.L) {
            g.writeStartObject();
            g.writeArrayFieldStart("L");
            for (AttributeValue e : v.l()) {
                writeAsReceived(e, g);
            }
            g.writeEndArray();
            g.writeEndObject();
        } else {
            AttributeValues.writeValue(v, g, "");
        }
    }
}
