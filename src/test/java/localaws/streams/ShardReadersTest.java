package localaws.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardReadersTest {
    private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void countsTheChainsThatReadAShardWithinASecondOfEachOther() {
        ShardReaders readers = new ShardReaders();
        readers.read("s1", "a", "r1", T);
        readers.read("s1", "a", "r1", T.plusMillis(100)); // the same reader again
        readers.read("s1", "b", "r2", T.plusMillis(100));
        assertThat(readers.most("s1")).isEqualTo(Map.of("a", 1, "b", 1));

        readers.read("s1", "a", "r3", T.plusMillis(600)); // a second reader while the first still reads
        readers.read("s1", "a", "r4", T.plusMillis(1050)); // r1 last read 950 ms ago: three at once
        assertThat(readers.most("s1")).containsEntry("a", 3);

        readers.read("s2", "a", "r5", T.plusSeconds(5));
        readers.read("s2", "a", "r6", T.plusSeconds(7)); // r5 stopped reading two seconds ago
        assertThat(readers.most("s2")).isEqualTo(Map.of("a", 1));
    }
}
