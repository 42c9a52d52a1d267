package ddbstream;

/** Where a consumer group with no checkpoint starts reading a stream. */
public enum StartPosition {
    /** The oldest record the stream still holds (24 hours on AWS): nothing the stream has is skipped. */
    TRIM_HORIZON,
    /** Only records written after the consumer starts; shards already closed at that moment are skipped. */
    LATEST
}
