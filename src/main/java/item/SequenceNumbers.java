package item;

import java.math.BigInteger;
import java.util.Comparator;

/**
 * DynamoDB Streams sequence numbers: digit strings longer than a long, ordered as numbers. Text comparison is
 * wrong as soon as two numbers differ in length, so every comparison goes through {@link BigInteger}.
 */
public final class SequenceNumbers {
    /** Orders sequence numbers numerically. */
    public static final Comparator<String> ORDER = SequenceNumbers::compare;

    private SequenceNumbers() {}

    /** Compares two sequence numbers as numbers. */
    public static int compare(String a, String b) {
        return parse(a).compareTo(parse(b));
    }

    /** True when the text is a non-empty string of ASCII digits. */
    public static boolean isValid(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a sequence number.
     *
     * @throws IllegalArgumentException when the text is not a string of digits
     */
    public static BigInteger parse(String text) {
        if (!isValid(text)) {
            throw new IllegalArgumentException("sequence number must be a string of digits, was '" + text + "'");
        }
        return new BigInteger(text);
    }
}
