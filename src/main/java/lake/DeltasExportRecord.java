package lake;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * What a landed incremental export is, its {@code deltas-export/<exportId>/_published.json}: written by the export
 * once every file's changes are in the folder, read by the views, which take a folder only with it.
 *
 * @param exportId the export's id (the last part of its ARN)
 * @param exportArn the export's ARN
 * @param exportFromTime the start of the export's window; null when unknown (then its end stands for it)
 * @param exportToTime the end of the export's window
 * @param files the export's data files
 * @param changes the changes in every file together
 * @param publishedAt when it was first published (a publish repeated by a redelivery keeps it)
 */
public record DeltasExportRecord(
        String exportId,
        String exportArn,
        Instant exportFromTime,
        Instant exportToTime,
        int files,
        long changes,
        Instant publishedAt) {
    public DeltasExportRecord {
        Objects.requireNonNull(exportToTime, "exportToTime");
    }

    /** Reads a record; releases before this one wrote an unknown window start as the text {@code "null"}. */
    @JsonCreator
    static DeltasExportRecord read(
            @JsonProperty("exportId") String exportId,
            @JsonProperty("exportArn") String exportArn,
            @JsonProperty("exportFromTime") String exportFromTime,
            @JsonProperty("exportToTime") Instant exportToTime,
            @JsonProperty("files") int files,
            @JsonProperty("changes") long changes,
            @JsonProperty("publishedAt") Instant publishedAt) {
        return new DeltasExportRecord(
                exportId,
                exportArn,
                exportFromTime == null || exportFromTime.isEmpty() || exportFromTime.equals("null")
                        ? null
                        : Instant.parse(exportFromTime),
                exportToTime,
                files,
                changes,
                publishedAt);
    }

    /** The start of the export's window, or its end when the start is unknown. */
    public Instant from() {
        return exportFromTime == null ? exportToTime : exportFromTime;
    }
}
