package item;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
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
