package lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The records the lake holds for its readers (a published snapshot's and a landed incremental export's {@code
 * _published.json}): the same JSON across releases, read back as they were written.
 */
class LakeRecordsTest {
    private static final SnapshotRecord RECORD = new SnapshotRecord(
            "01764000000000-abcdef12",
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/01764000000000-abcdef12",
            Instant.parse("2026-12-07T10:15:30.123456789Z"),
            1_000_001,
            "v3",
            "tables/orders/snapshots/01764000000000-abcdef12/_schema.json",
            "s3://lake/tables/orders/snapshots/01764000000000-abcdef12/data/",
            Instant.parse("2026-12-07T10:20:00Z"),
            List.of(
                    new SnapshotRecord.Part("tables/orders/snapshots/x/data/part-00000.parquet", 500_000),
                    new SnapshotRecord.Part("tables/orders/snapshots/x/data/part-00001.parquet", 500_001)));

    @Test
    void aRecordReadsBackAsItWasWritten() {
        JsonNode json = LakeJson.tree(RECORD);
        assertThat(LakeJson.read(json, SnapshotRecord.class)).isEqualTo(RECORD);
        assertThat(LakeJson.read(LakeJson.text(RECORD), SnapshotRecord.class)).isEqualTo(RECORD);
    }

    /** The fields and their text are those the releases before the record wrote, so either reads the other's lake. */
    @Test
    void itsJsonIsWhatEarlierReleasesWroteAndRead() {
        ObjectNode earlier = new ObjectMapper()
                .createObjectNode()
                .put("exportId", RECORD.exportId())
                .put("exportArn", RECORD.exportArn())
                .put("exportTime", RECORD.exportTime().toString())
                .put("itemCount", RECORD.itemCount())
                .put("schemaVersion", RECORD.schemaVersion())
                .put("schema", RECORD.schema())
                .put("location", RECORD.location())
                .put("publishedAt", RECORD.publishedAt().toString());
        var parts = earlier.putArray("parts");
        RECORD.parts().forEach(p -> parts.addObject().put("key", p.key()).put("rows", p.rows()));

        assertThat(LakeJson.tree(RECORD)).isEqualTo(earlier);
        earlier.put("addedByALaterRelease", true);
        assertThat(LakeJson.read(earlier, SnapshotRecord.class)).isEqualTo(RECORD);
    }

    /** The views read only the export, its time and its parts: a record of no more than those reads. */
    @Test
    void aRecordOfTheExportItsTimeAndItsPartsAloneReads() {
        ObjectNode minimal = new ObjectMapper()
                .createObjectNode()
                .put("exportId", RECORD.exportId())
                .put("exportTime", RECORD.exportTime().toString());
        minimal.putArray("parts").addObject().put("key", "p.parquet").put("rows", 3);
        SnapshotRecord read = LakeJson.read(minimal, SnapshotRecord.class);
        assertThat(read.exportTime()).isEqualTo(RECORD.exportTime());
        assertThat(read.partKeys()).containsExactly("p.parquet");
        assertThat(read.schema()).isNull();
    }

    @Test
    void aRecordWithoutItsExportIsRefusedNamingWhatIsMissing() {
        ObjectNode json = (ObjectNode) LakeJson.tree(RECORD);
        json.remove("exportTime");
        assertThatThrownBy(() -> LakeJson.read(json, SnapshotRecord.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SnapshotRecord")
                .hasMessageContaining("exportTime");
    }

    @Test
    void aLandedIncrementalExportReadsBackAsItWasWrittenAndAsEarlierReleasesWroteIt() {
        DeltasExportRecord record = new DeltasExportRecord(
                "01764000000000-abcdef12",
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders/export/01764000000000-abcdef12",
                Instant.parse("2026-12-07T09:00:00Z"),
                Instant.parse("2026-12-07T10:00:00Z"),
                3,
                12_345,
                Instant.parse("2026-12-07T10:05:00.5Z"));
        assertThat(LakeJson.read(LakeJson.tree(record), DeltasExportRecord.class))
                .isEqualTo(record);

        ObjectNode earlier = new ObjectMapper()
                .createObjectNode()
                .put("exportId", record.exportId())
                .put("exportArn", record.exportArn())
                .put("exportFromTime", String.valueOf(record.exportFromTime()))
                .put("exportToTime", record.exportToTime().toString())
                .put("files", record.files())
                .put("changes", record.changes())
                .put("publishedAt", record.publishedAt().toString());
        assertThat(LakeJson.tree(record)).isEqualTo(earlier);
        assertThat(LakeJson.read(earlier, DeltasExportRecord.class)).isEqualTo(record);

        // An earlier release wrote an unknown window start as the text "null": the window's end stands for it.
        earlier.put("exportFromTime", "null");
        DeltasExportRecord unknownStart = LakeJson.read(earlier, DeltasExportRecord.class);
        assertThat(unknownStart.exportFromTime()).isNull();
        assertThat(unknownStart.from()).isEqualTo(record.exportToTime());
        assertThat(LakeJson.read(LakeJson.tree(unknownStart), DeltasExportRecord.class))
                .isEqualTo(unknownStart);
    }
}
