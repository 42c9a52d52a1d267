package deltas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import ddbstream.RawRecord;
import ddbstream.StreamBatch;
import item.ItemFormatException;
import item.StreamRecordTranscoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import lake.LakeLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;

/**
 * Turns a stream batch into delta envelopes, one JSON line each. A record that cannot be converted becomes a dead
 * letter (the record whole, as the stream gave it, with the reason) and the rest of the batch goes on; an envelope
 * over Firehose's 1,000 KiB record limit goes straight to the lake's overflow prefix.
 */
public final class DeltaMapper {
    /** Firehose's largest record, 1,000 KiB. */
    public static final int MAX_FIREHOSE_RECORD = 1000 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DeltaMapper.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final LakeLayout layout;
    private final DeltaMetrics metrics;
    private final int firehoseMaxAttempts;
    private final boolean pack;
    private final Clock clock;

    /**
     * @param pack join consecutive envelopes into Firehose records of up to 1,000 KiB (see {@link DeltaBatch})
     */
    public DeltaMapper(LakeLayout layout, DeltaMetrics metrics, int firehoseMaxAttempts, boolean pack, Clock clock) {
        this.layout = layout;
        this.metrics = metrics;
        this.firehoseMaxAttempts = firehoseMaxAttempts;
        this.pack = pack;
        this.clock = clock;
    }

    public DeltaBatch map(StreamBatch batch) throws IOException {
        List<byte[]> lines = new ArrayList<>(batch.size());
        List<LakeObject> objects = new ArrayList<>();
        Instant now = clock.instant();
        StreamRecordTranscoder envelopes = new StreamRecordTranscoder();
        // One buffer for the whole batch: each envelope is a slice of it.
        Buffer out = new Buffer(batch.size() * 512);
        for (RawRecord r : batch.rawRecords()) {
            int start = out.size();
            try {
                envelopes.write(r.json(), batch.table(), batch.shardId(), out);
            } catch (ItemFormatException e) {
                out.truncate(start);
                objects.add(deadLetter(batch, r, e, now));
                continue;
            }
            out.write('\n');
            byte[] line = Arrays.copyOfRange(out.bytes(), start, out.size());
            if (line.length > MAX_FIREHOSE_RECORD) {
                metrics.overflow();
                objects.add(new LakeObject(layout.overflowKey(batch.shardId(), sequence(r), now), line));
            } else {
                lines.add(line);
            }
        }
        return new DeltaBatch(lines, objects, firehoseMaxAttempts, pack ? MAX_FIREHOSE_RECORD : 0);
    }

    private LakeObject deadLetter(StreamBatch batch, RawRecord r, ItemFormatException e, Instant now) {
        String seq = sequence(r);
        LOG.warn(
                "Stream record {} of shard {} cannot be converted and goes to the dead letters: {}",
                seq,
                batch.shardId(),
                e.getMessage());
        metrics.deadLetter();
        return LakeObject.of(
                layout.streamDeadLetterKey(batch.shardId(), seq, now), deadLetterJson(batch, seq, r, e.getMessage()));
    }

    /**
     * The record's sequence number, which names its dead letter; for a record sent without a valid one, {@code unknown-}
     * and a digest of its bytes, so two such letters never share a name and the same record sent again keeps its own.
     */
    private static String sequence(RawRecord r) {
        String seq = r.sequenceNumber();
        if (item.SequenceNumbers.isValid(seq)) {
            return seq;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(r.json());
            return "unknown-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }

    /** The dead letter: why, where, and the record whole, as the stream sent it. */
    private static String deadLetterJson(StreamBatch batch, String seq, RawRecord r, String reason) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("reason", reason);
            g.writeStringField("table", batch.table());
            g.writeStringField("streamArn", batch.streamArn());
            g.writeStringField("shardId", batch.shardId());
            g.writeStringField("sequenceNumber", seq);
            if (isJson(r.json())) {
                g.writeFieldName("record");
                g.writeRawValue(new String(r.json(), StandardCharsets.UTF_8));
            } else {
                // Not even JSON: kept as the text it is, so the letter itself stays readable.
                g.writeStringField("recordText", new String(r.json(), StandardCharsets.UTF_8));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out + "\n";
    }

    private static boolean isJson(byte[] json) {
        try (var p = JSON.createParser(json)) {
            while (p.nextToken() != null) {
                // read to the end
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Keeps the entries Firehose refused for the next send, counting them. */
    public void accept(FirehoseBatch batch, PutRecordBatchResponse response) {
        int refused = batch.accept(response);
        if (refused > 0) {
            metrics.refused(refused);
            LOG.debug("Firehose refused {} of the batch's records; resending them", refused);
        }
    }

    /** A byte buffer whose content can be sliced without copying it whole first, and cut back. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] bytes() {
            return buf;
        }

        void truncate(int size) {
            count = size;
        }
    }
}
