package export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import item.AttributeValues;
import item.ItemFormatException;
import java.io.IOException;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Parses the lines of DynamoDB export data files (DYNAMODB_JSON format), straight from the bytes. A line that is not
 * what an export writes is an {@link ItemFormatException} naming where in the line the problem is.
 *
 * <pre>
 * full export:        {"Item":{...}}
 * incremental export: {"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"OldImage":{…},"NewImage":{…}}
 * </pre>
 */
public final class ExportLines {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** One line of an incremental export: a change as of its write time. Images are null when absent. */
    public record Change(
            long writeTimestampMicros,
            Map<String, AttributeValue> keys,
            Map<String, AttributeValue> oldImage,
            Map<String, AttributeValue> newImage) {}

    private ExportLines() {}

    /** The item of a full export's line. */
    public static Map<String, AttributeValue> item(byte[] buf, int off, int len) {
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            start(p);
            Map<String, AttributeValue> item = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("Item")) {
                    item = AttributeValues.readItem(p, "Item");
                } else {
                    throw new ItemFormatException(field, "a full export line holds only Item");
                }
            }
            end(p);
            if (item == null) {
                throw new ItemFormatException("Item", "missing");
            }
            return item;
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    /** The change of an incremental export's line. */
    public static Change change(byte[] buf, int off, int len) {
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            start(p);
            Long micros = null;
            Map<String, AttributeValue> keys = null;
            Map<String, AttributeValue> oldImage = null;
            Map<String, AttributeValue> newImage = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "Metadata" -> micros = metadata(p);
                    case "Keys" -> keys = AttributeValues.readItem(p, "Keys");
                    case "OldImage" -> oldImage = AttributeValues.readItem(p, "OldImage");
                    case "NewImage" -> newImage = AttributeValues.readItem(p, "NewImage");
                    default -> throw new ItemFormatException(field, "not a field of an incremental export line");
                }
            }
            end(p);
            if (micros == null) {
                throw new ItemFormatException("Metadata.WriteTimestampMicros", "missing");
            }
            if (keys == null || keys.isEmpty()) {
                throw new ItemFormatException("Keys", "missing");
            }
            return new Change(micros, keys, oldImage, newImage);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    private static long metadata(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException("Metadata", "expected an object");
        }
        Long micros = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("WriteTimestampMicros")) {
                AttributeValue v = AttributeValues.readValue(p, "Metadata.WriteTimestampMicros");
                if (v.n() == null) {
                    throw new ItemFormatException("Metadata.WriteTimestampMicros", "expected a number (N)");
                }
                try {
                    micros = Long.parseLong(v.n());
                } catch (NumberFormatException e) {
                    throw new ItemFormatException("Metadata.WriteTimestampMicros", "not whole microseconds: " + v.n());
                }
            } else {
                p.skipChildren();
            }
        }
        if (micros == null) {
            throw new ItemFormatException("Metadata.WriteTimestampMicros", "missing");
        }
        return micros;
    }

    private static void start(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new ItemFormatException("", "a line is one JSON object");
        }
    }

    private static void end(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new ItemFormatException("", "text after the end of the line's object");
        }
    }

    private static ItemFormatException notJson(IOException e) {
        String message = e.getMessage();
        int cut = message == null ? -1 : message.indexOf("\n at [");
        return new ItemFormatException("", "not JSON: " + (cut > 0 ? message.substring(0, cut) : message));
    }
}
