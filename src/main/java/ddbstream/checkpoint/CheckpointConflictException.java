package ddbstream.checkpoint;

/**
 * A checkpoint could not be written because the stored one is further along or was written under a newer lease:
 * another consumer owns the stream now, and this one must stop reading.
 */
public final class CheckpointConflictException extends RuntimeException {
    public CheckpointConflictException(String message) {
        super(message);
    }
}
