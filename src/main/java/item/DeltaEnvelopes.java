package item;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

/**
 * Builds {@link DeltaEnvelope}s from DynamoDB Streams records, either as the AWS SDK returns them or as raw JSON
 * (a record captured from the wire, a Lambda event, a dead-lettered record being replayed).
 */
public final class DeltaEnvelopes {
    /** The principal of deletions made by DynamoDB's time to live, per the DynamoDB developer guide. */
    static final String TTL_PRINCIPAL = "dynamodb.amazonaws.com";

    private DeltaEnvelopes() {}

    /**
     * The envelope of a record read through the AWS SDK.
     *
     * @throws ItemFormatException when the record lacks what every stream record has, or holds invalid values
     */
    public static DeltaEnvelope fromRecord(Record record, String table, String shardId) {
        StreamRecord change = record.dynamodb();
        if (change == null) {
            throw new ItemFormatException("dynamodb", "the record has no dynamodb part");
        }
        Map<String, AttributeValue> newImage = change.hasNewImage() ? change.newImage() : null;
        Map<String, AttributeValue> oldImage = change.hasOldImage() ? change.oldImage() : null;
        return of(
                action(record.eventNameAsString()),
                change.sequenceNumber(),
                change.hasKeys() ? change.keys() : Map.of(),
                newImage,
                oldImage,
                change.approximateCreationDateTime(),
                record.eventID(),
                table,
                shardId,
                isTtlDelete(record.userIdentity()));
    }

    /**
     * The envelope of a record in DynamoDB Streams' JSON form ({@code eventID}, {@code eventName},
     * {@code dynamodb{ApproximateCreationDateTime, Keys, NewImage, OldImage, SequenceNumber}}, {@code userIdentity}).
     * ApproximateCreationDateTime is read in epoch seconds, also in exponent form such as {@code 1.46480431E9}.
     */
    public static DeltaEnvelope fromJson(JsonNode record, String table, String shardId) {
        JsonNode change = record.path("dynamodb");
        if (!change.isObject()) {
            throw new ItemFormatException("dynamodb", "the record has no dynamodb object");
        }
        JsonNode identity = record.path("userIdentity");
        Map<String, AttributeValue> keys = image(change, "Keys");
        // The wire form writes Type and PrincipalId; Lambda events write type and principalId.
        boolean ttl = "Service".equals(field(identity, "Type")) && TTL_PRINCIPAL.equals(field(identity, "PrincipalId"));
        return of(
                action(record.path("eventName").asText(null)),
                change.path("SequenceNumber").asText(null),
                keys == null ? Map.of() : keys,
                image(change, "NewImage"),
                image(change, "OldImage"),
                creationTime(change.path("ApproximateCreationDateTime")),
                record.path("eventID").asText(null),
                table,
                shardId,
                ttl);
    }

    /**
     * The envelope of one change, wherever it comes from (the stream's records, an incremental export's lines): its
     * {@code object} is the new image, or the old image for REMOVE, or the keys when the change carries no such image.
     *
     * @throws ItemFormatException naming the field, when the sequence number is not digits, the keys are empty, or
     *     the time or the event id is missing
     */
    public static DeltaEnvelope of(
            DeltaEnvelope.Action action,
            String sequenceNumber,
            Map<String, AttributeValue> keys,
            Map<String, AttributeValue> newImage,
            Map<String, AttributeValue> oldImage,
            Instant created,
            String eventId,
            String table,
            String shardId,
            boolean ttlExpired) {
        if (!SequenceNumbers.isValid(sequenceNumber)) {
            throw new ItemFormatException("dynamodb.SequenceNumber", "missing or not digits: '" + sequenceNumber + "'");
        }
        if (keys.isEmpty()) {
            throw new ItemFormatException("dynamodb.Keys", "a stream record always has the item's keys");
        }
        if (created == null) {
            throw new ItemFormatException("dynamodb.ApproximateCreationDateTime", "missing");
        }
        if (eventId == null) {
            throw new ItemFormatException("eventID", "missing");
        }
        Map<String, AttributeValue> object = action == DeltaEnvelope.Action.REMOVE ? oldImage : newImage;
        return new DeltaEnvelope(
                action,
                sequenceNumber,
                object != null ? object : keys,
                keys,
                oldImage,
                created,
                eventId,
                table,
                shardId,
                ttlExpired,
                object == null);
    }

    private static DeltaEnvelope.Action action(String eventName) {
        if (eventName != null) {
            for (DeltaEnvelope.Action a : DeltaEnvelope.Action.values()) {
                if (a.name().equals(eventName)) {
                    return a;
                }
            }
        }
        throw new ItemFormatException("eventName", "expected INSERT, MODIFY or REMOVE, found '" + eventName + "'");
    }

    private static String field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null) {
            v = node.get(Character.toLowerCase(name.charAt(0)) + name.substring(1));
        }
        return v == null ? null : v.asText();
    }

    private static boolean isTtlDelete(Identity identity) {
        return identity != null && "Service".equals(identity.type()) && TTL_PRINCIPAL.equals(identity.principalId());
    }

    private static Map<String, AttributeValue> image(JsonNode change, String field) {
        JsonNode node = change.get(field);
        return node == null || node.isNull() ? null : AttributeValues.fromTree(node, "dynamodb." + field);
    }

    /** Epoch seconds (integral, fractional or in exponent form) or ISO-8601 text to an instant. */
    static Instant creationTime(JsonNode node) {
        String path = "dynamodb.ApproximateCreationDateTime";
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        String text = node.asText();
        if (node.isTextual() && !text.isEmpty() && !Character.isDigit(text.charAt(0))) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new ItemFormatException(path, "'" + text + "' is neither epoch seconds nor ISO-8601");
            }
        }
        return EpochSeconds.toInstant(node.isNumber() ? node.decimalValue() : DynamoNumbers.parse(text, path));
    }
}
