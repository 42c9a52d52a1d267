package views;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The new images of a run's changes in a local file beside the run's DuckDB database, each with its key and sequence
 * number: DuckDB finds each key's winner on narrow columns and never holds the images, and the winners are written from
 * here, DuckDB handing over no more than their row numbers. Storing the images as a column of DuckDB's {@code changes}
 * table cost a full build a third of its time, and handing the winners' keys and sequence numbers over JDBC a fifth of
 * the time it typed them (ViewBenchmark).
 *
 * <p>{@link #put} returns where the entry lies, as one number: its offset in the high bits, its length plus one in
 * the low 24 (0: no image, a delete). That number is the change's row number in DuckDB: every put writes at least one
 * byte and the file starts with one, so the numbers are distinct, increasing in the order of the puts and never 0 (a
 * base row's), and nothing in the heap grows with the changes. One run writes, then reads: {@link #get} after the last
 * {@link #put}.
 */
final class ItemSpill implements Closeable {
    private static final int LENGTH_BITS = 24;

    /** How much of the file one mapping covers when it is read. */
    private static final long SEGMENT = 1L << 30;

    private final FileChannel channel;
    private final OutputStream out;
    private final long segment;
    private long written;
    private volatile boolean reading;
    private MappedByteBuffer[] mapped;

    ItemSpill(Path file) throws IOException {
        this(file, SEGMENT);
    }

    /** A spill read through mappings of {@code segment} bytes each (an image across two is read from the file). */
    ItemSpill(Path file, long segment) throws IOException {
        this.segment = segment;
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

    /** A change read back: its image is {@code imageLength} bytes of {@code bytes} from {@code imageOffset}. */
    record Entry(String key, String sequence, byte[] bytes, int imageOffset, int imageLength) {
        /** The image, a copy. */
        byte[] image() {
            return java.util.Arrays.copyOfRange(bytes, imageOffset, imageOffset + imageLength);
        }
    }

    /**
     * Puts the next change: its key, sequence number and image ({@code null}: a delete, of which nothing is kept);
     * returns its place, the row's number. The three together must stay under 16 MiB (a DynamoDB item is at most
     * 400 KB). Threads may share it.
     */
    long put(String key, String sequence, byte[] image) throws IOException {
        return image == null ? put(key, sequence, null, 0, 0) : put(key, sequence, image, 0, image.length);
    }

    /**
     * The same, the image being {@code length} bytes of {@code image} from {@code offset} (null: a REMOVE's). Readers
     * that share the spill take turns only for the write itself.
     */
    long put(String key, String sequence, byte[] image, int offset, int length) throws IOException {
        byte[] k = image == null ? null : key.getBytes(StandardCharsets.UTF_8);
        byte[] s = image == null ? null : sequence.getBytes(StandardCharsets.UTF_8);
        int entry = image == null ? 0 : 8 + k.length + s.length + length;
        if (entry >= (1 << LENGTH_BITS) - 1) {
            throw new IOException("a change of " + entry + " bytes does not fit the spill: " + key);
        }
        synchronized (this) {
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
            writeInt(k.length);
            out.write(k);
            writeInt(s.length);
            out.write(s);
            out.write(image, offset, length);
            out.write(0);
            written += entry + 1;
            return (at << LENGTH_BITS) | (entry + 1L);
        }
    }

    private void writeInt(int v) throws IOException {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /**
     * Flushes what was put and maps the file: a winner's image is then a copy out of memory the kernel pages in, not a
     * system call each (those took a tenth of the time a full build typed its changes in, ViewBenchmark).
     */
    private synchronized void startReading() throws IOException {
        if (!reading) {
            out.flush();
            MappedByteBuffer[] segments = new MappedByteBuffer[(int) ((written + segment - 1) / segment)];
            for (int i = 0; i < segments.length; i++) {
                long from = i * segment;
                segments[i] = channel.map(FileChannel.MapMode.READ_ONLY, from, Math.min(segment, written - from));
            }
            mapped = segments;
            reading = true;
        }
    }

    /** The change at a place {@link #put} returned, or null for a delete's. Threads may read side by side. */
    Entry get(long place) throws IOException {
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
        byte[] entry = new byte[length];
        int in = (int) (at / segment);
        long within = at % segment;
        if (within + length <= segment) {
            mapped[in].get((int) within, entry);
        } else {
            ByteBuffer buffer = ByteBuffer.wrap(entry);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, at + buffer.position()) < 0) {
                    throw new IOException("the spill ends before the row at " + place);
                }
            }
        }
        ByteBuffer b = ByteBuffer.wrap(entry);
        int keyLength = b.getInt();
        String key = new String(entry, 4, keyLength, StandardCharsets.UTF_8);
        b.position(4 + keyLength);
        int sequenceLength = b.getInt();
        int imageFrom = 8 + keyLength + sequenceLength;
        return new Entry(
                key,
                new String(entry, 8 + keyLength, sequenceLength, StandardCharsets.UTF_8),
                entry,
                imageFrom,
                length - imageFrom);
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
