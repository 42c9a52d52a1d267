package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DynamoNumbersTest {
    @Test
    void recognisesJsonNumberGrammar() {
        assertThat(DynamoNumbers.isJsonNumber("-0.5e+10")).isTrue();
        assertThat(DynamoNumbers.isJsonNumber("1E-130")).isTrue();
        assertThat(DynamoNumbers.isJsonNumber(".5")).isFalse();
        assertThat(DynamoNumbers.isJsonNumber("01")).isFalse();
        assertThat(DynamoNumbers.isJsonNumber("1.")).isFalse();
        assertThat(DynamoNumbers.isJsonNumber("+1")).isFalse();
        assertThat(DynamoNumbers.isJsonNumber("")).isFalse();
    }

    @Test
    void trimsZerosTheWayDynamoDbStoresNumbers() {
        assertThat(DynamoNumbers.canonical("2.0", "n")).isEqualTo("2");
        assertThat(DynamoNumbers.canonical("00100", "n")).isEqualTo("100");
        assertThat(DynamoNumbers.canonical("-0.0", "n")).isEqualTo("0");
        assertThat(DynamoNumbers.canonical("1E2", "n")).isEqualTo("100");
    }

    @Test
    void acceptsTheEdgesOfDynamoDbsRange() {
        assertThat(DynamoNumbers.checkStorable("1E-130", "n")).isNotNull();
        assertThat(DynamoNumbers.checkStorable("9.9999999999999999999999999999999999999E+125", "n"))
                .isNotNull();
        assertThat(DynamoNumbers.checkStorable("-12345678901234567890123456789012345678", "n"))
                .isNotNull();
    }

    @Test
    void rejectsWhatDynamoDbRejects() {
        assertThatThrownBy(() -> DynamoNumbers.checkStorable("123456789012345678901234567890123456789", "n"))
                .hasMessage("n: Attempting to store more than 38 significant digits in a Number");
        assertThatThrownBy(() -> DynamoNumbers.checkStorable("1E126", "n")).hasMessageContaining("Number overflow");
        assertThatThrownBy(() -> DynamoNumbers.checkStorable("1E-131", "n")).hasMessageContaining("Number underflow");
    }
}
