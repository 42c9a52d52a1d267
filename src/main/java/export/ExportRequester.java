package export;

import ddbstream.AwsErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Header;
import org.apache.camel.component.timer.TimerConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryUnavailableException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * Starts exports of the table: full, or incremental since the last landed export. One export is in flight at a
 * time. The ClientToken is derived from the request's parameters, so a trigger that is retried (a redelivered timer
 * exchange, a second click) gets the export already started instead of a second one.
 */
public final class ExportRequester {
    private static final Logger LOG = LoggerFactory.getLogger(ExportRequester.class);

    /** Which export the schedule starts. */
    public enum Type {
        FULL,
        INCREMENTAL
    }

    /**
     * @param table the source table
     * @param bucket the export bucket (S3Bucket)
     * @param prefix the key prefix of exports in it (S3Prefix; DynamoDB adds {@code AWSDynamoDB/<exportId>/})
     * @param bucketOwner the account owning the bucket, when it is another account's (S3BucketOwner), else null
     * @param sseAlgorithm AES256 or KMS, or null for the bucket's default
     * @param kmsKeyId the KMS key for SSE-KMS, or null
     * @param type what the schedule starts
     * @param minIncrementalWindow shortest incremental window DynamoDB accepts (15 minutes on AWS)
     * @param maxIncrementalWindow longest incremental window DynamoDB accepts (24 hours on AWS)
     * @param staleAfter an export in flight longer than this is given up, so a new one can start
     * @param interval the schedule: an export is due this long after the last one recorded
     */
    public record Options(
            String table,
            String bucket,
            String prefix,
            String bucketOwner,
            String sseAlgorithm,
            String kmsKeyId,
            Type type,
            Duration minIncrementalWindow,
            Duration maxIncrementalWindow,
            Duration staleAfter,
            Duration interval) {}

    private final DynamoDbClient dynamoDb;
    private final ExportProgress progress;
    private final SnapshotPublisher publisher;
    private final Options options;
    private final Clock clock;
    /** When DynamoDB last refused a scheduled request (no point-in-time recovery, say), on this replica. */
    private Instant refusedAt;

    public ExportRequester(
            DynamoDbClient dynamoDb,
            ExportProgress progress,
            SnapshotPublisher publisher,
            Options options,
            Clock clock) {
        this.dynamoDb = dynamoDb;
        this.progress = progress;
        this.publisher = publisher;
        this.options = options;
        this.clock = clock;
    }

    /** The on-start timer's call: see {@link #requestIfNoSnapshot(Instant)}. */
    public Optional<String> onStart(@Header(TimerConstants.HEADER_FIRED_TIME) Date firedTime) {
        return requestIfNoSnapshot(firedTime == null ? clock.instant() : firedTime.toInstant());
    }

    /** The cron schedule's call (export.cron): see {@link #requestScheduled(Instant)}. */
    public Optional<String> onSchedule(@Header(TimerConstants.HEADER_FIRED_TIME) Date firedTime) {
        return requestScheduled(firedTime == null ? clock.instant() : firedTime.toInstant());
    }

    /** The interval schedule's tick (every export.check-interval): see {@link #requestIfDue(Instant)}. */
    public Optional<String> onTick() {
        return requestIfDue(clock.instant());
    }

    /**
     * The interval schedule: the configured export once {@code interval} has passed since the last export recorded
     * (landed, or failed), however often replicas restarted and whichever replica looks. Its time is the due moment
     * (the last export plus whole intervals), the same on every replica, so replicas that look at once ask for the
     * same export (one ClientToken).
     */
    public synchronized Optional<String> requestIfDue(Instant now) {
        Optional<Instant> last = lastRecorded();
        Optional<Instant> slot = last.isEmpty()
                ? Optional.of(firstSlot(now, options.interval()))
                : dueSlot(last.get(), now, options.interval());
        if (slot.isEmpty()) {
            return Optional.empty();
        }
        try {
            return request(
                    last.isEmpty() ? "schedule (no export recorded yet)" : "schedule (due since " + slot.get() + ")",
                    slot.get(),
                    options.type() == Type.FULL);
        } catch (RuntimeException e) {
            if (!AwsErrors.isRetriable(e)) {
                refusedAt = now; // refused for good (no point-in-time recovery): waits an interval, as after a failure
            }
            throw e;
        }
    }

