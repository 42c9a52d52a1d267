package ddbstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import item.ItemFormatException;
import item.StreamRecordTranscoder;
import item.StreamRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * One record of a shard as the stream sent it: its JSON in the Streams API's form (one element of GetRecords'
 * {@code Records}). Converters work on the JSON directly; the two fields the reader itself needs are read from it on
 * first use (the reader asks for those of a batch's last record only), and {@link #toSdk} gives the AWS SDK's object
 * for code that wants it.
 */
public final class RawRecord {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final byte[] json;
    private boolean read;
    private String sequenceNumber;
    private Instant approximateCreationDateTime;

    /** @param json the record's bytes, exactly as they arrived (not copied: the caller hands them over) */
    public RawRecord(byte[] json) {
        this.json = Objects.requireNonNull(json, "json == null");
    }

    /** A record the SDK has read already, back in the Streams API's JSON form. */
    static RawRecord of(Record r) {
        return new RawRecord(StreamRecords.toJson(r).getBytes(StandardCharsets.UTF_8));
    }

    /** The record's bytes as they arrived; not a copy. */
    public byte[] json() {
        return json;
    }

    /** {@code dynamodb.SequenceNumber}, null when the record has none. */
    public String sequenceNumber() {
        readFields();
        return sequenceNumber;
    }

    /**
     * {@code dynamodb.ApproximateCreationDateTime} to the millisecond, as the AWS SDK reads it; null when the record
     * has none or it cannot be read (converting the record names that problem).
     */
    public Instant approximateCreationDateTime() {
        readFields();
        return approximateCreationDateTime;
    }

    /** The record as the AWS SDK would have read it from the same JSON. */
    public Record toSdk() {
        return StreamRecords.read(json);
    }

    private synchronized void readFields() {
        if (read) {
            return;
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean change = "dynamodb".equals(p.currentName());
                    if (p.nextToken() != JsonToken.START_OBJECT || !change) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        JsonToken t = p.nextToken();
                        if ("SequenceNumber".equals(field)
                                && t != null
                                && t.isScalarValue()
                                && t != JsonToken.VALUE_NULL) {
                            sequenceNumber = p.getText();
                        } else if ("ApproximateCreationDateTime".equals(field)) {
                            approximateCreationDateTime = creationTime(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Not JSON: the fields stay unknown, and converting the record reports it.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        read = true;
    }

    private static Instant creationTime(JsonParser p) throws IOException {
        try {
            return StreamRecordTranscoder.creationTime(p);
        } catch (ItemFormatException e) {
            p.skipChildren();
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r && Arrays.equals(json, r.json);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(json);
    }

    @Override
    public String toString() {
        return "RawRecord[" + new String(json, StandardCharsets.UTF_8) + "]";
    }
}
