package lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LakeLayoutTest {
    private final LakeLayout layout = new LakeLayout("tables/orders/");
    private final Instant at = Instant.parse("2026-11-26T07:08:09Z");

    @Test
    void namesEveryPartUnderTheTablesPrefix() {
        assertThat(layout.deltasPrefix()).isEqualTo("tables/orders/deltas/");
        assertThat(layout.overflowKey("shardId-1", "123", at))
                .isEqualTo("tables/orders/deltas-overflow/2026/11/26/07/shardId-1-123.json");
        assertThat(layout.streamDeadLetterKey("shardId-1", "123", at))
                .isEqualTo("tables/orders/dead-letters/stream/2026/11/26/shardId-1-123.json");
    }

    @Test
    void deadLettersOfViewsKeepTwoExportsPartsApart() {
        assertThat(layout.viewDeadLetters("tables/orders/deltas/2026/11/26/07/orders-deltas-1-abc"))
                .isEqualTo("tables/orders/dead-letters/views/orders-deltas-1-abc.json");
        assertThat(layout.viewDeadLetters(layout.exportDeltas("0179-a", 0)))
                .isEqualTo("tables/orders/dead-letters/views/0179-a-part-00000.json.json")
                .isNotEqualTo(layout.viewDeadLetters(layout.exportDeltas("0179-b", 0)));
    }

    @Test
    void refusesAPrefixThatWouldMakeOddKeys() {
        assertThatThrownBy(() -> new LakeLayout("tables/orders")).hasMessageContaining("end with '/'");
        assertThatThrownBy(() -> new LakeLayout("/tables/")).hasMessageContaining("must not start with '/'");
        assertThat(new LakeLayout("").deltasPrefix()).isEqualTo("deltas/");
    }
}
