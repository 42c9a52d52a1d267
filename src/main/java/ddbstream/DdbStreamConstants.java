package ddbstream;

import org.apache.camel.spi.Metadata;

/** The headers the {@code ddbstream} consumer sets on each exchange (one exchange per GetRecords batch). */
public final class DdbStreamConstants {
    @Metadata(description = "The ARN of the stream the batch was read from", javaType = "String")
    public static final String STREAM_ARN = "CamelDdbStreamArn";

    @Metadata(description = "The shard the batch was read from", javaType = "String")
    public static final String SHARD_ID = "CamelDdbStreamShardId";

    @Metadata(description = "The sequence number of the batch's first record", javaType = "String")
    public static final String FIRST_SEQUENCE_NUMBER = "CamelDdbStreamFirstSequenceNumber";

    @Metadata(
            description = "The sequence number of the batch's last record: the checkpoint once it succeeds",
            javaType = "String")
    public static final String LAST_SEQUENCE_NUMBER = "CamelDdbStreamLastSequenceNumber";

    @Metadata(
            description = "How many times this batch was processed before (0 on the first attempt)",
            javaType = "Integer")
    public static final String ATTEMPT = "CamelDdbStreamAttempt";

    private DdbStreamConstants() {}
}
