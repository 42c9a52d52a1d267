package lake;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a published snapshot is, its {@code snapshots/<exportId>/_published.json}: written by the export before the
 * commit of {@code <table>_snapshot} that publishes it, read by the views, the lake's freshness meters and the next
 * export. The pointer {@code snapshots/_current.json} of a release before the Iceberg tables has the same fields.
 *
 * @param exportId the export's id (the last part of its ARN)
 * @param exportArn the export's ARN
 * @param exportTime the time the export holds the table as of
 * @param itemCount the items in every part together
 * @param schemaVersion the version of the snapshot's schema
 * @param schema the lake key of the snapshot's schema; null in a record that names none (the schema is then the
 *     export's {@link LakeLayout#snapshotSchema})
 * @param location the folder of its parts, as an {@code s3://} URI
 * @param publishedAt when it was first published (a publish repeated by a redelivery keeps it)
 * @param parts its Parquet parts, in the order of the export's data files
 */
public record SnapshotRecord(
        String exportId,
        String exportArn,
        Instant exportTime,
        long itemCount,
        String schemaVersion,
        String schema,
        String location,
        Instant publishedAt,
        List<Part> parts) {
    /** A Parquet part of the snapshot: its lake key and row count. */
    public record Part(String key, long rows) {}

    public SnapshotRecord {
        Objects.requireNonNull(exportId, "exportId");
        Objects.requireNonNull(exportTime, "exportTime");
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    /** The parts' lake keys. */
    public List<String> partKeys() {
        return parts.stream().map(Part::key).toList();
    }
}
