package lake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPInputStream;

/**
 * Reads an export data file as it streams in: computes the MD5 of the gzip bytes while gunzipping them, and hands
 * each line to the caller as a slice of a reused buffer. Memory is the buffer (grown only for a line longer than
 * it), whatever the size of the file.
 *
 * <pre>{@code
 * DataFileReader.Result r = DataFileReader.read(s3Object, (buf, off, len, line) -> parse(buf, off, len));
 * if (!r.md5().equals(expectedMd5)) { ... }
 * }</pre>
 */
public final class DataFileReader {
    private static final int BUFFER = 256 * 1024;

    /** Receives one line: bytes {@code [off, off + len)} of {@code buf}, valid until the method returns. */
    @FunctionalInterface
    public interface LineHandler {
        void line(byte[] buf, int off, int len, long lineNumber) throws IOException;
    }

    /**
     * What was read.
     *
     * @param lines the non-empty lines handed over
     * @param md5 base64 MD5 of the compressed bytes, as export manifests write it (null when not asked for)
     * @param compressedBytes bytes of the gzip object
     * @param uncompressedBytes bytes after gunzip
     */
    public record Result(long lines, String md5, long compressedBytes, long uncompressedBytes) {}

    private DataFileReader() {}

    public static Result read(InputStream gzipObject, LineHandler handler) throws IOException {
        return read(gzipObject, true, md5(), handler);
    }

    /**
     * Reads an object of lines, gzip-compressed or not (delta objects are either, as Firehose is configured), that
     * has no checksum to check: the result's {@code md5} is null.
     */
    public static Result read(InputStream object, boolean gzip, LineHandler handler) throws IOException {
        return read(object, gzip, null, handler);
    }

    private static Result read(InputStream object, boolean gzip, MessageDigest md5, LineHandler handler)
            throws IOException {
        CountingInputStream compressed =
                new CountingInputStream(md5 == null ? object : new DigestInputStream(object, md5));
        long lines = 0;
        long uncompressed = 0;
        try (InputStream in = gzip ? new GZIPInputStream(compressed, 64 * 1024) : compressed) {
            byte[] buf = new byte[BUFFER];
            int start = 0;
            int end = 0;
            long lineNumber = 0;
            while (true) {
                if (end == buf.length) {
                    if (start > 0) {
                        System.arraycopy(buf, start, buf, 0, end - start);
                        end -= start;
                        start = 0;
                    } else {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                }
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    break;
                }
                uncompressed += n;
                int scan = end;
                end += n;
                for (int i = scan; i < end; i++) {
                    if (buf[i] == '\n') {
                        lineNumber++;
                        int len = i - start;
                        if (len > 0 && buf[i - 1] == '\r') {
                            len--;
                        }
                        if (len > 0) {
                            handler.line(buf, start, len, lineNumber);
                            lines++;
                        }
                        start = i + 1;
                    }
                }
            }
            if (end > start) {
                handler.line(buf, start, end - start, lineNumber + 1);
                lines++;
            }
            // The gzip trailer may leave bytes unread; the checksum covers the whole object.
            compressed.transferTo(OutputStream.nullOutputStream());
        }
        return new Result(
                lines,
                md5 == null ? null : Base64.getEncoder().encodeToString(md5.digest()),
                compressed.count,
                uncompressed);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
