package export;

import java.util.Objects;
import lake.SchemaDiscovery;

/**
 * What the DISCOVER step found in one data file, its {@code _discovery/NNNNN.json}: written by the step, read by the
 * step that merges every file's discovery into the snapshot's schema and by the publish, which names each file's part.
 *
 * @param file the data file's key in the export bucket
 * @param index the file's place in the manifest
 * @param itemCount the file's item count from the manifest
 * @param md5 the base64 MD5 of the gzip object, from the manifest
 * @param rows the items read (the part's rows)
 * @param deadLetters the lines that were not items
 * @param discovery the attributes and types of the items
 */
public record DiscoveredFile(
        String file, int index, long itemCount, String md5, long rows, long deadLetters, SchemaDiscovery discovery) {
    public DiscoveredFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(discovery, "discovery");
    }

    /** The CONVERT task of the file. */
    ExportTask convertTask(ExportTask discovered) {
        return new ExportTask(
                discovered.exportId(),
                ExportTask.Step.CONVERT,
                discovered.bucket(),
                file,
                index,
                discovered.files(),
                itemCount,
                md5);
    }
}
