package localaws.firehose;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One emulated delivery stream with an S3 destination: records are concatenated as sent into a buffer that is
 * written to S3 as one object when it reaches the size hint or its oldest record reaches the interval hint. Objects
 * are named as Firehose names them; an object that cannot be written is kept and retried, never dropped.
 */
final class DeliveryStream {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryStream.class);
    private static final DateTimeFormatter HOUR_PREFIX =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);
    private static final Pattern EXPRESSION = Pattern.compile("!\\{(timestamp|firehose):([^}]*)}");

    record Pending(String key, byte[] body) {}

    final String name;
    final String arn;
    final Instant created;
    final String bucket;
    final String prefix;
    final long sizeBytes;
    final Duration interval;
    final boolean gzip;
    final com.fasterxml.jackson.databind.JsonNode configuration;

    private ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Instant firstArrival;
    private final Deque<Pending> pending = new ArrayDeque<>();

    DeliveryStream(
            String name,
            String arn,
            Instant created,
            String bucket,
            String prefix,
            long sizeBytes,
            Duration interval,
            boolean gzip,
            com.fasterxml.jackson.databind.JsonNode configuration) {
        this.name = name;
        this.arn = arn;
        this.created = created;
        this.bucket = bucket;
        this.prefix = prefix;
        this.sizeBytes = sizeBytes;
        this.interval = interval;
        this.gzip = gzip;
        this.configuration = configuration;
    }

    /** Buffers accepted records; returns true when the buffer is now due for delivery by size. */
    synchronized boolean accept(byte[][] records, Instant now) {
        if (firstArrival == null) {
            firstArrival = now;
        }
        for (byte[] r : records) {
            buffer.writeBytes(r);
        }
        return buffer.size() >= sizeBytes;
    }

    /** Moves the buffer to the delivery queue when it is due (or always, when {@code force}). */
    synchronized void cut(Instant now, boolean force) {
        if (buffer.size() == 0) {
            return;
        }
        boolean due = force
                || buffer.size() >= sizeBytes
                || !firstArrival.plus(interval).isAfter(now);
        if (due) {
            pending.add(new Pending(key(firstArrival), body(buffer.toByteArray())));
            buffer = new ByteArrayOutputStream();
            firstArrival = null;
        }
    }

    /** Writes queued objects to S3 in order; stops at the first failure and keeps it for the next attempt. */
    void deliver(S3Client s3) {
        while (true) {
            Pending next;
            synchronized (this) {
                next = pending.peek();
            }
            if (next == null) {
                return;
            }
            try {
                s3.putObject(b -> b.bucket(bucket).key(next.key()), RequestBody.fromBytes(next.body()));
            } catch (RuntimeException e) {
                LOG.warn(
                        "Delivery stream {} could not write s3://{}/{} (will retry): {}",
                        name,
                        bucket,
                        next.key(),
                        e.toString());
                return;
            }
            synchronized (this) {
                pending.remove(next);
            }
        }
    }

    synchronized int pendingObjects() {
        return pending.size() + (buffer.size() > 0 ? 1 : 0);
    }

    private String key(Instant arrival) {
        String base = name + "-1-" + KEY_TIME.format(arrival) + "-" + UUID.randomUUID() + (gzip ? ".gz" : "");
        if (!EXPRESSION.matcher(prefix).find()) {
            return prefix + HOUR_PREFIX.format(arrival) + base;
        }
        // A prefix with expressions replaces the default YYYY/MM/dd/HH/ part, as in Firehose.
        Matcher m = EXPRESSION.matcher(prefix);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = m.group(1).equals("timestamp")
                    ? DateTimeFormatter.ofPattern(m.group(2))
                            .withZone(ZoneOffset.UTC)
                            .format(arrival)
                    : UUID.randomUUID().toString().substring(0, 11);
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb + base;
    }

    private byte[] body(byte[] data) {
        if (!gzip) {
            return data;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
