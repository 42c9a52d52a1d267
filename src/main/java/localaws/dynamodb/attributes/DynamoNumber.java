package localaws.dynamodb.attributes;

import java.math.BigDecimal;
import localaws.http.AwsServiceException;

/**
 * DynamoDB's Number type as the service stores it: up to 38 significant digits, magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125, zero, and the negatives of those. A stored number reads back in
 * plain notation with leading and trailing zeros trimmed: {@code 2.0} is {@code 2}, {@code 1.5E2} is {@code 150},
 * {@code -0} is {@code 0}.
 *
 * <pre>{@code
 * DynamoNumber.normalize("0100.50"); // "100.5"
 * DynamoNumber.normalize("1E126");   // ValidationException: Number overflow. ...
 * }</pre>
 */
public final class DynamoNumber {
    private static final int MAX_SIGNIFICANT_DIGITS = 38;
    /** The power of ten of the leading digit of the largest magnitude, 9.99...E+125. */
    private static final int LARGEST_EXPONENT = 125;
    /** The power of ten of the smallest magnitude, 1E-130. */
    private static final int SMALLEST_EXPONENT = -130;

    private DynamoNumber() {}

    /**
     * The text DynamoDB stores for a number sent as text.
     *
     * @throws AwsServiceException ValidationException in DynamoDB's words when the text is not a number or the
     *     number cannot be stored
     */
    public static String normalize(String text) {
        return normalize(parse(text));
    }

    /**
     * The text DynamoDB stores for a computed number, such as the result of {@code SET n = n + :one}.
     *
     * @throws AwsServiceException ValidationException in DynamoDB's words when the number cannot be stored
     */
    public static String normalize(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal trimmed = value.stripTrailingZeros();
        if (trimmed.precision() > MAX_SIGNIFICANT_DIGITS) {
            throw AwsServiceException.validation("Attempting to store more than 38 significant digits in a Number");
        }
        int exponent = trimmed.precision() - trimmed.scale() - 1;
        if (exponent > LARGEST_EXPONENT) {
            throw AwsServiceException.validation(
                    "Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (exponent < SMALLEST_EXPONENT) {
            throw AwsServiceException.validation(
                    "Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
        return trimmed.toPlainString();
    }

    private static BigDecimal parse(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw AwsServiceException.validation(
                    "The parameter cannot be converted to a numeric value" + (text.isEmpty() ? "" : ": " + text));
        }
    }
}
