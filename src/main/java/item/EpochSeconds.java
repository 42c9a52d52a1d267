package item;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/** Epoch seconds as AWS JSON protocols send timestamps (integral, fractional or in exponent form), exactly. */
public final class EpochSeconds {
    private EpochSeconds() {}

    /** The instant of a number of epoch seconds, to the nanosecond, without passing through a double. */
    public static Instant toInstant(BigDecimal seconds) {
        BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
        long nanos = seconds.subtract(whole)
                .movePointRight(9)
                .setScale(0, RoundingMode.HALF_UP)
                .longValueExact();
        return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    }
}
