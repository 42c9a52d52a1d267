package export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import item.DeltaEnvelope;
import item.DeltaEnvelopes;
import item.ItemFormatException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import lake.DataFileReader;

/**
 * Turns the lines of an incremental export's data file into delta envelopes as they stream by: one line in, one
 * envelope line out, in the file's order, so memory is the reader's buffer and one line whatever the size of the
 * file. The sequence number of a change is its write time in microseconds (views order a key's changes by it, not by
 * their place in the file); lines that are not changes go to {@code bad}.
 *
 * <pre>{@code
 * ChangeEnvelopes envelopes = new ChangeEnvelopes(out, "orders", exportId, fileIndex, deadLetters::add);
 * DataFileReader.read(dataFile, envelopes::line);
 * envelopes.finish();
 * }</pre>
 */
public final class ChangeEnvelopes {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /** Receives a line that is not a change of an incremental export, with the reason. */
    @FunctionalInterface
    public interface BadLines {
        void add(byte[] buf, int off, int len, long line, String reason) throws IOException;
    }

    private final JsonGenerator out;
    private final String table;
    private final String exportId;
    private final int fileIndex;
    private final BadLines bad;
    private long changes;

    public ChangeEnvelopes(OutputStream out, String table, String exportId, int fileIndex, BadLines bad)
            throws IOException {
        this.out = FACTORY.createGenerator(out);
        this.out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        this.out.setRootValueSeparator(null);
        this.table = table;
        this.exportId = exportId;
        this.fileIndex = fileIndex;
        this.bad = bad;
    }

    /** One line of the data file (a {@link DataFileReader.LineHandler}). */
    public void line(byte[] buf, int off, int len, long line) throws IOException {
        DeltaEnvelope envelope;
        try {
            envelope = envelope(ExportLines.change(buf, off, len), line);
        } catch (ItemFormatException e) {
            bad.add(buf, off, len, line, e.getMessage());
            return;
        }
        envelope.writeJson(out);
        out.writeRaw('\n');
        changes++;
    }

    /** Flushes what is written; the output stream stays open. */
    public void finish() throws IOException {
        out.flush();
    }

    /** The changes written so far. */
    public long changes() {
        return changes;
    }

    /** An incremental export's change as a delta envelope: sequence number = write time in microseconds. */
    private DeltaEnvelope envelope(ExportLines.Change c, long line) {
        DeltaEnvelope.Action action = c.newImage() == null
                ? DeltaEnvelope.Action.REMOVE
                : c.oldImage() == null ? DeltaEnvelope.Action.INSERT : DeltaEnvelope.Action.MODIFY;
        long micros = c.writeTimestampMicros();
        return DeltaEnvelopes.of(
                action,
                Long.toString(micros),
                c.keys(),
                c.newImage(),
                c.oldImage(),
                Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000),
                "export:" + exportId + ":" + fileIndex + ":" + line,
                table,
                "export:" + exportId,
                false);
    }
}
