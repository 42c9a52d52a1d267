package localaws.streams;

import static localaws.http.Requests.epochSeconds;
import static localaws.http.Requests.required;
import static localaws.http.Requests.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import localaws.http.AwsHttpServer;
import localaws.http.AwsJsonService;
import localaws.http.AwsServiceException;
import localaws.http.Requests;

/**
 * DynamoDB Streams over AWS JSON 1.0: ListStreams, DescribeStream (paginated), GetShardIterator and GetRecords
 * (at most 1,000 records and 1 MB, no NextShardIterator once a closed shard is read to its end).
 */
public final class DynamoDbStreamsService implements AwsJsonService.DynamoDbDialect {
    private static final int MAX_RECORDS = 1000;
    private static final int MAX_BYTES = 1024 * 1024;

    private final StreamStore store;
    private final Clock clock;

    public DynamoDbStreamsService(StreamStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public String targetPrefix() {
        return "DynamoDBStreams_20120810";
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        return switch (operation) {
            case "ListStreams" -> listStreams(request);
            case "DescribeStream" -> describeStream(request);
            case "GetShardIterator" -> getShardIterator(request);
            case "GetRecords" -> getRecords(request);
            default ->
                throw new AwsServiceException("UnknownOperationException", 400, "Unknown operation " + operation);
        };
    }

    private ObjectNode listStreams(JsonNode request) {
        String table = text(request, "TableName");
        int limit = Requests.integer(request, "Limit", 1, 100, 100);
        String start = text(request, "ExclusiveStartStreamArn");
        List<Stream> streams = store.list(table);
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode list = out.putArray("Streams");
        int i = start == null ? 0 : indexAfter(streams.stream().map(s -> s.arn).toList(), start);
        for (; i < streams.size() && list.size() < limit; i++) {
            Stream s = streams.get(i);
            list.addObject()
                    .put("StreamArn", s.arn)
                    .put("TableName", s.tableName)
                    .put("StreamLabel", s.label);
        }
        if (i < streams.size()) {
            out.put("LastEvaluatedStreamArn", streams.get(i - 1).arn);
        }
        return out;
    }

    private ObjectNode describeStream(JsonNode request) {
        Stream stream = stream(request);
        int limit = Requests.integer(request, "Limit", 1, 100, 100);
        String start = text(request, "ExclusiveStartShardId");
        List<Shard> shards = stream.shards();
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ObjectNode d = out.putObject("StreamDescription");
        d.put("StreamArn", stream.arn)
                .put("StreamLabel", stream.label)
                .put("StreamStatus", stream.isEnabled() ? "ENABLED" : "DISABLED")
                .put("StreamViewType", stream.viewType)
                .put("CreationRequestDateTime", epochSeconds(stream.created))
                .put("TableName", stream.tableName);
        d.set("KeySchema", stream.keySchema);
        ArrayNode list = d.putArray("Shards");
        int i = start == null ? 0 : indexAfter(shards.stream().map(s -> s.id).toList(), start);
        for (; i < shards.size() && list.size() < limit; i++) {
            Shard s = shards.get(i);
            ObjectNode shard = list.addObject().put("ShardId", s.id);
            if (s.parentId != null) {
                shard.put("ParentShardId", s.parentId);
            }
            ObjectNode range = shard.putObject("SequenceNumberRange");
            range.put("StartingSequenceNumber", s.startingSequenceNumber.toString());
            if (s.endingSequenceNumber != null) {
                range.put("EndingSequenceNumber", s.endingSequenceNumber.toString());
            }
        }
        if (i < shards.size()) {
            d.put("LastEvaluatedShardId", shards.get(i - 1).id);
        }
        return out;
    }

    private ObjectNode getShardIterator(JsonNode request) {
        Stream stream = stream(request);
        String shardId = required(request, "ShardId");
        String type = required(request, "ShardIteratorType");
        Shard shard = shard(stream, shardId);
        BigInteger after = stream.withShard(shard, s -> position(s, type, text(request, "SequenceNumber")));
        String iterator = store.iterators.encode(new ShardIterators.Position(
                stream.arn,
                shardId,
                after,
                clock.instant(),
                Long.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong())));
        return AwsHttpServer.JSON.createObjectNode().put("ShardIterator", iterator);
    }

