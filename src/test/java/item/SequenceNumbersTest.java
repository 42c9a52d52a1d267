package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceNumbersTest {
    @Test
    void comparesAsNumbersNotAsText() {
        // As text "9..." sorts after "10...": the bug this class exists to prevent.
        assertThat(SequenceNumbers.compare("900000000000000000000", "1000000000000000000000"))
                .isNegative();
        assertThat(SequenceNumbers.compare("000123", "123")).isZero();
    }

    @Test
    void ordersNumbersLongerThanALong() {
        List<String> seqs =
                new ArrayList<>(List.of("100000000000000000002", "99999999999999999999", "100000000000000000001"));
        seqs.sort(SequenceNumbers.ORDER);
        assertThat(seqs).containsExactly("99999999999999999999", "100000000000000000001", "100000000000000000002");
    }

    @Test
    void rejectsTextThatIsNotDigits() {
        assertThat(SequenceNumbers.isValid("12a")).isFalse();
        assertThatThrownBy(() -> SequenceNumbers.parse("-1")).hasMessageContaining("string of digits");
    }
}
