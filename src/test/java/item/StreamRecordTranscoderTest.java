package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The envelope written straight from a stream record's JSON: what it writes, and how it names what is wrong. */
class StreamRecordTranscoderTest {
    private static final String SEQ = "111100000000000018239453720";

    private static String record(String event, String change) {
        return record(event, change, "");
    }

    private static String record(String event, String change, String tail) {
        return "{\"eventID\":\"e1\",\"eventName\":\"" + event + "\",\"dynamodb\":{" + change + "}" + tail + "}";
    }

    private static String change(String images) {
        return "\"ApproximateCreationDateTime\":1.7E9,\"Keys\":{\"pk\":{\"S\":\"a\"}}" + images
                + ",\"SequenceNumber\":\"" + SEQ + "\"";
    }

    private static String write(StreamRecordTranscoder t, String record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        t.write(record.getBytes(StandardCharsets.UTF_8), "orders", "shardId-1", out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesTheEnvelopeInItsOwnFieldOrderWhateverTheRecordsOrder() throws IOException {
        String images = ",\"OldImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},"
                + "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"2.0\"},\"s\":{\"NS\":[\"1\",\".5\"]}}";
        assertThat(write(new StreamRecordTranscoder(), record("MODIFY", change(images))))
                .isEqualTo("{\"action\":\"MODIFY\",\"sequenceNumber\":\"" + SEQ + "\","
                        + "\"object\":{\"pk\":\"a\",\"n\":2.0,\"s\":[1,0.5]},\"keys\":{\"pk\":\"a\"},"
                        + "\"oldObject\":{\"pk\":\"a\",\"n\":1},"
                        + "\"approximateCreationDateTime\":\"2023-11-14T22:13:20Z\",\"eventId\":\"e1\","
                        + "\"table\":\"orders\",\"shardId\":\"shardId-1\",\"ttlExpired\":false}");
    }

    @Test
    void aRemovalWithoutItsOldImageCarriesTheKeysAndSaysSo() throws IOException {
        assertThat(write(new StreamRecordTranscoder(), record("REMOVE", change(""))))
                .contains("\"object\":{\"pk\":\"a\"},\"keys\":{\"pk\":\"a\"},")
                .endsWith("\"ttlExpired\":false,\"keysOnly\":true}");
    }

    @Test
    void namesWhereARecordIsWrongInTheRecordsOwnTerms() {
        StreamRecordTranscoder t = new StreamRecordTranscoder();
        assertThatThrownBy(() -> write(t, record("UPSERT", change(""))))
                .hasMessage("eventName: expected INSERT, MODIFY or REMOVE, found 'UPSERT'");
        assertThatThrownBy(() -> write(t, record("INSERT", change(",\"NewImage\":{\"n\":{\"N\":\"x1\"}}"))))
                .hasMessage("dynamodb.NewImage.n: 'x1' is not a number");
        assertThatThrownBy(() ->
                        write(t, record("INSERT", change(",\"NewImage\":{\"m\":{\"M\":{\"b\":{\"B\":\"%%\"}}}}"))))
                .hasMessageStartingWith("dynamodb.NewImage.m.b: malformed base64");
        assertThatThrownBy(() -> write(t, record("INSERT", change(",\"NewImage\":{\"v\":{\"S\":\"a\",\"N\":\"1\"}}"))))
                .hasMessage("dynamodb.NewImage.v: more than one type tag in one value (S and N)");
        assertThatThrownBy(() -> write(t, record("INSERT", change(",\"NewImage\":{\"v\":{\"X\":1}}"))))
                .hasMessageStartingWith("dynamodb.NewImage.v: unknown type tag 'X'");
        assertThatThrownBy(() -> write(t, record("INSERT", change("").replace(SEQ, "12a"))))
                .hasMessage("dynamodb.SequenceNumber: missing or not digits: '12a'");
        assertThatThrownBy(() -> write(
                        t, record("INSERT", change("").replace("\"Keys\":{\"pk\":{\"S\":\"a\"}}", "\"Keys\":{}"))))
                .hasMessage("dynamodb.Keys: a stream record always has the item's keys");
        assertThatThrownBy(() -> write(t, "{\"eventID\":\"e1\",\"eventName\":\"INSERT\"}"))
                .hasMessage("dynamodb: the record has no dynamodb part");
        assertThatThrownBy(() -> write(t, "{\"eventID\":"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("(item): not JSON");
    }

    @Test
    void aRecordAfterARefusedOneIsWrittenWhole() throws IOException {
        StreamRecordTranscoder t = new StreamRecordTranscoder();
        String good = record("INSERT", change(",\"NewImage\":{\"pk\":{\"S\":\"a\"},\"l\":{\"L\":[{\"N\":\"1\"}]}}"));
        String first = write(t, good);
        assertThatThrownBy(() -> write(t, record("INSERT", change(",\"NewImage\":{\"l\":{\"L\":[{\"N\":\"1\"},{}]}}"))))
                .hasMessageStartingWith("dynamodb.NewImage.l[1]: empty attribute value");
        assertThat(write(t, good)).isEqualTo(first).contains("\"object\":{\"pk\":\"a\",\"l\":[1]}");
    }

    @Test
    void aDeletionByTimeToLiveIsMarked() throws IOException {
        String ttl = record(
                "REMOVE",
                change(",\"OldImage\":{\"pk\":{\"S\":\"a\"}}"),
                ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}");
        assertThat(write(new StreamRecordTranscoder(), ttl)).contains("\"ttlExpired\":true");
    }
}
