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
        int rows = 200_000; // past the first growth of the row index
        try (ItemSpill spill = new ItemSpill(dir.resolve("images.bin"))) {
            for (int i = 1; i <= rows; i++) {
                long row = spill.put(i % 7 == 0 ? null : image(i));
                assertThat(row).isEqualTo(i);
            }
            for (int i = rows; i >= 1; i -= 997) {
                if (i % 7 == 0) {
                    assertThat(spill.get(i)).as("row %d, a delete", i).isNull();
                } else {
                    assertThat(new String(spill.get(i), StandardCharsets.UTF_8)).isEqualTo(text(i));
                }
            }
            assertThat(new String(spill.get(1), StandardCharsets.UTF_8)).isEqualTo(text(1));
            assertThatThrownBy(() -> spill.get(rows + 1)).hasMessageContaining("no row " + (rows + 1));
            assertThatThrownBy(() -> spill.put(image(1))).hasMessageContaining("being read");
        }
    }

    @Test
    void anEmptyImageIsNotADelete() throws Exception {
        try (ItemSpill spill = new ItemSpill(dir.resolve("images.bin"))) {
            spill.put(new byte[0]);
            assertThat(spill.get(1)).isEmpty();
        }
    }

    private static String text(int i) {
        return "{\"id\":" + i + ",\"note\":\"é" + "x".repeat(i % 50) + "\"}";
    }

    private static byte[] image(int i) {
        return text(i).getBytes(StandardCharsets.UTF_8);
    }
}