    /** The sequence number after which an iterator of this type starts. */
    private static BigInteger position(Shard s, String type, String sequenceNumber) {
        BigInteger floor = s.trimmedUpTo != null ? s.trimmedUpTo : s.startingSequenceNumber.subtract(BigInteger.ONE);
        switch (type) {
            case "TRIM_HORIZON":
                return floor;
            case "LATEST":
                BigInteger last = s.lastSequenceNumber();
                return s.endingSequenceNumber != null ? s.endingSequenceNumber : last != null ? last : floor;
            case "AT_SEQUENCE_NUMBER":
            case "AFTER_SEQUENCE_NUMBER":
                if (sequenceNumber == null
                        || !sequenceNumber.chars().allMatch(Character::isDigit)
                        || sequenceNumber.isEmpty()) {
                    throw AwsServiceException.validation(
                            "SequenceNumber is required for " + type + " and must be digits");
                }
                BigInteger seq = new BigInteger(sequenceNumber);
                BigInteger after = type.equals("AT_SEQUENCE_NUMBER") ? seq.subtract(BigInteger.ONE) : seq;
                if (seq.compareTo(s.startingSequenceNumber) < 0
                        || (s.endingSequenceNumber != null && seq.compareTo(s.endingSequenceNumber) > 0)) {
                    throw AwsServiceException.validation(
                            "Invalid SequenceNumber " + sequenceNumber + " for ShardId " + s.id);
                }
                if (after.compareTo(floor) < 0) {
                    throw trimmed(s, after);
                }
                return after;
            default:
                throw AwsServiceException.validation("1 validation error detected: Value '" + type + "' at"
                        + " 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set:"
                        + " [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        }
    }

    private byte[] getRecords(JsonNode request) {
        ShardIterators.Position p = store.iterators.decode(required(request, "ShardIterator"));
        Instant now = clock.instant();
        if (store.isExpired(p.issued(), now)) {
            throw AwsServiceException.badRequest(
                    "ExpiredIteratorException",
                    "Iterator expired. The iterator was" + " created at time " + p.issued() + " while right now it is "
                            + now + ".");
        }
        int limit = Requests.integer(request, "Limit", 1, MAX_RECORDS, MAX_RECORDS);
        Stream stream = store.get(p.streamArn());
        if (stream == null) {
            throw AwsServiceException.notFound("Requested resource not found: Stream: " + p.streamArn() + " not found");
        }
        Shard shard = shard(stream, p.shardId());
        store.readers.read(p.streamArn(), p.shardId(), p.reader(), now);
        return stream.withShard(shard, s -> read(s, p, limit, now));
    }

    private byte[] read(Shard s, ShardIterators.Position p, int limit, Instant now) {
        if (s.trimmedUpTo != null && p.after().compareTo(s.trimmedUpTo) < 0) {
            throw trimmed(s, p.after());
        }
        List<Shard.Entry> records = s.after(p.after(), limit, MAX_BYTES);
        BigInteger next =
                records.isEmpty() ? p.after() : records.get(records.size() - 1).sequenceNumber();
        boolean finished = !s.isOpen() && !s.hasAfter(next);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        out.writeBytes("{\"Records\":[".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(records.get(i).json());
        }
        out.write(']');
        if (!finished) {
            String iterator = store.iterators.encode(
                    new ShardIterators.Position(p.streamArn(), p.shardId(), next, now, p.reader()));
            out.writeBytes((",\"NextShardIterator\":\"" + iterator + "\"").getBytes(StandardCharsets.US_ASCII));
        }
        out.write('}');
        return out.toByteArray();
    }

    private static AwsServiceException trimmed(Shard s, BigInteger after) {
        return AwsServiceException.badRequest(
                "TrimmedDataAccessException",
                "The operation attempted to read past"
                        + " the oldest stream record in a shard: shard " + s.id + ", records after " + after
                        + " were trimmed up to " + s.trimmedUpTo);
    }

    private Stream stream(JsonNode request) {
        String arn = required(request, "StreamArn");
        Stream stream = store.get(arn);
        if (stream == null) {
            throw AwsServiceException.notFound("Requested resource not found: Stream: " + arn + " not found");
        }
        return stream;
    }

    private static Shard shard(Stream stream, String shardId) {
        Shard shard = stream.shard(shardId);
        if (shard == null) {
            throw AwsServiceException.notFound("Requested resource not found: Shard does not exist: " + shardId);
        }
        return shard;
    }

    private static int indexAfter(List<String> ids, String exclusiveStart) {
        int i = ids.indexOf(exclusiveStart);
        return i < 0 ? 0 : i + 1;
    }
}
