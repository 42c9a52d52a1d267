package views;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartCacheTest {
    @TempDir
    Path dir;

    @Test
    void anEntryIsTheFileKeptUnderItsKeyOfItsLakeUntilTheCommittedVersionNoLongerNamesIt() throws Exception {
        PartCache cache = new PartCache(dir.resolve("cache"), "s3://lake-a/");
        Path deletes = Files.writeString(dir.resolve("deletes.parquet"), "delete file");
        Path tombstones = Files.writeString(dir.resolve("tombstones.parquet"), "tombstones");
        cache.putFile("current/1-a/deletes-0.parquet", deletes);
        cache.putFile("current/_tombstones/1-a/tombstones.parquet", tombstones);

        assertThat(Files.isSameFile(cache.get("current/1-a/deletes-0.parquet").orElseThrow(), deletes))
                .as("kept as a link, which keeps a sparse copy of a part's columns sparse")
                .isTrue();
        Path placed = dir.resolve("work-deletes.parquet");
        PartCache.place(cache.get("current/1-a/deletes-0.parquet").orElseThrow(), placed);
        assertThat(placed).hasContent("delete file");
        assertThat(cache.get("current/1-b/deletes-0.parquet"))
                .as("another attempt's file")
                .isEmpty();
        assertThat(new PartCache(dir.resolve("cache"), "s3://lake-b/").get("current/1-a/deletes-0.parquet"))
                .as("the same key in another lake")
                .isEmpty();

        // The next version names the tombstones only: the delete file's entry goes, the copy placed in a run's
        // work folder stays with the run.
        cache.retainOnly(Set.of("current/_tombstones/1-a/tombstones.parquet"));
        assertThat(cache.get("current/1-a/deletes-0.parquet")).isEmpty();
        assertThat(cache.get("current/_tombstones/1-a/tombstones.parquet").orElseThrow())
                .hasContent("tombstones");
        assertThat(placed).hasContent("delete file");
        try (var left = Files.list(dir.resolve("cache"))) {
            assertThat(left.count()).as("no temporary file left").isEqualTo(1);
        }
    }
}
