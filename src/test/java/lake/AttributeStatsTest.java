package lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AttributeStatsTest {
    /** What a number in plain notation gives discovery: its scale and integer digits as BigDecimal counts them. */
    @Test
    void aPlainNumbersShapeIsTheShapeOfItsDecimal() {
        Random random = new Random(11);
        List<String> numbers = new java.util.ArrayList<>(List.of(
                "0",
                "-0",
                "0.000",
                "-0.0",
                "7",
                "-7",
                "120",
                "100.0",
                "0.05",
                "12.50",
                "1.000001",
                "99999999999999999999999999999999999999",
                "-0.00000000000000000000000000000000000001"));
        for (int i = 0; i < 5_000; i++) {
            StringBuilder n = new StringBuilder(random.nextBoolean() ? "-" : "");
            int integer = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(25);
            n.append(integer == 0 ? "0" : Integer.toString(1 + random.nextInt(9)));
            for (int k = 1; k < integer; k++) {
                n.append(random.nextInt(4) == 0 ? '0' : (char) ('0' + random.nextInt(10)));
            }
            int fraction = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(20);
            if (fraction > 0) {
                n.append('.');
                for (int k = 0; k < fraction; k++) {
                    n.append(random.nextInt(3) == 0 ? '0' : (char) ('0' + random.nextInt(10)));
                }
            }
            numbers.add(n.toString());
        }
        for (String n : numbers) {
            BigDecimal d = new BigDecimal(n).stripTrailingZeros();
            long expected = (long) Math.max(0, d.scale()) << 32 | Math.max(0, d.precision() - d.scale());
            assertThat(AttributeStats.plainShape(n)).as(n).isEqualTo(expected);
        }
        for (String other : List.of("1e5", "1E-3", "", "-", ".5", "5.", "1.2.3", "+1", "0x10")) {
            assertThat(AttributeStats.plainShape(other)).as(other).isEqualTo(-1);
        }
    }
}
