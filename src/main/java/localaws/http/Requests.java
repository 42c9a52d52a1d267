package localaws.http;

import com.fasterxml.jackson.databind.JsonNode;
import item.EpochSeconds;
import java.math.BigDecimal;
import java.time.Instant;

/** Reading the fields of an AWS JSON request, with AWS's wording when one is missing or out of range. */
public final class Requests {
    private Requests() {}

    /** A text field, or null when absent. */
    public static String text(JsonNode request, String field) {
        JsonNode v = request.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * A text field that must be present.
     *
     * @throws AwsServiceException ValidationException as AWS words a missing member
     */
    public static String required(JsonNode request, String field) {
        String v = text(request, field);
        if (v == null) {
            throw AwsServiceException.validation("1 validation error detected: Value null at '" + member(field)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return v;
    }

    /** An integer field within [min, max], or the default when absent. */
    public static int integer(JsonNode request, String field, int min, int max, int defaultValue) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        int value = v.asInt();
        if (value < min || value > max) {
            throw AwsServiceException.validation("1 validation error detected: Value '" + value + "' at '"
                    + member(field) + "' failed to satisfy constraint: Member must have value between " + min
                    + " and " + max);
        }
        return value;
    }

    /** A timestamp field (epoch seconds, as the SDK sends them), or null when absent. */
    public static Instant instant(JsonNode request, String field) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return EpochSeconds.toInstant(v.decimalValue());
    }

    /** A timestamp as AWS JSON sends it: epoch seconds with milliseconds. */
    public static BigDecimal epochSeconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli(), 3);
    }

    private static String member(String field) {
        return Character.toLowerCase(field.charAt(0)) + field.substring(1);
    }
}
