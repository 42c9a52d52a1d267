package views;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The new images of a run's changes in a local file beside the run's DuckDB database: DuckDB finds each key's winner
 * on narrow columns and never holds the images, which are read back only for the winners. Storing them as a column of
 * DuckDB's {@code changes} table cost a full build a third of its time (ViewBenchmark).
 *
 * <p>{@link #put} returns where the image lies, as one number: its offset in the high bits, its length plus one in
 * the low 24 (0: no image, a delete). That number is the change's row number in DuckDB: every put writes at least one
 * byte and the file starts with one, so the numbers are distinct, increasing in the order of the puts and never 0 (a
 * base row's), and nothing in the heap grows with the changes. One run writes, then reads: {@link #get} after the last
 * {@link #put}.
 */
final class ItemSpill implements Closeable {
    private static final int LENGTH_BITS = 24;

    private final FileChannel channel;
    private final OutputStream out;
    private long written;
    private volatile boolean reading;

    ItemSpill(Path file) throws IOException {
        this.channel = FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        out.write(0); // no place is 0
        written = 1;
    }

    /** Puts the next row's image ({@code null}: none); returns its place, the row's number. Threads may share it. */
    synchronized long put(byte[] image) throws IOException {
        if (reading) {
            throw new IllegalStateException("the spill is being read");
        }
        if (written >= 1L << (63 - LENGTH_BITS)) {
            throw new IOException("the spill is full at " + written + " bytes");
        }
        long at = written;
        if (image == null) {
            out.write(0); // a byte of its own, so the next place differs
            written++;
            return at << LENGTH_BITS;
        }
        if (image.length >= (1 << LENGTH_BITS) - 1) {
            throw new IOException("an image of " + image.length + " bytes does not fit the spill");
        }
        out.write(image);
        out.write(0);
        written += image.length + 1;
        return (at << LENGTH_BITS) | (image.length + 1L);
    }

    private synchronized void startReading() throws IOException {
        if (!reading) {
            out.flush();
            reading = true;
        }
    }

    /** The image at a place {@link #put} returned, or null for a delete's. Threads may read side by side. */
    byte[] get(long place) throws IOException {
        if (!reading) {
            startReading();
        }
        long at = place >>> LENGTH_BITS;
        int length = (int) (place & ((1 << LENGTH_BITS) - 1)) - 1;
        if (place <= 0 || at + Math.max(length, 0) > written) {
            throw new IllegalArgumentException("no row at " + place + " in a spill of " + written + " bytes");
        }
        if (length < 0) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new IOException("the spill ends before the row at " + place);
            }
        }
        return buffer.array();
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            channel.close();
        }
    }
}
