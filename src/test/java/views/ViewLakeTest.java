package views;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import lake.LakeLayout;
import lake.LakeStore;
import lake.SnapshotSchema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.LocalStackExtension;

/**
 * Which delta objects a view reads, on the local stack's S3: the incremental exports after the snapshot (never one
 * whose window ends at or before its export time), and for a view as of T every hour folder a change made up to T
 * can have landed in.
 */
class ViewLakeTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final Instant EXPORT_TIME = Instant.parse("2026-11-20T10:30:00Z");

    private static LakeStore store;

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket("view-lake-test"));
        store = new LakeStore(aws.s3(), "view-lake-test");
    }

    private ViewLake lake(String table, DeltaSource source) {
        return new ViewLake(
                store, new LakeLayout("tables/" + table + "/"), table, Clock.systemUTC(), source, version -> {
                    throw new UnsupportedOperationException("these tests plan runs; none publishes");
                });
    }

    private static ViewLake.Snapshot snapshot() {
        return new ViewLake.Snapshot("snap", EXPORT_TIME, List.of(), new SnapshotSchema(List.of()), null);
    }

    private void export(String table, String id, Instant from, Instant to) {
        String folder = "tables/" + table + "/deltas-export/" + id + "/";
        store.putText(folder + "part-00000.json", "{}\n");
        store.putText(
                folder + "_published.json", "{\"exportFromTime\":\"" + from + "\",\"exportToTime\":\"" + to + "\"}");
    }

    @Test
    void expiryKeepsTheTombstoneFilesOfEveryCommitTheTableKeepsWhereverTheyLie() {
        String table = "expiry";
        LakeLayout layout = new LakeLayout("tables/" + table + "/");
        // Version 3, which the table keeps (a tag, a longer history): its tombstones are files of versions 1 to 3.
        String t1 = layout.currentTombstones(1, "aaaaaaaa") + "tombstones.parquet";
        String t2 = layout.currentTombstones(2, "bbbbbbbb") + "tombstones.parquet";
        String t3 = layout.currentTombstones(3, "cccccccc") + "tombstones.parquet";
        String kept = layout.currentVersionState(3, "cccccccc");
        String keptPart = layout.currentPart(3, "cccccccc", 0, 0);
        // Version 4: nothing kept names it.
        String t4 = layout.currentTombstones(4, "dddddddd") + "tombstones.parquet";
        String part4 = layout.currentPart(4, "dddddddd", 0, 0);
        // Version 10, published: its own tombstone file.
        String t10 = layout.currentTombstones(10, "eeeeeeee") + "tombstones.parquet";
        String part10 = layout.currentPart(10, "eeeeeeee", 0, 0);
        for (String key : List.of(t1, t2, t3, keptPart, t4, part4, t10, part10)) {
            store.putText(key, "x");
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var keptState = json.createObjectNode().put("version", 3);
        keptState.putArray("parts").addObject().put("key", keptPart);
        var keptTombstones = keptState.putObject("tombstones").putArray("files");
        for (String t : List.of(t1, t2, t3)) {
            keptTombstones.addObject().put("key", t).put("rows", 1);
        }
        store.putJson(kept, keptState);
        var state = json.createObjectNode().put("version", 10);
        state.putArray("parts").addObject().put("key", part10);
        state.putObject("tombstones")
                .putArray("files")
                .addObject()
                .put("key", t10)
                .put("rows", 1);

        ViewLake views = new ViewLake(store, layout, table, Clock.systemUTC(), DeltaSource.STREAM, new ViewCatalog() {
            @Override
            public boolean register(Version version) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<String> keptStates() {
                return List.of(kept);
            }
        });
        views.expireVersions(state, 1);

        assertThat(store.list(layout.currentPrefix()).stream().map(o -> o.key()))
                .containsExactlyInAnyOrder(t1, t2, t3, kept, keptPart, t10, part10);
    }

    @Test
    void incrementalExportsWhoseWindowEndsAtOrBeforeTheSnapshotAreNotApplied() {
        String table = "windows";
        export(table, "a-ends-before", EXPORT_TIME.minusSeconds(3600), EXPORT_TIME.minusSeconds(60));
        export(table, "b-ends-at", EXPORT_TIME.minusSeconds(600), EXPORT_TIME);
        export(table, "c-overlaps", EXPORT_TIME.minusSeconds(60), EXPORT_TIME.plusSeconds(600));
        export(table, "d-after", EXPORT_TIME.plusSeconds(600), EXPORT_TIME.plusSeconds(1200));
        ViewLake views = lake(table, DeltaSource.EXPORT);

        String floor = views.floor(snapshot(), Duration.ofMinutes(15));
        assertThat(views.deltaObjects(floor, null, Duration.ofHours(25)))
                .containsExactly(
                        "tables/windows/deltas-export/c-overlaps/part-00000.json",
                        "tables/windows/deltas-export/d-after/part-00000.json");
        assertThat(views.deltaObjects(floor, EXPORT_TIME.plusSeconds(300), Duration.ofHours(25)))
                .as("as of a time inside the third window")
                .containsExactly("tables/windows/deltas-export/c-overlaps/part-00000.json");
    }

    @Test
    void aViewAsOfTReadsEveryFolderAChangeMadeUpToTCanHaveLandedIn() {
        String table = "folders";
        Instant t = EXPORT_TIME.plus(Duration.ofHours(2));
        String deltas = "tables/" + table + "/deltas/";
        for (int hours : new int[] {-1, 0, 2, 5, 25, 26}) {
            store.putText(LakeLayout.hourFolder(deltas, t.plus(Duration.ofHours(hours))) + "/object", "{}\n");
        }
        ViewLake views = lake(table, DeltaSource.STREAM);
        String floor = views.floor(snapshot(), Duration.ofMinutes(15));

        // Firehose files a change under the hour it arrived: as late as the stream keeps it (24 h), plus the late
        // window (here 1 h) for the delivery itself.
        assertThat(views.deltaObjects(floor, t, Duration.ofHours(1)))
                .extracting(ViewLake::hourOf)
                .containsExactly(
                        ViewLake.hour(t.minus(Duration.ofHours(1))),
                        ViewLake.hour(t),
                        ViewLake.hour(t.plus(Duration.ofHours(2))),
                        ViewLake.hour(t.plus(Duration.ofHours(5))),
                        ViewLake.hour(t.plus(Duration.ofHours(25))))
                .doesNotContain(ViewLake.hour(t.plus(Duration.ofHours(26))));
        assertThat(ViewLake.since(snapshot(), Duration.ofMinutes(15))).isEqualTo(EXPORT_TIME.minusSeconds(900));
    }
}
