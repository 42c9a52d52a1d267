package localaws.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;

/** Reading the fields of an AWS JSON request, with AWS's wording when one is missing or out of range. */
public final class Requests {
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000);
    private static final BigDecimal LATEST_SECOND = BigDecimal.valueOf(Instant.MAX.getEpochSecond());

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

    /**
     * A timestamp field, or null when absent. AWS JSON sends a timestamp as a number of epoch seconds, whole or with
     * a fraction, in plain or exponent form ({@code 1464804310}, {@code 1464804310.123}, {@code 1.46480431E9}); it is
     * read exactly, to the nanosecond.
     *
     * @throws AwsServiceException SerializationException when the field is not a number or not a time
     */
    public static Instant instant(JsonNode request, String field) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.decimalValue().abs().compareTo(LATEST_SECOND) > 0) {
            throw timestamp(field, v);
        }
        BigInteger[] secondsAndNanos =
                v.decimalValue().movePointRight(9).toBigInteger().divideAndRemainder(NANOS_PER_SECOND);
        try {
            return Instant.ofEpochSecond(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
        } catch (DateTimeException e) {
            throw timestamp(field, v);
        }
    }

    private static AwsServiceException timestamp(String field, JsonNode v) {
        return new AwsServiceException(
                "SerializationException", 400, field + " is not a timestamp in epoch seconds: " + v);
    }

    /** A timestamp as AWS JSON sends it: epoch seconds with milliseconds. */
    public static BigDecimal epochSeconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli(), 3);
    }

    private static String member(String field) {
        return Character.toLowerCase(field.charAt(0)) + field.substring(1);
    }
}
