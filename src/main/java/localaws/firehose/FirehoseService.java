package localaws.firehose;

import static localaws.http.Requests.epochSeconds;
import static localaws.http.Requests.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import localaws.http.AwsHttpServer;
import localaws.http.AwsJsonService;
import localaws.http.AwsServiceException;
import localaws.http.Requests;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Amazon Data Firehose over AWS JSON 1.1 with S3 destinations: CreateDeliveryStream, DescribeDeliveryStream,
 * ListDeliveryStreams, DeleteDeliveryStream, PutRecord and PutRecordBatch with AWS's limits (500 records, 1,000 KiB a
 * record, 4 MiB a call). A fault makes a share of PutRecordBatch entries fail the way Firehose reports partial
 * failures: HTTP 200, FailedPutCount, and ErrorCode on the failed entries.
 */
public final class FirehoseService implements AwsJsonService, AutoCloseable {
    private static final int MAX_RECORDS = 500;
    private static final int MAX_RECORD_BYTES = 1000 * 1024;
    private static final int MAX_CALL_BYTES = 4 * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    private final Map<String, DeliveryStream> streams = new ConcurrentSkipListMap<>();
    private final S3Client s3;
    private final Clock clock;
    private final String region;
    private final String account;
    private final ScheduledExecutorService delivery = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "localaws-firehose");
        t.setDaemon(true);
        return t;
    });
    private volatile EntryFailures failures;

    /** The entry-failure fault: which stream (null: all), what share of entries, for how many more calls. */
    private record EntryFailures(String stream, double fraction, int remainingCalls, Random random) {}

    public FirehoseService(S3Client s3, Clock clock, String region, String account) {
        this.s3 = s3;
        this.clock = clock;
        this.region = region;
        this.account = account;
        delivery.scheduleWithFixedDelay(this::deliverDue, 100, 100, TimeUnit.MILLISECONDS);
    }

    @Override
    public String targetPrefix() {
        return "Firehose_20150804";
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateDeliveryStream" -> create(request);
            case "DescribeDeliveryStream" -> describe(request);
            case "ListDeliveryStreams" -> list(request);
            case "DeleteDeliveryStream" -> delete(request);
            case "PutRecord" -> putRecord(request);
            case "PutRecordBatch" -> putRecordBatch(request);
            default ->
                throw new AwsServiceException(
                        "UnknownOperationException",
                        400,
                        "The local emulator does not" + " implement Firehose operation " + operation);
        };
    }

    /**
     * Fault: for the next {@code calls} PutRecordBatch calls (negative: until cleared) on the named stream (null:
     * every stream), each entry fails with ServiceUnavailableException with the given probability.
     */
    public void failEntries(String stream, double fraction, int calls, long seed) {
        failures = new EntryFailures(stream, fraction, calls, new Random(seed));
    }

    public void clearFaults() {
        failures = null;
    }

    private ObjectNode create(JsonNode request) {
        String name = required(request, "DeliveryStreamName");
        if (!NAME.matcher(name).matches()) {
            throw AwsServiceException.validation("DeliveryStreamName must match [a-zA-Z0-9_.-]{1,64}");
        }
        JsonNode dest = request.has("ExtendedS3DestinationConfiguration")
                ? request.get("ExtendedS3DestinationConfiguration")
                : request.get("S3DestinationConfiguration");
        if (dest == null || !dest.has("BucketARN")) {
            throw AwsServiceException.badRequest(
                    "InvalidArgumentException",
                    "The local emulator delivers to S3: give"
                            + " ExtendedS3DestinationConfiguration or S3DestinationConfiguration with a BucketARN");
        }
        JsonNode hints = dest.path("BufferingHints");
        int sizeMb = Requests.integer(hints, "SizeInMBs", 1, 128, 5);
        int interval = Requests.integer(hints, "IntervalInSeconds", 0, 900, 300);
        String compression = dest.path("CompressionFormat").asText("UNCOMPRESSED");
        if (!Set.of("UNCOMPRESSED", "GZIP").contains(compression)) {
            throw AwsServiceException.badRequest(
                    "InvalidArgumentException",
                    "The local emulator supports" + " CompressionFormat UNCOMPRESSED and GZIP, not " + compression);
        }
        String bucket = dest.get("BucketARN").asText().replaceFirst("^arn:aws[a-z-]*:s3:::", "");
        String arn = "arn:aws:firehose:" + region + ":" + account + ":deliverystream/" + name;
        DeliveryStream stream = new DeliveryStream(
                name,
                arn,
                clock.instant(),
                bucket,
                dest.path("Prefix").asText(""),
                sizeMb * 1024L * 1024L,
                Duration.ofSeconds(interval),
                compression.equals("GZIP"),
                dest);
        if (streams.putIfAbsent(name, stream) != null) {
            throw AwsServiceException.badRequest(
                    "ResourceInUseException", "Firehose " + name + " under account " + account + " already exists.");
        }
        return AwsHttpServer.JSON.createObjectNode().put("DeliveryStreamARN", arn);
    }

    private DeliveryStream stream(JsonNode request) {
        String name = required(request, "DeliveryStreamName");
        DeliveryStream s = streams.get(name);
        if (s == null) {
            throw AwsServiceException.notFound("Firehose " + name + " under account " + account + " not found.");
        }
        return s;
    }

    private ObjectNode describe(JsonNode request) {
        DeliveryStream s = stream(request);
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ObjectNode d = out.putObject("DeliveryStreamDescription");
        d.put("DeliveryStreamName", s.name)
                .put("DeliveryStreamARN", s.arn)
                .put("DeliveryStreamStatus", "ACTIVE")
                .put("DeliveryStreamType", "DirectPut")
                .put("VersionId", "1")
                .put("CreateTimestamp", epochSeconds(s.created))
                .put("HasMoreDestinations", false);
        ObjectNode dest = d.putArray("Destinations").addObject().put("DestinationId", "destinationId-000000000001");
        ObjectNode s3 = dest.putObject("ExtendedS3DestinationDescription");
        s3.put("BucketARN", "arn:aws:s3:::" + s.bucket)
                .put("Prefix", s.prefix)
                .put("CompressionFormat", s.gzip ? "GZIP" : "UNCOMPRESSED")
                .put("RoleARN", s.configuration.path("RoleARN").asText("arn:aws:iam::" + account + ":role/local"));
        s3.putObject("BufferingHints")
                .put("SizeInMBs", s.sizeBytes / (1024 * 1024))
                .put("IntervalInSeconds", s.interval.toSeconds());
        s3.putObject("EncryptionConfiguration").put("NoEncryptionConfig", "NoEncryption");
        return out;
    }

    private ObjectNode list(JsonNode request) {
        int limit = Requests.integer(request, "Limit", 1, 10000, 10);
        String start = Requests.text(request, "ExclusiveStartDeliveryStreamName");
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode names = out.putArray("DeliveryStreamNames");
        var candidates = start == null
                ? streams.keySet()
                : ((ConcurrentSkipListMap<String, DeliveryStream>) streams)
                        .tailMap(start, false)
                        .keySet();
        candidates.stream().limit(limit).forEach(names::add);
        out.put("HasMoreDeliveryStreams", candidates.size() > limit);
        return out;
    }

    private ObjectNode delete(JsonNode request) {
        DeliveryStream s = stream(request);
        streams.remove(s.name);
        s.cut(clock.instant(), true);
        s.deliver(s3);
        return AwsHttpServer.JSON.createObjectNode();
    }

    private ObjectNode putRecord(JsonNode request) {
        DeliveryStream s = stream(request);
        byte[] data = data(request.path("Record"), 0);
        if (s.accept(new byte[][] {data}, clock.instant())) {
            delivery.execute(this::deliverDue);
        }
        return AwsHttpServer.JSON.createObjectNode().put("RecordId", recordId()).put("Encrypted", false);
    }

    private ObjectNode putRecordBatch(JsonNode request) {
        DeliveryStream s = stream(request);
        JsonNode records = request.path("Records");
        if (records.size() < 1 || records.size() > MAX_RECORDS) {
            throw AwsServiceException.validation("1 validation error detected: Value at 'records' failed to satisfy"
                    + " constraint: Member must have length less than or equal to 500 and greater than or equal"
                    + " to 1");
        }
        byte[][] data = new byte[records.size()][];
        long total = 0;
        for (int i = 0; i < data.length; i++) {
            data[i] = data(records.get(i), i);
            total += data[i].length;
        }
        if (total > MAX_CALL_BYTES) {
            throw AwsServiceException.badRequest("InvalidArgumentException", "Records size exceeds 4 MiB limit");
        }
        boolean[] failed = failedEntries(s.name, data.length);
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode responses = out.putArray("RequestResponses");
        int failedCount = 0;
        java.util.List<byte[]> accepted = new java.util.ArrayList<>(data.length);
        for (int i = 0; i < data.length; i++) {
            if (failed[i]) {
                failedCount++;
                responses
                        .addObject()
                        .put("ErrorCode", "ServiceUnavailableException")
                        .put("ErrorMessage", "Slow down.");
            } else {
                accepted.add(data[i]);
                responses.addObject().put("RecordId", recordId());
            }
        }
        if (!accepted.isEmpty() && s.accept(accepted.toArray(new byte[0][]), clock.instant())) {
            delivery.execute(this::deliverDue);
        }
        out.put("FailedPutCount", failedCount).put("Encrypted", false);
        return out;
    }

    private synchronized boolean[] failedEntries(String stream, int n) {
        boolean[] failed = new boolean[n];
        EntryFailures f = failures;
        if (f == null || (f.stream() != null && !f.stream().equals(stream)) || f.remainingCalls() == 0) {
            return failed;
        }
        for (int i = 0; i < n; i++) {
            failed[i] = f.random().nextDouble() < f.fraction();
        }
        if (f.remainingCalls() > 0) {
            failures = new EntryFailures(f.stream(), f.fraction(), f.remainingCalls() - 1, f.random());
        }
        return failed;
    }

    private static byte[] data(JsonNode record, int index) {
        JsonNode data = record.get("Data");
        if (data == null) {
            throw AwsServiceException.validation("1 validation error detected: Value null at 'records." + (index + 1)
                    + ".member.data' failed to satisfy constraint: Member must not be null");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.asText());
        } catch (IllegalArgumentException e) {
            throw new AwsServiceException("SerializationException", 400, "Data is not valid base64");
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            throw AwsServiceException.validation("1 validation error detected: Value at 'records." + (index + 1)
                    + ".member.data' failed to satisfy constraint: Member must have length less than or equal to"
                    + " 1024000");
        }
        return bytes;
    }

    private static String recordId() {
        byte[] b = new byte[28];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void deliverDue() {
        Instant now = clock.instant();
        for (DeliveryStream s : streams.values()) {
            s.cut(now, false);
            s.deliver(s3);
        }
    }

    /** Objects buffered or waiting for S3, over all streams; zero once everything accepted has landed. */
    public int undelivered() {
        return streams.values().stream()
                .mapToInt(DeliveryStream::pendingObjects)
                .sum();
    }

    /** Delivers everything buffered now, regardless of the buffering hints. */
    public void flushAll() {
        Instant now = clock.instant();
        for (DeliveryStream s : streams.values()) {
            s.cut(now, true);
            s.deliver(s3);
        }
    }

    @Override
    public void close() {
        delivery.shutdownNow();
        try {
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushAll();
    }
}
