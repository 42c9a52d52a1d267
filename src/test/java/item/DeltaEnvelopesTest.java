package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

class DeltaEnvelopesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEQ = "111100000000000018239453720";

    private static Record.Builder record(OperationType type) {
        return Record.builder().eventID("e1").eventName(type);
    }

    @Test
    void insertCarriesTheNewImageAsObject() {
        Record r = record(OperationType.INSERT)
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.parse("2026-11-26T10:00:00Z"))
                        .keys(item("pk", s("a")))
                        .newImage(item("pk", s("a"), "n", n("2.0")))
                        .build())
                .build();
        assertThat(DeltaEnvelopes.fromRecord(r, "orders", "shardId-1").toJson())
                .isEqualTo("{\"action\":\"INSERT\","
                        + "\"sequenceNumber\":\"" + SEQ
                        + "\",\"object\":{\"pk\":\"a\",\"n\":2.0},\"keys\":{\"pk\":\"a\"},"
                        + "\"approximateCreationDateTime\":\"2026-11-26T10:00:00Z\",\"eventId\":\"e1\",\"table\":\"orders\","
                        + "\"shardId\":\"shardId-1\",\"ttlExpired\":false}");
    }

    @Test
    void modifyCarriesTheOldImageToo() {
        Record r = record(OperationType.MODIFY)
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .newImage(item("pk", s("a"), "v", n("2")))
                        .oldImage(item("pk", s("a"), "v", n("1")))
                        .build())
                .build();
        DeltaEnvelope e = DeltaEnvelopes.fromRecord(r, "t", "s");
        assertThat(e.object()).isEqualTo(item("pk", s("a"), "v", n("2")));
        assertThat(e.oldObject()).isEqualTo(item("pk", s("a"), "v", n("1")));
        assertThat(e.toJson()).contains("\"oldObject\":{\"pk\":\"a\",\"v\":1}");
    }

    @Test
    void removeCarriesTheOldImageAsObject() {
        Record r = record(OperationType.REMOVE)
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .oldImage(item("pk", s("a"), "v", n("1")))
                        .build())
                .build();
        assertThat(DeltaEnvelopes.fromRecord(r, "t", "s").object()).isEqualTo(item("pk", s("a"), "v", n("1")));
    }

    @Test
    void withoutImagesTheObjectIsTheKeys() {
        Record r = record(OperationType.REMOVE)
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .build())
                .build();
        DeltaEnvelope e = DeltaEnvelopes.fromRecord(r, "t", "s");
        assertThat(e.object()).isEqualTo(item("pk", s("a")));
        assertThat(e.toJson()).doesNotContain("oldObject").endsWith(",\"keysOnly\":true}");
    }

    @Test
    void aModifyFromAStreamWithoutNewImagesSaysItHoldsOnlyTheKeys() {
        // StreamViewType OLD_IMAGE: a MODIFY carries the image before the change, never the one after it.
        Record r = record(OperationType.MODIFY)
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .oldImage(item("pk", s("a"), "v", n("1")))
                        .build())
                .build();
        DeltaEnvelope e = DeltaEnvelopes.fromRecord(r, "t", "s");
        assertThat(e.keysOnly()).isTrue();
        assertThat(e.object())
                .as("never the old image as if it were the new one")
                .isEqualTo(item("pk", s("a")));
    }

    @Test
    void marksDeletionsByTimeToLive() {
        // DynamoDB developer guide: TTL deletions carry userIdentity {Type: Service, PrincipalId:
        // dynamodb.amazonaws.com}.
        Record r = record(OperationType.REMOVE)
                .userIdentity(Identity.builder()
                        .type("Service")
                        .principalId("dynamodb.amazonaws.com")
                        .build())
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .build())
                .build();
        assertThat(DeltaEnvelopes.fromRecord(r, "t", "s").ttlExpired()).isTrue();
    }

    @Test
    void readsCreationTimeGivenInExponentForm() throws Exception {
        // The Streams API documents ApproximateCreationDateTime as epoch seconds; Lambda events show 1.46480431E9.
        JsonNode json = JSON.readTree("{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":1.46480431E9,\"Keys\":{\"pk\":{\"S\":\"a\"}},"
                + "\"NewImage\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"" + SEQ + "\"}}");
        DeltaEnvelope e = DeltaEnvelopes.fromJson(json, "t", "s");
        assertThat(e.approximateCreationDateTime()).isEqualTo(Instant.parse("2016-06-01T18:05:10Z"));
        assertThat(e.toJson()).contains("\"approximateCreationDateTime\":\"2016-06-01T18:05:10Z\"");
    }

    @Test
    void readsTimeToLiveIdentityFromLambdaEvents() throws Exception {
        JsonNode json = JSON.readTree("{\"eventID\":\"e\",\"eventName\":\"REMOVE\",\"userIdentity\":{"
                + "\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"},\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":1700000000,\"Keys\":{\"pk\":{\"S\":\"a\"}},"
                + "\"SequenceNumber\":\"" + SEQ + "\"}}");
        assertThat(DeltaEnvelopes.fromJson(json, "t", "s").ttlExpired()).isTrue();
    }

    @Test
    void aRecordWithABadValueIsAnErrorNamingWhere() throws Exception {
        JsonNode json = JSON.readTree("{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":1700000000,\"Keys\":{\"pk\":{\"S\":\"a\"}},"
                + "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"x\":{}},\"SequenceNumber\":\"" + SEQ + "\"}}");
        assertThatThrownBy(() -> DeltaEnvelopes.fromJson(json, "t", "s"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("dynamodb.NewImage.x: empty attribute value");
    }

    @Test
    void anUnknownEventNameIsAnError() {
        Record r = Record.builder()
                .eventID("e")
                .eventName("UPSERT")
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber(SEQ)
                        .approximateCreationDateTime(Instant.EPOCH)
                        .keys(item("pk", s("a")))
                        .build())
                .build();
        assertThatThrownBy(() -> DeltaEnvelopes.fromRecord(r, "t", "s"))
                .hasMessage("eventName: expected INSERT, MODIFY or REMOVE, found 'UPSERT'");
    }

    @Test
    void envelopeChecksItsFields() {
        assertThatThrownBy(() -> new DeltaEnvelope(
                        DeltaEnvelope.Action.INSERT,
                        "12x",
                        item(),
                        item("k", s("v")),
                        null,
                        Instant.EPOCH,
                        "e",
                        "t",
                        "s",
                        false,
                        false))
                .hasMessageContaining("sequenceNumber must be");
        assertThatThrownBy(() -> new DeltaEnvelope(
                        DeltaEnvelope.Action.INSERT,
                        "12",
                        item(),
                        item(),
                        null,
                        Instant.EPOCH,
                        "e",
                        "t",
                        "s",
                        false,
                        false))
                .hasMessage("keys is empty");
    }
}
