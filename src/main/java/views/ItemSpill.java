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
import java.util.Arrays;

/**
 * The new images of a run's changes, by row number, in a local file beside the run's DuckDB database: DuckDB finds
 * each key's winner on narrow columns and never holds the images, which are read back only for the winners. Storing
 * them as a column of DuckDB's {@code changes} table cost a full build a third of its time (ViewBenchmark).
 *
 * <p>Rows are numbered from 1 in the order they are put; a row without an image (a delete) reads as null. One run
 * writes, then reads: {@link #get} after the last {@link #put}.
 */
final class ItemSpill implements Closeable {
    /** A row's place: offset in the high 40 bits, length + 1 in the low 24 (0: no image). */
    private long[] places = new long[1 << 16];

    private final FileChannel channel;
    private final OutputStream out;
    private long written;
    private long rows;
    private boolean reading;

    ItemSpill(Path file) throws IOException {
        this.channel = FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /** Puts the next row's image ({@code null}: none); returns its row number. */
    long put(byte[] image) throws IOException {
        if (reading) {
            throw new IllegalStateException("the spill is being read");
        }
        long row = ++rows;
        if (row >= places.length) {
            places = Arrays.copyOf(places, places.length * 2);
        }
        if (image != null) {
            if (image.length >= (1 << 24) - 1 || written >= 1L << 40) {
                throw new IOException("an image of " + image.length + " bytes at " + written + " does not fit");
            }
            out.write(image);
            places[(int) row] = (written << 24) | (image.length + 1L);
            written += image.length;
        }
        return row;
    }

    /** The image of a row, or null when it has none. */
    byte[] get(long row) throws IOException {
        if (!reading) {
            out.flush();
            reading = true;
        }
        if (row < 1 || row > rows) {
            throw new IllegalArgumentException("no row " + row + " among " + rows);
        }
        long place = places[(int) row];
        int length = (int) (place & 0xFFFFFF) - 1;
        if (length < 0) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = place >>> 24;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new IOException("the spill ends before row " + row);
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
