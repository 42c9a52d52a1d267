package ddbstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a batch moves its shard's checkpoint. */
class StreamBatchTest {
    private static RawRecord record(String sequenceNumber) {
        String seq = sequenceNumber == null ? "" : ",\"SequenceNumber\":" + sequenceNumber;
        return new RawRecord(("{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}}" + seq + "}}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static StreamBatch batch(RawRecord... records) {
        return new StreamBatch("t", "arn", "shard-1", List.of(records));
    }

    @Test
    void theCheckpointMovesToTheLastRecordThatHasAValidSequenceNumber() {
        assertThat(batch(record("\"100\""), record("\"200\"")).checkpointSequenceNumber())
                .isEqualTo("200");
        assertThat(batch(record("\"100\""), record("\"200\""), record(null)).checkpointSequenceNumber())
                .as("the last record came without one")
                .isEqualTo("200");
        assertThat(batch(record("\"100\""), record("\"2x0\""), record("null")).checkpointSequenceNumber())
                .as("not digits, or null")
                .isEqualTo("100");
        assertThat(batch(record(null), record("\"../x\"")).checkpointSequenceNumber())
                .as("none: the checkpoint stays where it was")
                .isNull();
    }
}
