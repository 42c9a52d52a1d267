package views;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import item.DynamoNumbers;
import item.ItemFormatException;
import item.ItemKeys;
import item.PlainJson;
import item.SequenceNumbers;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import lake.SchemaDiscovery;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads the lines of delta objects (the envelope of DESIGN.md, one per line) into the changes compaction merges. The
 * new image is kept as the exact bytes of the line's {@code object}, so numbers reach the view digit for digit; the
 * key becomes {@link ItemKeys}' one text, the sequence number a zero-padded text that sorts as the number does.
 */
public final class DeltaLines {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    /** Sequence numbers are 21 to 40 digits; padded to this width they sort as numbers. */
    static final int SEQUENCE_WIDTH = 48;

    public enum Action {
        INSERT,
        MODIFY,
        REMOVE
    }

    /**
     * One change.
     *
     * @param attributes the new image's top-level values, as schema discovery counts them (null for REMOVE)
     * @param line the bytes the line was read from, which hold the new image's exact JSON text at {@code
     *     imageOffset}, {@code imageLength} bytes long (0 for REMOVE): valid until the reader reads on
     */
    public record Change(
            String key,
            String sequence,
            Action action,
            Instant time,
            List<SchemaDiscovery.Value> attributes,
            byte[] line,
            int imageOffset,
            int imageLength) {
        /** The new image's exact JSON text, a copy (null for REMOVE). */
        public byte[] itemJson() {
            return imageLength == 0 ? null : Arrays.copyOfRange(line, imageOffset, imageOffset + imageLength);
        }
    }

    private DeltaLines() {}

    /** The sequence number as text that sorts as the number: zero-padded to {@value #SEQUENCE_WIDTH} digits. */
    public static String padded(String sequenceNumber) {
        if (!SequenceNumbers.isValid(sequenceNumber) || sequenceNumber.length() > SEQUENCE_WIDTH) {
            throw new ItemFormatException(
                    "sequenceNumber", "expected up to " + SEQUENCE_WIDTH + " digits, found '" + sequenceNumber + "'");
        }
        char[] pad = new char[SEQUENCE_WIDTH - sequenceNumber.length()];
        Arrays.fill(pad, '0');
        return new String(pad) + sequenceNumber;
    }

