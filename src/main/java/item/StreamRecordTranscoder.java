package item;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Writes the delta envelope of a DynamoDB Streams record straight from the record's JSON as the Streams API sends it
 * (one element of GetRecords' {@code Records}), without building the AWS SDK's objects: the bytes
 * {@link DeltaEnvelope#writeJson} writes for the record the SDK reads from the same JSON, and the same checks (an
 * invalid record is an {@link ItemFormatException} naming its place in the record, such as
 * {@code dynamodb.NewImage.lines[2].qty}).
 *
 * <p>A transcoder keeps its buffers between records: use one per thread.
 *
 * <pre>{@code
 * StreamRecordTranscoder envelopes = new StreamRecordTranscoder();
 * envelopes.write(recordJson, "orders", "shardId-0001", out);
 * }</pre>
 */
public final class StreamRecordTranscoder {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** The record's images as plain JSON, one after the other: [keys | new image | old image]. */
    private final Scratch images = new Scratch();

    private JsonGenerator imageWriter;

    private String eventId;
    private String eventName;
    private String sequenceNumber;
    private Instant created;
    private boolean ttl;
    private boolean hasChange;
    private final int[] keys = new int[2];
    private final int[] newImage = new int[2];
    private final int[] oldImage = new int[2];

    /**
     * Writes the envelope of one record, as one JSON object without a line break, to {@code out}.
     *
     * @throws ItemFormatException when the record lacks what every stream record has, or holds invalid values;
     *     {@code out} may then hold part of the envelope
     */
    public void write(byte[] record, String table, String shardId, OutputStream out) throws IOException {
        read(record);
        DeltaEnvelope.Action action = action(eventName);
        if (!hasChange) {
            throw new ItemFormatException("dynamodb", "the record has no dynamodb part");
        }
        if (!SequenceNumbers.isValid(sequenceNumber)) {
            throw new ItemFormatException("dynamodb.SequenceNumber", "missing or not digits: '" + sequenceNumber + "'");
        }
        if (keys[0] < 0 || keys[1] - keys[0] <= 2) {
            throw new ItemFormatException("dynamodb.Keys", "a stream record always has the item's keys");
        }
        if (created == null) {
            throw new ItemFormatException("dynamodb.ApproximateCreationDateTime", "missing");
        }
        if (eventId == null) {
            throw new ItemFormatException("eventID", "missing");
        }
        int[] object = action == DeltaEnvelope.Action.REMOVE ? oldImage : newImage;
        boolean keysOnly = object[0] < 0;
        if (keysOnly) {
            object = keys;
        }
        try (JsonGenerator g = JSON.createGenerator(out)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT)) {
            int[] objectRange = object;
            DeltaEnvelope.write(
                    g,
                    action,
                    sequenceNumber,
                    (w, field) -> image(
                            w,
                            out,
                            field,
                            switch (field) {
                                case "object" -> objectRange;
                                case "keys" -> keys;
                                default -> oldImage;
                            }),
                    oldImage[0] >= 0,
                    created,
                    eventId,
                    table,
                    shardId,
                    ttl,
                    keysOnly);
        }
    }

    /** An image's plain JSON as the value of a field: the generator counts it written, the bytes go straight out. */
    private void image(JsonGenerator g, OutputStream out, String field, int[] range) throws IOException {
        g.writeFieldName(field);
        g.writeRawValue("");
        g.flush();
        out.write(images.bytes(), range[0], range[1] - range[0]);
    }

    private void read(byte[] record) throws IOException {
        eventId = null;
        eventName = null;
        sequenceNumber = null;
        created = null;
        ttl = false;
        hasChange = false;
        keys[0] = newImage[0] = oldImage[0] = -1;
        images.reset();
        try (JsonParser p = JSON.createParser(record)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ItemFormatException(
                        "", "a stream record is a JSON object, found " + AttributeValues.describe(p));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "eventID" -> eventId = text(p);
                    case "eventName" -> eventName = text(p);
                    case "dynamodb" -> readChange(p);
                    case "userIdentity" -> ttl = isTtlDelete(p);
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ItemFormatException("", "not JSON: " + e.getOriginalMessage());
        }
    }

    private void readChange(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        hasChange = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "SequenceNumber" -> sequenceNumber = text(p);
                case "ApproximateCreationDateTime" -> created = creationTime(p);
                case "Keys" -> copyImage(p, "dynamodb.Keys", keys);
                case "NewImage" -> copyImage(p, "dynamodb.NewImage", newImage);
                case "OldImage" -> copyImage(p, "dynamodb.OldImage", oldImage);
                default -> p.skipChildren();
            }
        }
    }

    private void copyImage(JsonParser p, String path, int[] range) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (imageWriter == null) {
            imageWriter = JSON.createGenerator(images);
            imageWriter.setRootValueSeparator(null);
        }
        imageWriter.flush();
        range[0] = images.size();
        try {
            PlainJson.copyDynamoItem(p, imageWriter);
            imageWriter.flush();
        } catch (ItemFormatException e) {
            // The writer is in the middle of an object: the next record gets a new one.
            imageWriter = null;
            throw e.under(path);
        } catch (IOException | RuntimeException e) {
            imageWriter = null;
            throw e;
        }
        range[1] = images.size();
    }

    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!t.isScalarValue()) {
            p.skipChildren();
            return null;
        }
        return p.getText();
    }

    /** DynamoDB Streams' principal for deletions by time to live; the wire writes Type and PrincipalId. */
    private static boolean isTtlDelete(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        String type = null;
        String principal = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "Type", "type" -> type = text(p);
                case "PrincipalId", "principalId" -> principal = text(p);
                default -> p.skipChildren();
            }
        }
        return "Service".equals(type) && DeltaEnvelopes.TTL_PRINCIPAL.equals(principal);
    }

    /**
     * Epoch seconds, read as the AWS SDK reads this timestamp (to the millisecond, truncated), so that both paths
     * write the same instant; ISO-8601 text as {@link DeltaEnvelopes#fromJson} reads it.
     */
    public static Instant creationTime(JsonParser p) throws IOException {
        String path = "dynamodb.ApproximateCreationDateTime";
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!t.isScalarValue()) {
            throw new ItemFormatException(path, "expected epoch seconds, found " + AttributeValues.describe(p));
        }
        String text = p.getText();
        if (t == JsonToken.VALUE_STRING && !text.isEmpty() && !Character.isDigit(text.charAt(0))) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new ItemFormatException(path, "'" + text + "' is neither epoch seconds nor ISO-8601");
            }
        }
        return Instant.ofEpochMilli(
                DynamoNumbers.parse(text, path).scaleByPowerOfTen(3).longValue());
    }

    private static DeltaEnvelope.Action action(String eventName) {
        if (eventName != null) {
            switch (eventName) {
                case "INSERT":
                    return DeltaEnvelope.Action.INSERT;
                case "MODIFY":
                    return DeltaEnvelope.Action.MODIFY;
                case "REMOVE":
                    return DeltaEnvelope.Action.REMOVE;
                default:
                    break;
            }
        }
        throw new ItemFormatException("eventName", "expected INSERT, MODIFY or REMOVE, found '" + eventName + "'");
    }

    /** A growing byte buffer that can be read in place. */
    private static final class Scratch extends ByteArrayOutputStream {
        Scratch() {
            super(4096);
        }

        byte[] bytes() {
            return buf;
        }
    }
}
