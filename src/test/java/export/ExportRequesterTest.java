package export;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When the interval schedule finds an export due, counted from the last one recorded. */
class ExportRequesterTest {
    private static final Instant LAST = Instant.parse("2026-12-01T02:00:00Z");
    private static final Duration DAY = Duration.ofHours(24);

    @Test
    void nothingIsDueBeforeAWholeIntervalHasPassed() {
        assertThat(ExportRequester.dueSlot(LAST, LAST.plus(DAY).minusMillis(1), DAY))
                .isEmpty();
    }

    @Test
    void dueAtTheLastExportPlusTheIntervalWhateverTimeTheReplicaLooks() {
        assertThat(ExportRequester.dueSlot(LAST, LAST.plus(DAY), DAY)).hasValue(LAST.plus(DAY));
        assertThat(ExportRequester.dueSlot(LAST, LAST.plus(DAY).plusSeconds(17), DAY))
                .as("two replicas looking seconds apart ask for the same export time, so the same ClientToken")
                .hasValue(LAST.plus(DAY));
    }

    @Test
    void afterAnOutageTheNewestDueMomentIsTakenNotEveryMissedOne() {
        assertThat(ExportRequester.dueSlot(LAST, LAST.plus(DAY.multipliedBy(3)).plusSeconds(5), DAY))
                .hasValue(LAST.plus(DAY.multipliedBy(3)));
    }
}
