package item;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How one attribute value is written as JSON: DynamoDB JSON ({@link AttributeValues}) or plain JSON ({@link
 * PlainJson}). An item is the same object of attributes either way; an error names the attribute it lies under.
 * Paths are built only while an error travels up ({@link ItemFormatException#under}): valid items pay nothing for them.
 */
@FunctionalInterface
interface ValueWriter {
    void write(AttributeValue v, JsonGenerator g) throws IOException;

    /** Writes one value; an error names its place under {@code path}. */
    default void write(AttributeValue v, JsonGenerator g, String path) throws IOException {
        try {
            write(v, g);
        } catch (ItemFormatException e) {
            throw e.under(path);
        }
    }

    /** Writes an item as a JSON object; an error names its place under {@code path}. */
    default void writeItem(Map<String, AttributeValue> item, JsonGenerator g, String path) throws IOException {
        try {
            writeItem(item, g);
        } catch (ItemFormatException e) {
            throw e.under(path);
        }
    }

    default void writeItem(Map<String, AttributeValue> item, JsonGenerator g) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            g.writeFieldName(e.getKey());
            try {
                write(e.getValue(), g);
            } catch (ItemFormatException x) {
                throw x.under(AttributePath.child("", e.getKey()));
            }
        }
        g.writeEndObject();
    }
}
