package localaws.export;

import java.time.Duration;
import java.util.Objects;

/**
 * How the emulated exports behave.
 *
 * @param itemsPerFile items per data file before a new file starts (AWS writes at least one file per partition)
 * @param minIncrementalWindow the shortest incremental export window (AWS: 15 minutes)
 * @param maxIncrementalWindow the longest incremental export window (AWS: 24 hours)
 * @param checksumSuffix the suffix of the manifests' checksum files, {@code .md5} or {@code .checksum}
 */
public record ExportSettings(
        int itemsPerFile, Duration minIncrementalWindow, Duration maxIncrementalWindow, String checksumSuffix) {
    public ExportSettings {
        if (itemsPerFile < 1) {
            throw new IllegalArgumentException("itemsPerFile < 1: " + itemsPerFile);
        }
        Objects.requireNonNull(minIncrementalWindow, "minIncrementalWindow == null");
        Objects.requireNonNull(maxIncrementalWindow, "maxIncrementalWindow == null");
        if (!checksumSuffix.equals(".md5") && !checksumSuffix.equals(".checksum")) {
            throw new IllegalArgumentException("checksumSuffix must be .md5 or .checksum, was " + checksumSuffix);
        }
    }

    /** AWS's limits, with data files of 100,000 items. */
    public static ExportSettings aws() {
        return new ExportSettings(100_000, Duration.ofMinutes(15), Duration.ofHours(24), ".md5");
    }
}
