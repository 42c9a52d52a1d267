package localaws.streams;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every stream the emulator has made, by ARN, with the shared sequence-number counter and the faults that act on
 * streams: roll over or split shards now, trim now, expire all iterators issued so far.
 */
public final class StreamStore {
    private static final Logger LOG = LoggerFactory.getLogger(StreamStore.class);
    private static final DateTimeFormatter LABEL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    /** Sequence numbers start above Long.MAX_VALUE so that clients which read them as a long break here too. */
    private static final BigInteger FIRST_SEQUENCE = new BigInteger("100000000000000000000");

    private final Map<String, Stream> streams = new ConcurrentSkipListMap<>();
    private final StreamSettings settings;
    private final String region;
    private final String account;
    private final AtomicReference<BigInteger> sequence = new AtomicReference<>(FIRST_SEQUENCE);
    private volatile Instant iteratorsExpiredBefore = Instant.EPOCH;
    final ShardIterators iterators = new ShardIterators(Long.toHexString(System.nanoTime()));
    final ShardReaders readers = new ShardReaders();

    public StreamStore(StreamSettings settings, String region, String account) {
        this.settings = settings;
        this.region = region;
        this.account = account;
    }

    public StreamSettings settings() {
        return settings;
    }

    /**
     * The most readers each shard of the stream had at once so far (chains of iterators whose GetRecords were less than
     * a second apart), by shard id: DynamoDB Streams allows two.
     */
    public Map<String, Integer> mostReaders(Stream stream) {
        return readers.most(stream.arn);
    }

    /** Creates a new stream for a table; its label is the creation time, as in AWS. */
    public Stream create(String tableName, JsonNode keySchema, String viewType, Instant now) {
        String label = LABEL.format(now);
        while (streams.containsKey(arn(tableName, label))) {
            now = now.plusMillis(1);
            label = LABEL.format(now);
        }
        Stream stream = new Stream(
                arn(tableName, label),
                label,
                tableName,
                keySchema,
                viewType,
                now,
                region,
                this::nextSequenceNumber,
                settings);
        streams.put(stream.arn, stream);
        return stream;
    }

    private String arn(String table, String label) {
        return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + table + "/stream/" + label;
    }

    private BigInteger nextSequenceNumber() {
        return sequence.updateAndGet(s -> s.add(BigInteger.ONE));
    }

    public Stream get(String arn) {
        return streams.get(arn);
    }

    /** Streams in ARN order, those of one table when {@code tableName} is set. */
    public List<Stream> list(String tableName) {
        List<Stream> out = new ArrayList<>();
        for (Stream s : streams.values()) {
            if (tableName == null || s.tableName.equals(tableName)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The background work AWS does on its own: roll over aged shards, trim expired records. */
    public void tick(Instant now) {
        for (Stream s : streams.values()) {
            s.rolloverAged(now);
            int dropped = s.trim(now.minus(settings.retention()), now.minus(settings.retention()));
            if (dropped > 0) {
                LOG.debug("Trimmed {} records older than {} from {}", dropped, settings.retention(), s.arn);
            }
        }
    }

    /** Fault: trims every record the stream holds now, so a reader behind them gets TrimmedDataAccessException. */
    public int trimNow(Stream stream, Instant now) {
        return stream.trim(now.plusMillis(1), Instant.EPOCH);
    }

    /**
     * Fault: the stream as 24 hours later: every record trimmed, and every closed shard forgotten (DescribeStream no
     * longer lists it; its iterators answer ResourceNotFoundException). Returns the records trimmed.
     */
    public int trimAndForgetNow(Stream stream, Instant now) {
        return stream.trim(now.plusMillis(1), now.plusMillis(1));
    }

    /**
     * Fault: the table's streams that were turned off are gone, as AWS deletes them 24 hours later (DescribeStream and
     * GetRecords answer ResourceNotFoundException, ListStreams no longer lists them). Returns how many.
     */
    public int forgetDisabled(String tableName) {
        int n = 0;
        for (Stream s : list(tableName)) {
            if (!s.isEnabled()) {
                streams.remove(s.arn);
                n++;
            }
        }
        return n;
    }

    /** Fault: every iterator issued up to now is expired. */
    public void expireIteratorsNow(Instant now) {
        iteratorsExpiredBefore = now.plusMillis(1);
    }

    boolean isExpired(Instant issued, Instant now) {
        return issued.isBefore(iteratorsExpiredBefore)
                || !issued.plus(settings.iteratorTtl()).isAfter(now);
    }
}
