package item;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One change of one item, as the lake's deltas hold it: one JSON object per line,
 * {@code {"action","sequenceNumber","object","keys","oldObject","approximateCreationDateTime","eventId","table",
 * "shardId","ttlExpired"}}. {@code object} is the new image, or for REMOVE the old image; when the stream carries
 * no such image (StreamViewType KEYS_ONLY or OLD_IMAGE) it is the keys, and {@code "keysOnly":true} says so (written
 * only then), so that no reader replaces an item with its keys. {@code oldObject} is written only when the stream has
 * the old image.
 *
 * <pre>{@code
 * String line = DeltaEnvelopes.fromRecord(record, "orders", "shardId-0001").toJson();
 * }</pre>
 */
public record DeltaEnvelope(
        Action action,
        String sequenceNumber,
        Map<String, AttributeValue> object,
        Map<String, AttributeValue> keys,
        Map<String, AttributeValue> oldObject,
        Instant approximateCreationDateTime,
        String eventId,
        String table,
        String shardId,
        boolean ttlExpired,
        boolean keysOnly) {

    /** The kind of change, named as DynamoDB Streams names it. */
    public enum Action {
        INSERT,
        MODIFY,
        REMOVE
    }

    public DeltaEnvelope {
        Objects.requireNonNull(action, "action == null");
        if (!SequenceNumbers.isValid(sequenceNumber)) {
            throw new IllegalArgumentException(
                    "sequenceNumber must be a string of digits, was '" + sequenceNumber + "'");
        }
        Objects.requireNonNull(object, "object == null");
        Objects.requireNonNull(keys, "keys == null");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys is empty");
        }
        Objects.requireNonNull(approximateCreationDateTime, "approximateCreationDateTime == null");
        Objects.requireNonNull(eventId, "eventId == null");
        Objects.requireNonNull(table, "table == null");
        Objects.requireNonNull(shardId, "shardId == null");
    }

    /** The envelope as one line of JSON (without the line break). */
    public String toJson() {
        return JsonText.render(this::writeJson);
    }

    /** Writes the envelope as one JSON object. */
    public void writeJson(JsonGenerator g) throws IOException {
        write(
                g,
                action,
                sequenceNumber,
                (out, field) -> {
                    Map<String, AttributeValue> image = switch (field) {
                        case "object" -> object;
                        case "keys" -> keys;
                        default -> oldObject;
                    };
                    out.writeFieldName(field);
                    PlainJson.writeItem(image, out, field);
                },
                oldObject != null,
                approximateCreationDateTime,
                eventId,
                table,
                shardId,
                ttlExpired,
                keysOnly);
    }

    /** Writes one image of the envelope as the field of that name ({@code object}, {@code keys}, {@code oldObject}). */
    @FunctionalInterface
    interface ImageWriter {
        void write(JsonGenerator g, String field) throws IOException;
    }

    /**
     * The envelope's one layout, field by field, for every writer of it: the images through {@code images}, whatever
     * they are read from.
     */
    static void write(
            JsonGenerator g,
            Action action,
            String sequenceNumber,
            ImageWriter images,
            boolean hasOldObject,
            Instant approximateCreationDateTime,
            String eventId,
            String table,
            String shardId,
            boolean ttlExpired,
            boolean keysOnly)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("action", action.name());
        g.writeStringField("sequenceNumber", sequenceNumber);
        images.write(g, "object");
        images.write(g, "keys");
        if (hasOldObject) {
            images.write(g, "oldObject");
        }
        g.writeStringField("approximateCreationDateTime", approximateCreationDateTime.toString());
        g.writeStringField("eventId", eventId);
        g.writeStringField("table", table);
        g.writeStringField("shardId", shardId);
        g.writeBooleanField("ttlExpired", ttlExpired);
        if (keysOnly) {
            g.writeBooleanField("keysOnly", true);
        }
        g.writeEndObject();
    }
}
