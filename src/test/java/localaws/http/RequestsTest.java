package localaws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Timestamps as AWS JSON sends them: a number of epoch seconds, read as the emulator's HTTP server parses bodies. */
class RequestsTest {
    private static Instant instant(String body) {
        return Requests.instant(json(body), "T");
    }

    private static JsonNode json(String body) {
        try {
            return AwsHttpServer.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void readsWholeEpochSeconds() {
        assertThat(instant("{\"T\":1464804310}")).isEqualTo(Instant.parse("2016-06-01T18:05:10Z"));
    }

    @Test
    void readsEpochSecondsInExponentForm() {
        // DynamoDB Streams sends ApproximateCreationDateTime this way.
        assertThat(instant("{\"T\":1.46480431E9}")).isEqualTo(Instant.parse("2016-06-01T18:05:10Z"));
    }

    @Test
    void readsTheFractionExactlyToTheNanosecond() {
        assertThat(instant("{\"T\":1464804310.123456789}")).isEqualTo(Instant.parse("2016-06-01T18:05:10.123456789Z"));
    }

    @Test
    void readsMillisecondsAsTheSdkSendsThem() {
        assertThat(instant("{\"T\":1464804310.1}")).isEqualTo(Instant.parse("2016-06-01T18:05:10.100Z"));
    }

    @Test
    void readsTimesBeforeTheEpoch() {
        assertThat(instant("{\"T\":-1.5}")).isEqualTo(Instant.parse("1969-12-31T23:59:58.500Z"));
    }

    @Test
    void readsAnAbsentOrNullFieldAsNull() {
        assertThat(instant("{}")).isNull();
        assertThat(instant("{\"T\":null}")).isNull();
    }

    @Test
    void refusesAStringAsASerializationError() {
        assertThatThrownBy(() -> instant("{\"T\":\"2016-06-01T18:05:10Z\"}"))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("SerializationException"));
    }

    @Test
    void refusesASecondBeyondAnyInstant() {
        assertThatThrownBy(() -> instant("{\"T\":1E400}"))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("SerializationException"));
    }
}