    /**
     * With no export recorded yet: the last whole multiple of the interval since the epoch, the same on every replica
     * that looks within it, so they ask for one export.
     */
    static Instant firstSlot(Instant now, Duration interval) {
        long step = Math.max(1, interval.toMillis());
        return Instant.ofEpochMilli(now.toEpochMilli() / step * step);
    }

    /**
     * The latest moment at or before {@code now} that is {@code last} plus a whole number (at least one) of intervals;
     * empty while less than one interval has passed.
     */
    static Optional<Instant> dueSlot(Instant last, Instant now, Duration interval) {
        Duration since = Duration.between(last, now);
        if (since.compareTo(interval) < 0) {
            return Optional.empty();
        }
        long intervals = since.toMillis() / Math.max(1, interval.toMillis());
        return Optional.of(last.plusMillis(intervals * interval.toMillis()));
    }

    /**
     * When the last export happened, as recorded: the export time of the newest landed export (or of the published
     * snapshot in the lake), or the request time of a newer one that failed, so a failing export waits an interval
     * too.
     */
    private Optional<Instant> lastRecorded() {
        Instant last = publisher.current().map(lake.SnapshotRecord::exportTime).orElse(refusedAt);
        if (refusedAt != null && refusedAt.isAfter(last)) {
            last = refusedAt;
        }
        for (ExportProgress.Entry e : progress.all()) {
            Instant t = switch (e.phase()) {
                case PUBLISHED, EXPIRED -> e.exportTime();
                case FAILED -> e.requestedAt();
                default -> null;
            };
            if (t != null && (last == null || t.isAfter(last))) {
                last = t;
            }
        }
        return Optional.ofNullable(last);
    }

