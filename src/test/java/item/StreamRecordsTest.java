package item;

import static org.assertj.core.api.Assertions.assertThat;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;

class StreamRecordsTest {
    @Test
    void aRecordWrittenAsJsonReadsBackToTheSameEnvelope() throws Exception {
        Record r = Record.builder()
                .eventID("e1")
                .eventName(OperationType.REMOVE)
                .awsRegion("eu-west-1")
                .userIdentity(Identity.builder()
                        .type("Service")
                        .principalId("dynamodb.amazonaws.com")
                        .build())
                .dynamodb(StreamRecord.builder()
                        .sequenceNumber("123456789012345678901234")
                        .approximateCreationDateTime(Instant.parse("2026-11-26T10:00:00.250Z"))
                        .keys(item("pk", s("a")))
                        .oldImage(item("pk", s("a"), "m", m("n", n("1E-130"))))
                        .sizeBytes(42L)
                        .build())
                .build();
        String json = StreamRecords.toJson(r);
        DeltaEnvelope fromJson = DeltaEnvelopes.fromJson(new ObjectMapper().readTree(json), "t", "s");
        assertThat(fromJson.toJson())
                .isEqualTo(DeltaEnvelopes.fromRecord(r, "t", "s").toJson());
        assertThat(json).contains("\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}");
    }
}
