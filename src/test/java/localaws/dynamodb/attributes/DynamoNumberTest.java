package localaws.dynamodb.attributes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import localaws.http.AwsServiceException;
import org.junit.jupiter.api.Test;

/**
 * DynamoDB's Number as the developer guide documents it (38 significant digits, 1E-130 to 9.99…E+125, leading and
 * trailing zeros trimmed) and as DynamoDB reads stored numbers back: in plain notation.
 */
class DynamoNumberTest {
    private static final String OVERFLOW =
            "Number overflow. Attempting to store a number with magnitude larger than supported range";
    private static final String UNDERFLOW =
            "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    private static final String THIRTY_EIGHT = "12345678901234567890123456789012345678";

    private static void assertRefused(String text, String message) {
        assertThatThrownBy(() -> DynamoNumber.normalize(text))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("ValidationException"))
                .hasMessage(message);
    }

    @Test
    void keepsANumberAlreadyTrimmed() {
        assertThat(DynamoNumber.normalize("-12.5")).isEqualTo("-12.5");
    }

    @Test
    void trimsLeadingAndTrailingZeros() {
        assertThat(DynamoNumber.normalize("0100.50")).isEqualTo("100.5");
    }

    @Test
    void dropsAFractionOfOnlyZeros() {
        assertThat(DynamoNumber.normalize("2.0")).isEqualTo("2");
    }

    @Test
    void keepsTheZerosOfAWholeNumber() {
        assertThat(DynamoNumber.normalize("100")).isEqualTo("100");
    }

    @Test
    void storesNegativeZeroAsZero() {
        assertThat(DynamoNumber.normalize("-0")).isEqualTo("0");
        assertThat(DynamoNumber.normalize("-0.000")).isEqualTo("0");
    }

    @Test
    void storesZeroWithAnyExponentAsZero() {
        assertThat(DynamoNumber.normalize("0E+200")).isEqualTo("0");
    }

    @Test
    void writesExponentFormInPlainNotation() {
        assertThat(DynamoNumber.normalize("1.5E2")).isEqualTo("150");
        assertThat(DynamoNumber.normalize("25e-3")).isEqualTo("0.025");
    }

    @Test
    void acceptsThirtyEightSignificantDigits() {
        assertThat(DynamoNumber.normalize(THIRTY_EIGHT)).isEqualTo(THIRTY_EIGHT);
        assertThat(DynamoNumber.normalize("-0." + THIRTY_EIGHT)).isEqualTo("-0." + THIRTY_EIGHT);
    }

    @Test
    void refusesThirtyNineSignificantDigits() {
        assertRefused(THIRTY_EIGHT + "9", "Attempting to store more than 38 significant digits in a Number");
    }

    @Test
    void doesNotCountTrimmedZerosAsSignificant() {
        assertThat(DynamoNumber.normalize("000" + THIRTY_EIGHT + ".000")).isEqualTo(THIRTY_EIGHT);
        assertThat(DynamoNumber.normalize(THIRTY_EIGHT + "000")).isEqualTo(THIRTY_EIGHT + "000");
    }

    @Test
    void acceptsTheLargestMagnitude() {
        String largest = "9.9999999999999999999999999999999999999E+125";
        assertThat(DynamoNumber.normalize(largest)).isEqualTo("9".repeat(38) + "0".repeat(88));
        assertThat(DynamoNumber.normalize("-" + largest)).isEqualTo("-" + "9".repeat(38) + "0".repeat(88));
    }

    @Test
    void refusesAMagnitudeAboveTheLargest() {
        assertRefused("1E126", OVERFLOW);
        assertRefused("-1E126", OVERFLOW);
    }

    @Test
    void acceptsTheSmallestMagnitude() {
        assertThat(DynamoNumber.normalize("1E-130")).isEqualTo("0." + "0".repeat(129) + "1");
        assertThat(DynamoNumber.normalize("-1E-130")).isEqualTo("-0." + "0".repeat(129) + "1");
    }

    @Test
    void refusesAMagnitudeBelowTheSmallest() {
        assertRefused("1E-131", UNDERFLOW);
        assertRefused("-9.9E-131", UNDERFLOW);
    }

    @Test
    void refusesTextThatIsNotANumberNamingIt() {
        assertRefused("b", "The parameter cannot be converted to a numeric value: b");
        assertRefused("NaN", "The parameter cannot be converted to a numeric value: NaN");
    }

    @Test
    void refusesAnEmptyNumber() {
        assertRefused("", "The parameter cannot be converted to a numeric value");
    }

    @Test
    void normalizesComputedNumbersByTheSameRules() {
        assertThat(DynamoNumber.normalize(new BigDecimal("3.10"))).isEqualTo("3.1");
        assertThatThrownBy(() -> DynamoNumber.normalize(new BigDecimal("9E+125").add(new BigDecimal("1E+125"))))
                .hasMessage(OVERFLOW);
    }
}
