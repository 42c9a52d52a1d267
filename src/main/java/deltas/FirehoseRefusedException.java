package deltas;

/** Firehose kept refusing entries of a batch; the whole stream batch is processed again later. */
public final class FirehoseRefusedException extends RuntimeException {
    public FirehoseRefusedException(String message) {
        super(message);
    }
}
