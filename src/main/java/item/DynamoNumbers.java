package item;

import java.math.BigDecimal;

/**
 * The rules of DynamoDB's Number type: up to 38 significant digits, magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125, sent as text. The lake keeps the text a number arrived with; only
 * text that is not a valid JSON number is rewritten, and never through a double.
 */
public final class DynamoNumbers {
    /** Most significant digits a DynamoDB number holds. */
    public static final int MAX_PRECISION = 38;

    private static final int MIN_ADJUSTED_EXPONENT = -130;
    private static final int MAX_ADJUSTED_EXPONENT = 125;

    private DynamoNumbers() {}

    /**
     * The JSON number text for a DynamoDB number: the text itself when it already is a JSON number ({@code 2.0},
     * {@code 1E-130}), otherwise the same value in JSON's grammar ({@code .5} becomes {@code 0.5}).
     *
     * @throws ItemFormatException when the text is not a number at all
     */
    public static String toJsonNumber(String text, String path) {
        if (isJsonNumber(text)) {
            return text;
        }
        return parse(text, path).toString();
    }

    /**
     * Parses a number exactly.
     *
     * @throws ItemFormatException when the text is not a decimal number
     */
    public static BigDecimal parse(String text, String path) {
        if (text == null || text.isEmpty()) {
            throw new ItemFormatException(path, "empty number; a DynamoDB N value needs digits");
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new ItemFormatException(path, "'" + text + "' is not a number");
        }
    }

    /**
     * Checks the limits DynamoDB enforces when it stores a number.
     *
     * @throws ItemFormatException with DynamoDB's own wording when the number cannot be stored
     */
    public static BigDecimal checkStorable(String text, String path) {
        BigDecimal value = parse(text, path).stripTrailingZeros();
        if (value.signum() == 0) {
            return value;
        }
        if (value.precision() > MAX_PRECISION) {
            throw new ItemFormatException(path, "Attempting to store more than 38 significant digits in a Number");
        }
        int adjusted = value.precision() - value.scale() - 1;
        if (adjusted > MAX_ADJUSTED_EXPONENT) {
            throw new ItemFormatException(
                    path, "Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (adjusted < MIN_ADJUSTED_EXPONENT) {
            throw new ItemFormatException(
                    path, "Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
        return value;
    }

    /** The text DynamoDB returns for a stored number: leading and trailing zeros trimmed, no exponent. */
    public static String canonical(String text, String path) {
        BigDecimal value = checkStorable(text, path);
        return value.signum() == 0 ? "0" : value.toPlainString();
    }

    /** True when the text follows JSON's number grammar exactly (RFC 8259, section 6). */
    public static boolean isJsonNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i >= n) {
            return false;
        }
        if (s.charAt(i) == '0') {
            i++;
        } else if (isDigit(s.charAt(i))) {
            i = digits(s, i);
        } else {
            return false;
        }
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            i = digits(s, i);
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    private static int digits(String s, int i) {
        while (i < s.length() && isDigit(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