    /**
     * The first moment the table can be exported as of (its point-in-time recovery window's start), or null when point-in-time recovery is off or the role may not ask (the export call then says what is wrong).
     */
    private Instant earliestRestorable() {
        try {
            var pitr = dynamoDb.describeContinuousBackups(b -> b.tableName(options.table()))
                    .continuousBackupsDescription()
                    .pointInTimeRecoveryDescription();
            if (pitr == null
                    || pitr.pointInTimeRecoveryStatus() != PointInTimeRecoveryStatus.ENABLED
                    || pitr.earliestRestorableDateTime() == null) {
                return null;
            }
            // Up to the millisecond, the precision the export time is sent with.
            Instant earliest = pitr.earliestRestorableDateTime();
            Instant milli = earliest.truncatedTo(ChronoUnit.MILLIS);
            return milli.equals(earliest) ? milli : milli.plusMillis(1);
        } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
            LOG.warn(
                    "Could not read the point-in-time recovery window of {} ({}); the source role needs"
                            + " dynamodb:DescribeContinuousBackups (docs/iam/source-account-policy.json)",
                    options.table(),
                    e.getMessage());
            return null;
        }
    }

    /** On start: a full export at once when the lake has no published snapshot and none is under way. */
    public synchronized Optional<String> requestIfNoSnapshot(Instant triggerTime) {
        if (publisher.current().isPresent()) {
            LOG.info("The lake has a published snapshot of {}; the next export follows the schedule", options.table());
            return Optional.empty();
        }
        return request("first run (no published snapshot)", triggerTime, true);
    }

    /** The scheduled export, of the configured type. */
    public synchronized Optional<String> requestScheduled(Instant triggerTime) {
        return request("schedule", triggerTime, options.type() == Type.FULL);
    }

    /**
     * Starts an export unless one is in flight.
     *
     * @param trigger why, for the log
     * @param triggerTime when the trigger fired: the same trigger retried asks for the same export
     * @param full a full export even when incremental ones are configured
     * @return the export id, or empty when none was started
     */
    public synchronized Optional<String> request(String trigger, Instant triggerTime, boolean full) {
        Instant now = clock.instant();
        List<ExportProgress.Entry> exports = progress.all();
        for (ExportProgress.Entry e : exports) {
            if (!e.inFlight()) {
                continue;
            }
            if (Duration.between(e.requestedAt(), now).compareTo(options.staleAfter()) > 0) {
                progress.failed(
                        e.exportId(), "did not finish within " + options.staleAfter() + " (export.stale-after)");
                LOG.error("Export {} did not finish within {}; given up", e.exportId(), options.staleAfter());
            } else {
                LOG.info("Export {} is still {}; the {} export request waits for it", e.exportId(), e.phase(), trigger);
                return Optional.empty();
            }
        }
        Instant from = null;
        Instant to = triggerTime.truncatedTo(ChronoUnit.MILLIS);
        if (!full) {
            Optional<Instant> last = exports.stream()
                    .filter(e ->
                            e.phase() == ExportProgress.Phase.PUBLISHED || e.phase() == ExportProgress.Phase.EXPIRED)
                    .map(ExportProgress.Entry::exportTime)
                    .max(Instant::compareTo);
            if (last.isEmpty() || publisher.current().isEmpty()) {
                LOG.info("No export of {} has landed yet: a full export comes first", options.table());
            } else {
                from = last.get();
                if (Duration.between(from, to).compareTo(options.maxIncrementalWindow()) > 0) {
                    to = from.plus(options.maxIncrementalWindow());
                }
                if (Duration.between(from, to).compareTo(options.minIncrementalWindow()) < 0) {
                    LOG.info(
                            "The last export of {} is from {}: less than {} ago, so no incremental export yet",
                            options.table(),
                            from,
                            options.minIncrementalWindow());
                    return Optional.empty();
                }
            }
        }
        TableDescription table =
                dynamoDb.describeTable(b -> b.tableName(options.table())).table();
        boolean incremental = from != null;
        if (!incremental) {
            Instant earliest = earliestRestorable();
            if (earliest != null && to.isBefore(earliest)) {
                // A table younger than the trigger's moment (the first scheduled slot is the day's start): DynamoDB
                // refuses an export time before its point-in-time recovery window, and the window's first moment is
                // a table the stream has long changed (empty, often), so the export is of the table now. Another
                // replica looking meanwhile finds this export under way.
                Instant at = now.truncatedTo(ChronoUnit.MILLIS);
                LOG.info(
                        "{} of {}: {} is before the table's point-in-time recovery window, which starts at {}; the"
                                + " export is of the table as it is now, {}",
                        trigger,
                        options.table(),
                        to,
                        earliest,
                        at);
                to = at.isBefore(earliest) ? earliest : at;
            }
        }
        Instant exportFrom = from;
        Instant exportTo = to;
        ExportTableToPointInTimeRequest.Builder request = ExportTableToPointInTimeRequest.builder()
                .tableArn(table.tableArn())
                .s3Bucket(options.bucket())
                .s3Prefix(options.prefix().isEmpty() ? null : options.prefix())
                .s3BucketOwner(options.bucketOwner())
                .s3SseAlgorithm(options.sseAlgorithm())
                .s3SseKmsKeyId(options.kmsKeyId())
                .exportFormat(ExportFormat.DYNAMODB_JSON)
                .clientToken(clientToken(incremental, exportFrom, exportTo));
        if (incremental) {
            request.exportType(ExportType.INCREMENTAL_EXPORT)
                    .incrementalExportSpecification(s -> s.exportFromTime(exportFrom)
                            .exportToTime(exportTo)
                            .exportViewType(ExportViewType.NEW_AND_OLD_IMAGES));
        } else {
            request.exportType(ExportType.FULL_EXPORT).exportTime(exportTo);
        }
        ExportDescription d;
        try {
            d = dynamoDb.exportTableToPointInTime(request.build()).exportDescription();
        } catch (PointInTimeRecoveryUnavailableException e) {
            throw new IllegalStateException(
                    "Table " + options.table() + " cannot be exported: point-in-time recovery"
                            + " is off. Turn it on (UpdateContinuousBackups, or the table's Backups tab) and the next"
                            + " trigger exports it",
                    e);
        }
        String id = ExportManifest.exportId(d.exportArn());
        progress.requested(id, d.exportArn(), incremental, exportFrom, exportTo, keys(table), now);
        LOG.info(
                "Started {} export {} of {} ({}{}) into s3://{}/{} — trigger: {}",
                incremental ? "an incremental" : "a full",
                id,
                options.table(),
                incremental ? exportFrom + " to " : "as of ",
                exportTo,
                options.bucket(),
                options.prefix(),
                trigger);
        return Optional.of(id);
    }

    private static List<String> keys(TableDescription table) {
        return table.keySchema().stream()
                .sorted((a, b) -> a.keyType() == KeyType.HASH ? -1 : b.keyType() == KeyType.HASH ? 1 : 0)
                .map(KeySchemaElement::attributeName)
                .toList();
    }

    /** Deterministic per table and window; DynamoDB keeps a token for 8 hours. */
    private String clientToken(boolean incremental, Instant from, Instant to) {
        String basis = options.table() + "|" + (incremental ? "incremental|" + from + "|" : "full|") + to;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(basis.getBytes(StandardCharsets.UTF_8));
            return "dynamo-lake-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
