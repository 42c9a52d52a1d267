package ddbstream;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import software.amazon.awssdk.core.SdkResponse;

/**
 * The service's own time of a response, from its HTTP {@code Date} header (whole seconds). Stream records carry the
 * service's times ({@code ApproximateCreationDateTime}, rounded down to the second), so a position in time compared
 * with them must come from the same clock, not from this host's.
 */
final class ServerTime {
    private ServerTime() {}

    /** The response's Date, or this host's time less a second when the response has none. */
    static Instant of(SdkResponse response) {
        return response.sdkHttpResponse()
                .firstMatchingHeader("Date")
                .flatMap(ServerTime::parse)
                .orElseGet(() -> Instant.now().minusSeconds(1));
    }

    private static java.util.Optional<Instant> parse(String date) {
        try {
            return java.util.Optional.of(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant());
        } catch (DateTimeParseException e) {
            return java.util.Optional.empty();
        }
    }
}
