package deltas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import ddbstream.StreamBatch;
import item.DeltaEnvelope;
import item.DeltaEnvelopes;
import item.StreamRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import lake.LakeLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Record;

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
    private final Clock clock;

    public DeltaMapper(LakeLayout layout, DeltaMetrics metrics, int firehoseMaxAttempts, Clock clock) {
        this.layout = layout;
        this.metrics = metrics;
        this.firehoseMaxAttempts = firehoseMaxAttempts;
        this.clock = clock;
    }

    public DeltaBatch map(StreamBatch batch) {
        List<byte[]> lines = new ArrayList<>(batch.size());
        List<LakeObject> objects = new ArrayList<>();
        Instant now = clock.instant();
        for (Record r : batch.records()) {
            String seq = r.dynamodb() == null ? "unknown" : r.dynamodb().sequenceNumber();
            byte[] line;
            try {
                line = line(DeltaEnvelopes.fromRecord(r, batch.table(), batch.shardId()));
            } catch (RuntimeException e) {
                LOG.warn(
                        "Stream record {} of shard {} cannot be converted and goes to the dead letters: {}",
                        seq,
                        batch.shardId(),
                        e.getMessage());
                metrics.deadLetter();
                objects.add(LakeObject.of(
                        layout.streamDeadLetterKey(batch.shardId(), seq, now),
                        deadLetter(batch, seq, r, e.getMessage())));
                continue;
            }
            if (line.length > MAX_FIREHOSE_RECORD) {
                metrics.overflow();
                objects.add(new LakeObject(layout.overflowKey(batch.shardId(), seq, now), line));
            } else {
                lines.add(line);
            }
        }
        return new DeltaBatch(lines, objects, firehoseMaxAttempts);
    }

    private static byte[] line(DeltaEnvelope envelope) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            envelope.writeJson(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static String deadLetter(StreamBatch batch, String seq, Record r, String reason) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("reason", reason);
            g.writeStringField("table", batch.table());
            g.writeStringField("streamArn", batch.streamArn());
            g.writeStringField("shardId", batch.shardId());
            g.writeStringField("sequenceNumber", seq);
            g.writeFieldName("record");
            StreamRecords.write(r, g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out + "\n";
    }

    /** Keeps the entries Firehose refused for the next send, counting them. */
    public void accept(FirehoseBatch batch, software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse r) {
        int refused = batch.accept(r);
        if (refused > 0) {
            metrics.refused(refused);
            LOG.debug("Firehose refused {} of the batch's records; resending them", refused);
        }
    }
}
