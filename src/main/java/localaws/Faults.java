package localaws;

import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import localaws.dynamodb.Tables;
import localaws.export.ExportService;
import localaws.firehose.FirehoseService;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import localaws.streams.Stream;
import localaws.streams.StreamStore;

/**
 * The faults real AWS only shows in production, on demand: throttle the next calls of an operation, fail a share of
 * Firehose batch entries, roll over or split stream shards, trim a stream, expire every shard iterator, fail the next
 * export, fail or hang the next Athena statement of a kind. Also counts every call per operation, so tests can see what a flow really called.
 */
public final class Faults implements AwsHttpServer.CallInterceptor {
    private record Throttle(AtomicInteger remaining, String errorCode, int status) {}

    private final Map<String, Throttle> throttles = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final Tables tables;
    private final StreamStore streams;
    private final FirehoseService firehose;
    private final ExportService exports;
    private final Clock clock;

    private final localaws.athena.AthenaService athena;

    Faults(
            Tables tables,
            StreamStore streams,
            FirehoseService firehose,
            ExportService exports,
            localaws.athena.AthenaService athena,
            Clock clock) {
        this.athena = athena;
        this.tables = tables;
        this.streams = streams;
        this.firehose = firehose;
        this.exports = exports;
        this.clock = clock;
    }

    @Override
    public void beforeCall(String target) {
        calls.computeIfAbsent(target, t -> new AtomicLong()).incrementAndGet();
        Throttle t = throttles.get(target);
        if (t != null && t.remaining().getAndDecrement() > 0) {
            throw new AwsServiceException(
                    t.errorCode(), t.status(), "Rate exceeded (injected by the local" + " emulator)");
        }
    }

    /**
     * Fails the next {@code times} calls of an operation, for example {@code DynamoDBStreams_20120810.GetRecords},
     * with the service's throttling error (or {@code errorCode} when given).
     */
    public void throttle(String target, int times, String errorCode) {
        if (times <= 0) {
            throttles.remove(target);
            return;
        }
        String code = errorCode != null ? errorCode : defaultThrottleCode(target);
        int status = code.equals("ServiceUnavailableException") || code.equals("InternalServerError") ? 503 : 400;
        throttles.put(target, new Throttle(new AtomicInteger(times), code, status));
    }

    private static String defaultThrottleCode(String target) {
        if (target.startsWith("Firehose_")) {
            return "ServiceUnavailableException";
        }
        if (target.startsWith("DynamoDBStreams_")) {
            return "LimitExceededException";
        }
        return "ProvisionedThroughputExceededException";
    }

    /** See {@link FirehoseService#failEntries}. */
    public void failFirehoseEntries(String deliveryStream, double fraction, int calls, long seed) {
        firehose.failEntries(deliveryStream, fraction, calls, seed);
    }

    /** Closes every open shard of the table's stream now; each gets one child, or two when {@code split}. */
    public void rolloverShards(String table, boolean split) {
        stream(table).rolloverAll(split, clock.instant());
    }

    /**
     * The next {@code count} records of the table's stream carry an attribute value of a type DynamoDB does not
     * have, as a stream record that no reader can convert.
     */
    public void corruptStreamRecords(String table, int count) {
        stream(table).corruptNext(count);
    }

    /** The next {@code count} records of the table's stream are sent without their {@code SequenceNumber}. */
    public void unnumberStreamRecords(String table, int count) {
        stream(table).unnumberNext(count);
    }

    /** Trims every record the table's stream holds now; returns how many. */
    public int trimStream(String table) {
        return streams.trimNow(stream(table), clock.instant());
    }

    /**
     * Trims every record the table's stream holds now and forgets its closed shards, as AWS has 24 hours after they
     * closed; returns how many records.
     */
    public int trimAndForgetShards(String table) {
        return streams.trimAndForgetNow(stream(table), clock.instant());
    }

    /** See {@link StreamStore#forgetDisabled}. */
    public int forgetDisabledStreams(String table) {
        return streams.forgetDisabled(table);
    }

    /** The most readers each shard of the table's stream had at once so far, by shard id (AWS allows two). */
    public Map<String, Integer> mostReadersPerShard(String table) {
        return streams.mostReaders(stream(table));
    }

    /** Expires every shard iterator issued so far. */
    public void expireIterators() {
        streams.expireIteratorsNow(clock.instant());
    }

    /** See {@link ExportService#tamperNextExport}. */
    public void tamperNextExport(int corruptLine, boolean wrongChecksum) {
        exports.tamperNextExport(corruptLine, wrongChecksum);
    }

    /** See {@link ExportService#completeNextWithoutManifest}. */
    public void completeNextExportWithoutManifest() {
        exports.completeNextWithoutManifest();
    }

    /** See {@link ExportService#failNextExport}. */
    public void failNextExport(String code, String message) {
        exports.failNextExport(code, message);
    }

    /** See {@link localaws.athena.AthenaService#failNext}. */
    public void failNextAthenaQuery(String statementStart, String reason) {
        athena.failNext(statementStart, reason);
    }

    /** See {@link localaws.athena.AthenaService#hangNext}. */
    public void hangNextAthenaQuery(String statementStart) {
        athena.hangNext(statementStart);
    }

    /** Removes every throttle and entry-failure fault. */
    public void clear() {
        throttles.clear();
        firehose.clearFaults();
    }

    /** Calls served so far, per X-Amz-Target. */
    public Map<String, Long> calls() {
        Map<String, Long> out = new TreeMap<>();
        calls.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private Stream stream(String table) {
        Stream s = tables.get(table).stream();
        if (s == null) {
            throw AwsServiceException.validation("Table " + table + " has no stream");
        }
        return s;
    }
}
