package views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spill of a run's change images: rows numbered from 1, deletes without an image, read back in any order. */
class ItemSpillTest {
    @TempDir
    Path dir;

    @Test
    void everyRowReadsBackItsOwnImageInAnyOrder() throws Exception {
        int rows = 200_000;
        long[] places = new long[rows + 1];
        try (ItemSpill spill = new ItemSpill(dir.resolve("images.bin"))) {
            for (int i = 1; i <= rows; i++) {
                places[i] = spill.put(key(i), seq(i), i % 7 == 0 ? null : image(i));
                assertThat(places[i])
                        .as("a row's number: positive (0 is a base row's) and after the one before")
                        .isGreaterThan(places[i - 1]);
            }
            for (int i = rows; i >= 1; i -= 997) {
                if (i % 7 == 0) {
                    assertThat(spill.get(places[i])).as("row %d, a delete", i).isNull();
                } else {
                    ItemSpill.Entry e = spill.get(places[i]);
                    assertThat(new String(e.image(), StandardCharsets.UTF_8)).isEqualTo(text(i));
                    assertThat(e.key()).isEqualTo(key(i));
                    assertThat(e.sequence()).isEqualTo(seq(i));
                }
            }
            assertThat(new String(spill.get(places[1]).image(), StandardCharsets.UTF_8))
                    .isEqualTo(text(1));
            assertThat(String.valueOf(places[rows]).length())
                    .as("fits the 19 digits the merge pads row numbers to")
                    .isLessThanOrEqualTo(19);
            assertThatThrownBy(() -> spill.get(places[rows] + (1L << 40))).hasMessageContaining("no row at");
            assertThatThrownBy(() -> spill.put(key(1), seq(1), image(1))).hasMessageContaining("being read");
        }
    }

    @Test
    void anImageAcrossTwoMappingsReadsBackWhole() throws Exception {
        // Mappings of 1,000 bytes: most changes of 90 to 150 bytes lie in one, some across two.
        int rows = 2_000;
        long[] places = new long[rows + 1];
        try (ItemSpill spill = new ItemSpill(dir.resolve("images.bin"), 1_000)) {
            for (int i = 1; i <= rows; i++) {
                places[i] = spill.put(key(i), seq(i), image(i));
            }
            for (int i = rows; i >= 1; i--) {
                ItemSpill.Entry e = spill.get(places[i]);
                assertThat(new String(e.image(), StandardCharsets.UTF_8)).isEqualTo(text(i));
                assertThat(e.key()).isEqualTo(key(i));
                assertThat(e.sequence()).isEqualTo(seq(i));
            }
        }
    }

    @Test
    void anEmptyImageIsNotADelete() throws Exception {
        try (ItemSpill spill = new ItemSpill(dir.resolve("images.bin"))) {
            long empty = spill.put("{\"k\":\"é\"}", "", new byte[0]);
            long delete = spill.put("{\"k\":2}", "1", null);
            assertThat(delete).isGreaterThan(empty);
            assertThat(spill.get(empty).image()).isEmpty();
            assertThat(spill.get(empty).key()).isEqualTo("{\"k\":\"é\"}");
            assertThat(spill.get(delete)).isNull();
        }
    }

    private static String key(int i) {
        return "{\"id\":\"é-" + i + "\"}";
    }

    private static String seq(int i) {
        return DeltaLines.padded(Integer.toString(1000 + i));
    }

    private static String text(int i) {
        return "{\"id\":" + i + ",\"note\":\"é" + "x".repeat(i % 50) + "\"}";
    }

    private static byte[] image(int i) {
        return text(i).getBytes(StandardCharsets.UTF_8);
    }
}
