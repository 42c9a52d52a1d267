package localaws.streams;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import localaws.http.AwsServiceException;

/**
 * Shard iterators as opaque strings: which stream and shard, the sequence number after which reading continues,
 * when the iterator was issued, by which emulator run (an iterator from an earlier run is expired), and the reader:
 * the chain it belongs to, from a GetShardIterator through the NextShardIterators that follow.
 */
final class ShardIterators {
    record Position(String streamArn, String shardId, BigInteger after, Instant issued, String reader) {}

    private final String run;

    ShardIterators(String run) {
        this.run = run;
    }

    String encode(Position p) {
        String text = String.join(
                "|",
                run,
                p.streamArn(),
                p.shardId(),
                p.after().toString(),
                Long.toString(p.issued().toEpochMilli()),
                p.reader());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes an iterator.
     *
     * @throws AwsServiceException ExpiredIteratorException for an iterator of an earlier emulator run,
     *     ValidationException for text that is no iterator
     */
    Position decode(String iterator) {
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(iterator), StandardCharsets.UTF_8).split("\\|");
        } catch (IllegalArgumentException e) {
            throw AwsServiceException.validation("Invalid ShardIterator");
        }
        if (parts.length != 6) {
            throw AwsServiceException.validation("Invalid ShardIterator");
        }
        if (!parts[0].equals(run)) {
            throw AwsServiceException.badRequest(
                    "ExpiredIteratorException",
                    "Iterator expired: it was issued before" + " the local emulator restarted");
        }
        return new Position(
                parts[1], parts[2], new BigInteger(parts[3]), Instant.ofEpochMilli(Long.parseLong(parts[4])), parts[5]);
    }
}
