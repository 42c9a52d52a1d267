package localaws.export;

import static localaws.http.Requests.required;
import static localaws.http.Requests.text;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import localaws.dynamodb.DynamoDbService;
import localaws.dynamodb.ItemKey;
import localaws.dynamodb.PitrLog;
import localaws.dynamodb.Table;
import localaws.dynamodb.attributes.DynamoJson;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import localaws.http.Requests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * ExportTableToPointInTime, DescribeExport and ListExports. An export runs in the background: full exports write the
 * table as it was at ExportTime, incremental exports the net change of each item inside the window, both in AWS's
 * layout into the S3 bucket named by the request. A ClientToken makes the request idempotent for 8 hours.
 */
public final class ExportService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportService.class);
    private static final Duration IDEMPOTENCY = Duration.ofHours(8);
    private static final Set<String> VIEW_TYPES = Set.of("NEW_IMAGE", "NEW_AND_OLD_IMAGES");

    private final DynamoDbService dynamoDb;
    private final ExportWriter writer;
    private final ExportSettings settings;
    private final Clock clock;
    private final Duration pitrWindow;
    private final Map<String, ExportJob> jobs = new LinkedHashMap<>();
    private final Map<String, ExportJob> byToken = new ConcurrentHashMap<>();
    private final AtomicReference<String[]> nextFailure = new AtomicReference<>();
    private final AtomicReference<ExportWriter.Tampering> nextTampering = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicBoolean nextWithoutManifest =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "localaws-export");
        t.setDaemon(true);
        return t;
    });

    public ExportService(
            DynamoDbService dynamoDb, S3Client s3, ExportSettings settings, Clock clock, Duration pitrWindow) {
        this.dynamoDb = dynamoDb;
        this.writer = new ExportWriter(s3, settings);
        this.settings = settings;
        this.clock = clock;
        this.pitrWindow = pitrWindow;
        dynamoDb.register("ExportTableToPointInTime", this::exportTable);
        dynamoDb.register("DescribeExport", this::describeExport);
        dynamoDb.register("ListExports", this::listExports);
    }

    /**
     * Fault: the next export completes, but its first data file is damaged: line {@code corruptLine} (1-based, 0 for
     * none) is replaced by text that is not an item, and with {@code wrongChecksum} the manifest's MD5 of that file
     * does not match it. Real exports are written by AWS; this is how a consumer's handling of a damaged or
     * tampered file is tested.
     */
    public void tamperNextExport(int corruptLine, boolean wrongChecksum) {
        nextTampering.set(new ExportWriter.Tampering(corruptLine, wrongChecksum));
    }

    /**
     * Fault: the next export completes but its DescribeExport names no ExportManifest, as a consumer must survive
     * without looping.
     */
    public void completeNextWithoutManifest() {
        nextWithoutManifest.set(true);
    }

    /** Fault: the next export fails with this FailureCode and FailureMessage, after writing {@code _started}. */
    public void failNextExport(String code, String message) {
        nextFailure.set(new String[] {code, message});
    }

    private synchronized ObjectNode exportTable(JsonNode request) {
        String tableArn = required(request, "TableArn");
        required(request, "S3Bucket");
        Table table = dynamoDb.tables().byArn(tableArn);
        if (table == null) {
            throw AwsServiceException.badRequest("TableNotFoundException", "Table not found: " + tableArn);
        }
        String token = text(request, "ClientToken");
        Instant now = clock.instant();
        ObjectNode fingerprint = request.deepCopy();
        fingerprint.remove("ClientToken");
        ExportJob earlier = token == null ? null : byToken.get(token);
        if (earlier != null && earlier.startTime.plus(IDEMPOTENCY).isAfter(now)) {
            ObjectNode earlierFingerprint = earlier.request.deepCopy();
            earlierFingerprint.remove("ClientToken");
            if (!earlierFingerprint.equals(fingerprint)) {
                throw AwsServiceException.badRequest(
                        "ExportConflictException",
                        "ClientToken " + token + " was used within 8 hours for an export with other parameters");
            }
            return wrap(earlier);
        }
        ExportJob job = newJob(table, request, token, now);
        jobs.put(job.arn, job);
        if (token != null) {
            byToken.put(token, job);
        }
        executor.execute(() -> run(job, table));
        return wrap(job);
    }

    private ExportJob newJob(Table table, JsonNode request, String token, Instant now) {
        if (!request.path("ExportFormat").asText("DYNAMODB_JSON").equals("DYNAMODB_JSON")) {
            throw AwsServiceException.validation("The local emulator writes ExportFormat DYNAMODB_JSON only");
        }
        Instant pitrSince = table.pitrSince();
        if (pitrSince == null) {
            throw AwsServiceException.badRequest(
                    "PointInTimeRecoveryUnavailableException",
                    "Point in time" + " recovery is not enabled for table '" + table.name() + "'");
        }
        Instant earliest = pitrSince.isAfter(now.minus(pitrWindow)) ? pitrSince : now.minus(pitrWindow);
        String id = String.format("%014d-%s", now.toEpochMilli(), HexFormat.of().formatHex(random(4)));
        String arn = table.arn() + "/export/" + id;
        boolean incremental = request.path("ExportType").asText("FULL_EXPORT").equals("INCREMENTAL_EXPORT");
        if (!incremental) {
            Instant at = request.has("ExportTime") ? Requests.instant(request, "ExportTime") : now;
            checkWithin(at, earliest, now, "ExportTime");
            return new ExportJob(
                    arn, id, table.arn(), table.id(), table.name(), now, at, token, request, null, null, null);
        }
        JsonNode spec = request.path("IncrementalExportSpecification");
        Instant from = Requests.instant(spec, "ExportFromTime");
        Instant to = Requests.instant(spec, "ExportToTime");
        if (from == null || to == null) {
            throw AwsServiceException.validation(
                    "IncrementalExportSpecification needs ExportFromTime and" + " ExportToTime");
        }
        checkWithin(from, earliest, now, "ExportFromTime");
        checkWithin(to, earliest, now, "ExportToTime");
        Duration window = Duration.between(from, to);
        if (window.compareTo(settings.minIncrementalWindow()) < 0
                || window.compareTo(settings.maxIncrementalWindow()) > 0) {
            throw AwsServiceException.validation("The incremental export window must be between "
                    + settings.minIncrementalWindow() + " and " + settings.maxIncrementalWindow() + ", was "
                    + window);
        }
        String view = spec.path("ExportViewType").asText("NEW_AND_OLD_IMAGES");
        if (!VIEW_TYPES.contains(view)) {
            throw AwsServiceException.validation("ExportViewType must be one of " + VIEW_TYPES);
        }
        return new ExportJob(arn, id, table.arn(), table.id(), table.name(), now, to, token, request, from, to, view);
    }

    private static void checkWithin(Instant t, Instant earliest, Instant now, String field) {
        if (t.isBefore(earliest) || t.isAfter(now)) {
            throw AwsServiceException.badRequest(
                    "InvalidExportTimeException",
                    field + " " + t + " is outside the" + " point-in-time recovery window [" + earliest + ", " + now
                            + "]");
        }
    }

    private void run(ExportJob job, Table table) {
        try {
            writer.started(job);
            String[] failure = nextFailure.getAndSet(null);
            if (failure != null) {
                fail(job, failure[0], failure[1]);
                return;
            }
            long items = writer.write(
                    job,
                    job.incremental ? incrementalLines(table, job) : fullLines(table, job),
                    nextTampering.getAndSet(null));
            Instant end = clock.instant();
            writer.summary(job, end);
            if (nextWithoutManifest.getAndSet(false)) {
                job.manifestKey = null;
            }
            job.endTime = end;
            job.status = "COMPLETED";
            LOG.debug("Export {} of {} wrote {} items", job.id, job.tableName, items);
        } catch (S3Exception e) {
            fail(
                    job,
                    "S3" + e.awsErrorDetails().errorCode(),
                    e.awsErrorDetails().errorMessage());
        } catch (RuntimeException e) {
            LOG.warn("Export {} failed", job.id, e);
            fail(job, "UNKNOWN", String.valueOf(e));
        }
    }

    private void fail(ExportJob job, String code, String message) {
        job.failureCode = code;
        job.failureMessage = message;
        job.endTime = clock.instant();
        job.status = "FAILED";
    }

    private static Iterator<ExportWriter.Line> fullLines(Table table, ExportJob job) {
        Iterator<Map<String, AttributeValue>> items =
                table.snapshotAt(job.exportTime).values().iterator();
        return map(items, item -> g -> ExportWriter.fullLine(g, item));
    }

    private static Iterator<ExportWriter.Line> incrementalLines(Table table, ExportJob job) {
        Map<ItemKey, List<PitrLog.Change>> byKey = new LinkedHashMap<>();
        for (PitrLog.Change c : table.changesBetween(job.from, job.to)) {
            byKey.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
        }
        boolean withOld = job.viewType.equals("NEW_AND_OLD_IMAGES");
        return map(byKey.values().iterator(), changes -> g -> incrementalLine(g, table, changes, withOld));
    }

    private static void incrementalLine(JsonGenerator g, Table table, List<PitrLog.Change> changes, boolean withOld)
            throws java.io.IOException {
        PitrLog.Change first = changes.get(0);
        PitrLog.Change last = changes.get(changes.size() - 1);
        g.writeStartObject();
        g.writeObjectFieldStart("Metadata");
        g.writeObjectFieldStart("WriteTimestampMicros");
        g.writeStringField("N", Long.toString(last.micros()));
        g.writeEndObject();
        g.writeEndObject();
        g.writeFieldName("Keys");
        DynamoJson.writeItem(g, table.key().keyAttributes(last.key()));
        // An insert has no old image; an update and a delete carry the item as it was when the window opened.
        if (withOld && first.before() != null) {
            g.writeFieldName("OldImage");
            DynamoJson.writeItem(g, first.before());
        }
        if (last.after() != null) {
            g.writeFieldName("NewImage");
            DynamoJson.writeItem(g, last.after());
        }
        g.writeEndObject();
    }

    private static <T> Iterator<ExportWriter.Line> map(
            Iterator<T> source, java.util.function.Function<T, ExportWriter.Line> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public ExportWriter.Line next() {
                return f.apply(source.next());
            }
        };
    }

    private ObjectNode describeExport(JsonNode request) {
        String arn = required(request, "ExportArn");
        ExportJob job;
        synchronized (this) {
            job = jobs.get(arn);
        }
        if (job == null) {
            throw AwsServiceException.badRequest("ExportNotFoundException", "Export not found: " + arn);
        }
        return wrap(job);
    }

    private synchronized ObjectNode listExports(JsonNode request) {
        String tableArn = text(request, "TableArn");
        int max = Requests.integer(request, "MaxResults", 1, 25, 25);
        String token = text(request, "NextToken");
        int start = token == null ? 0 : Integer.parseInt(token);
        List<ExportJob> matching = jobs.values().stream()
                .filter(j -> tableArn == null || j.tableArn.equals(tableArn))
                .toList();
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode list = out.putArray("ExportSummaries");
        for (int i = start; i < Math.min(matching.size(), start + max); i++) {
            list.add(matching.get(i).summary());
        }
        if (start + max < matching.size()) {
            out.put("NextToken", Integer.toString(start + max));
        }
        return out;
    }

    private static ObjectNode wrap(ExportJob job) {
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.set("ExportDescription", job.describe());
        return out;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