    /**
     * One envelope line; {@code keyNames} are the table's key attributes, partition key first. Null for an INSERT or
     * MODIFY that holds only the item's keys ({@code "keysOnly":true}, from a stream without new images): it carries no
     * value a view could apply, and must never replace the item with its keys.
     */
    public static Change parse(byte[] buf, int off, int len, List<String> keyNames) {
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ItemFormatException("", "a delta line is one JSON object");
            }
            String action = null;
            String sequence = null;
            String time = null;
            java.util.function.Supplier<String> keys = null;
            List<SchemaDiscovery.Value> object = null;
            int objectStart = -1;
            int objectEnd = -1;
            boolean keysOnly = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "action" -> action = p.getValueAsString();
                    case "sequenceNumber" -> sequence = p.getValueAsString();
                    case "approximateCreationDateTime" -> time = p.getValueAsString();
                    case "keysOnly" -> keysOnly = t == JsonToken.VALUE_TRUE;
                    case "keys" -> keys = keys(p, t, buf, off, keyNames);
                    case "object" -> {
                        objectStart = (int) p.currentTokenLocation().getByteOffset();
                        object = topLevel(p, t);
                        objectEnd = (int) p.currentLocation().getByteOffset();
                    }
                    default -> p.skipChildren();
                }
            }
            if (action == null || sequence == null || keys == null) {
                throw new ItemFormatException(
                        action == null ? "action" : sequence == null ? "sequenceNumber" : "keys", "missing");
            }
            Action a;
            try {
                a = Action.valueOf(action);
            } catch (IllegalArgumentException e) {
                throw new ItemFormatException("action", "expected INSERT, MODIFY or REMOVE, found '" + action + "'");
            }
            if (a != Action.REMOVE && keysOnly) {
                return null;
            }
            if (a != Action.REMOVE && object == null) {
                throw new ItemFormatException("object", "missing: an " + action + " carries the new image");
            }
            Instant at;
            try {
                at = time == null ? null : instant(time);
            } catch (DateTimeParseException e) {
                throw new ItemFormatException("approximateCreationDateTime", "not an ISO-8601 instant: " + time);
            }
            if (at != null && (at.isBefore(EARLIEST) || at.isAfter(LATEST))) {
                throw new ItemFormatException(
                        "approximateCreationDateTime", "outside the years 1 to 9999 a view's times hold: " + time);
            }
            String key = keys.get();
            if (a == Action.REMOVE) {
                return new Change(key, padded(sequence), a, at, null, buf, 0, 0);
            }
            return new Change(key, padded(sequence), a, at, object, buf, off + objectStart, objectEnd - objectStart);
        } catch (IOException e) {
            String message = e.getMessage();
            int cut = message == null ? -1 : message.indexOf("\n at [");
            throw new ItemFormatException("", "not JSON: " + (cut > 0 ? message.substring(0, cut) : message));
        }
    }

    /**
     * The top-level values of the image whose START_OBJECT is the current token, read past its end. Nested values are
     * only checked to be JSON: the image is kept as its text, and the view's writer reads it once more.
     */
    private static List<SchemaDiscovery.Value> topLevel(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw new ItemFormatException("object", "expected an object");
        }
        List<SchemaDiscovery.Value> values = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            AttributeValue.Type type = switch (v) {
                case VALUE_STRING -> AttributeValue.Type.S;
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> AttributeValue.Type.N;
                case VALUE_TRUE, VALUE_FALSE -> AttributeValue.Type.BOOL;
                case VALUE_NULL -> AttributeValue.Type.NUL;
                case START_ARRAY -> AttributeValue.Type.L;
                case START_OBJECT -> AttributeValue.Type.M;
                default -> throw new ItemFormatException("object." + name, "unexpected " + v);
            };
            String text = type == AttributeValue.Type.N || type == AttributeValue.Type.S ? p.getText() : null;
            // A number no decimal holds is the line's error; a string's text is kept too: an attribute the table holds
            // as binary is base64 text here.
            if (type == AttributeValue.Type.N && (text.indexOf('e') >= 0 || text.indexOf('E') >= 0)) {
                DynamoNumbers.parse(text, "object." + name); // an exponent no decimal holds
            }
            values.add(new SchemaDiscovery.Value(name, type, text));
            p.skipChildren();
        }
        return values;
    }

    /**
     * The {@code keys} object whose START_OBJECT is the current token, read past its end: what gives the key as {@link
     * ItemKeys#canonical(Map, List)} does, once the line's other fields are checked. Key attributes that are strings or
     * numbers are taken from their text; otherwise the object is read again as an item, which names what is wrong.
     */
    private static java.util.function.Supplier<String> keys(
            JsonParser p, JsonToken t, byte[] buf, int off, List<String> keyNames) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            Map<String, AttributeValue> item = object(p, t, "keys");
            return () -> ItemKeys.canonical(item, keyNames);
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        String[] values = new String[keyNames.size()];
        boolean[] number = new boolean[keyNames.size()];
        boolean plain = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            int i = keyNames.indexOf(p.currentName());
            JsonToken v = p.nextToken();
            if (i < 0) {
                p.skipChildren();
            } else if (v == JsonToken.VALUE_STRING
                    || v == JsonToken.VALUE_NUMBER_INT
                    || v == JsonToken.VALUE_NUMBER_FLOAT) {
                values[i] = p.getText();
                number[i] = v != JsonToken.VALUE_STRING;
            } else {
                p.skipChildren();
                plain = false;
            }
        }
        if (plain) {
            return () -> ItemKeys.canonical(keyNames, values, number);
        }
        int end = (int) p.currentLocation().getByteOffset();
        try (JsonParser again = JSON.createParser(buf, off + start, end - start)) {
            Map<String, AttributeValue> item = object(again, again.nextToken(), "keys");
            return () -> ItemKeys.canonical(item, keyNames);
        }
    }

    /**
     * An ISO-8601 instant: {@code 2026-12-07T05:47:33Z} and {@code 2026-12-07T05:47:33.123Z} (up to nine fraction
     * digits) read at once, anything else as {@link Instant#parse} reads it (it took a fifth of reading a delta line).
     */
    static Instant instant(String s) {
        int n = s.length();
        if ((n == 20 || (n >= 22 && n <= 30))
                && s.charAt(4) == '-'
                && s.charAt(7) == '-'
                && s.charAt(10) == 'T'
                && s.charAt(13) == ':'
                && s.charAt(16) == ':'
                && s.charAt(n - 1) == 'Z'
                && (n == 20 || s.charAt(19) == '.')) {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 7);
            int day = digits(s, 8, 10);
            int hour = digits(s, 11, 13);
            int minute = digits(s, 14, 16);
            int second = digits(s, 17, 19);
            int nanos = n == 20 ? 0 : digits(s, 20, n - 1);
            if (year >= 0
                    && month >= 1
                    && month <= 12
                    && day >= 1
                    && hour >= 0
                    && hour <= 23
                    && minute >= 0
                    && minute <= 59
                    && second >= 0
                    && second <= 59
                    && nanos >= 0
                    && day <= java.time.YearMonth.of(year, month).lengthOfMonth()) {
                for (int k = n - 1; k < 29; k++) {
                    nanos *= 10;
                }
                long days = java.time.LocalDate.of(year, month, day).toEpochDay();
                return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
            }
        }
        return Instant.parse(s);
    }

    /** The decimal digits of {@code s} from {@code from} to {@code to} as a number, or -1 where one is no digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static Map<String, AttributeValue> object(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw new ItemFormatException(field, "expected an object");
        }
        try {
            return PlainJson.readItem(p, "");
        } catch (ItemFormatException e) {
            throw e.under(field);
        }
    }
}
