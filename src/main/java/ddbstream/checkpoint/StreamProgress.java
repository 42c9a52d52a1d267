package ddbstream.checkpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * One stream of a table as a consumer group has read it: a table whose stream is turned off and on again (changing
 * its StreamViewType requires it) gets a new stream, and the old one is read to its end before the new one starts.
 *
 * @param finished true once every shard of the stream was read to its end (or the stream is gone)
 */
public record StreamProgress(String streamArn, boolean finished, Instant updatedAt) {
    public StreamProgress {
        Objects.requireNonNull(streamArn, "streamArn == null");
        Objects.requireNonNull(updatedAt, "updatedAt == null");
    }

    /**
     * The stream's label, the last part of its ARN ({@code …/stream/2026-12-02T18:53:24.123}): its creation time, so
     * streams of one table sort by it.
     */
    public String label() {
        return label(streamArn);
    }

    public static String label(String streamArn) {
        return streamArn.substring(streamArn.lastIndexOf('/') + 1);
    }
}
