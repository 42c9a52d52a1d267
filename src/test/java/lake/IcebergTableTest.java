package lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.IcebergTables;
import testsupport.LocalStackExtension;

/**
 * The lake's Iceberg tables on the local stack's Glue catalog and S3: commits that replace every row, refused when
 * the table holds the same or a newer publish, fenced by the catalog's optimistic lock, schema evolution, expiry.
 * Parts here are only named: a commit does not read its data files.
 */
class IcebergTableTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket("iceberg-test"));
    }

    @Test
    void aTableDroppedAndCreatedAgainUnderItsNameIsReadAnew() {
        // One replica holds the table loaded; the table is dropped by hand and another replica's publish creates it
        // again (a new table: another UUID). The first replica reads the new one, not an error nor the old one.
        IcebergCurrentTable first = new IcebergCurrentTable(table("recreated_current"));
        assertThat(first.publish(
                        new IcebergCurrentTable.Version(1, "e1", 10, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v1", 2),
                        0,
                        2))
                .isTrue();
        assertThat(first.version()).isEqualTo(1);
        IcebergTables.catalog(aws)
                .dropTable(org.apache.iceberg.catalog.TableIdentifier.of(IcebergTables.NAMESPACE, "recreated_current"));
        IcebergCurrentTable second = new IcebergCurrentTable(table("recreated_current"));
        assertThat(second.publish(
                        new IcebergCurrentTable.Version(7, "e2", 5, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v7", 1),
                        0,
                        2))
                .isTrue();
        assertThat(first.version()).isEqualTo(7);
        assertThat(first.highestVersion()).isEqualTo(7);
    }

    @Test
    void aVersionIsCommittedOnlyOverAnOlderOne() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("versions_current"));
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(1, "e1", 10, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v1", 2),
                        0,
                        2))
                .isTrue();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(1, "e1", 10, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v1", 2),
                        0,
                        2))
                .as("the same version again: a retried run")
                .isFalse();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(3, "e1", 5, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v3", 1),
                        0,
                        2))
                .isTrue();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(2, "e1", 5, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v2", 1),
                        0,
                        2))
                .as("an outrun builder's older version")
                .isFalse();
        Table table = IcebergTables.load(aws, "versions_current");
        assertThat(table.currentSnapshot().summary()).containsEntry(IcebergCurrentTable.VIEW_VERSION, "3");
        assertThat(table.snapshots()).hasSize(2);

        // Rolled back to version 1: the table holds version 3 still in its history, so a builder that planned 3
        // (or anything up to it) before the rollback cannot commit that number again; 4 can.
        table.manageSnapshots().rollbackTo(table.currentSnapshot().parentId()).commit();
        assertThat(current.version()).isEqualTo(1);
        assertThat(current.highestVersion()).isEqualTo(3);
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(3, "e1", 5, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v3b", 1),
                        0,
                        2))
                .as("a number the table's history holds")
                .isFalse();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(4, "e1", 5, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v4", 1),
                        0,
                        2))
                .isTrue();
    }

    @Test
    void aBuildCommitsOnlyOverTheVersionItWasBuiltOnSoARollbackMadeWhileItRanStands() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("based_current"));
        SnapshotSchema schema = schema("a", ColumnType.INT64);
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(1, "e1", 1, null, null, "s3://b/s1"),
                        schema,
                        parts("b1", 1),
                        java.util.List.of(),
                        0,
                        2,
                        null,
                        java.util.Map.of()))
                .isTrue();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(2, "e1", 1, null, null, "s3://b/s2"),
                        schema,
                        parts("b2", 1),
                        java.util.List.of(),
                        0,
                        2,
                        "s3://b/s1",
                        java.util.Map.of()))
                .isTrue();
        // A build plans version 3 on version 2; meanwhile the operator rolls the table back to version 1.
        Table table = IcebergTables.load(aws, "based_current");
        table.manageSnapshots().rollbackTo(table.currentSnapshot().parentId()).commit();
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3"),
                        schema,
                        parts("b3", 1),
                        java.util.List.of(),
                        0,
                        2,
                        "s3://b/s2",
                        java.util.Map.of()))
                .as("built on version 2, which the table no longer holds")
                .isFalse();
        assertThat(current.state()).contains("s3://b/s1");
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3"),
                        schema,
                        parts("b3", 1),
                        java.util.List.of(),
                        0,
                        2,
                        "s3://b/s1",
                        java.util.Map.of()))
                .as("built on the version the table holds")
                .isTrue();
    }

    @Test
    void theSnapshotTableHoldsTheExportItsLineNamesThoughAnotherToolCommittedOnTop() {
        IcebergSnapshotTable snapshot = new IcebergSnapshotTable(table("compacted_snapshot"));
        java.time.Instant t = java.time.Instant.parse("2026-12-01T00:00:00Z");
        assertThat(snapshot.publish("e1", t, schema("a", ColumnType.STRING), parts("e1", 1), 2, java.util.Map.of()))
                .isTrue();
        // Another tool's commit on top (a compaction would rewrite files; an empty one names no export either).
        IcebergTables.load(aws, "compacted_snapshot").newAppend().commit();
        assertThat(IcebergTables.load(aws, "compacted_snapshot")
                        .currentSnapshot()
                        .summary())
                .doesNotContainKey(IcebergSnapshotTable.EXPORT_ID);
        assertThat(snapshot.currentExport()).contains("e1");
        assertThat(snapshot.publish("e1", t, schema("a", ColumnType.STRING), parts("e1", 1), 2, java.util.Map.of()))
                .as("a retried publish of the export the line holds")
                .isFalse();
        assertThat(snapshot.publish(
                        "e0",
                        t.minusSeconds(60),
                        schema("a", ColumnType.STRING),
                        parts("e0", 1),
                        2,
                        java.util.Map.of()))
                .as("an older export")
                .isFalse();
        assertThat(snapshot.publish(
                        "e2", t.plusSeconds(60), schema("a", ColumnType.STRING), parts("e2", 1), 2, java.util.Map.of()))
                .isTrue();
        assertThat(snapshot.currentExport()).contains("e2");
    }

    @Test
    void aVersionAnEngineMergedInPlaceIsRecordedOverItsCommitAndTheFilesOnlyExpiredCommitsReadAreDeleted()
            throws Exception {
        IcebergCurrentTable current = new IcebergCurrentTable(table("merged_current"));
        SnapshotSchema schema = schema("a", ColumnType.INT64);
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(1, "e1", 1, null, null, "s3://b/s1"),
                        schema,
                        parts("m1", 1),
                        java.util.List.of(),
                        0,
                        2,
                        null,
                        java.util.Map.of()))
                .isTrue();
        IcebergTable.Mark before = current.mark().orElseThrow();
        // A merge that changed nothing commits nothing: the version is recorded over the marked commit itself.
        assertThat(current.record(
                        new IcebergCurrentTable.Version(2, "e1", 0, null, null, "s3://b/s2"), "s3://b/s1", before, 2))
                .isTrue();
        before = current.mark().orElseThrow();
        // The engine's MERGE INTO: a file of its own under the table's location, in a commit that names no version.
        String merged = "s3://iceberg-test/merged_current/data/00000-merge.parquet";
        aws.s3()
                .putObject(
                        b -> b.bucket("iceberg-test").key("merged_current/data/00000-merge.parquet"),
                        software.amazon.awssdk.core.sync.RequestBody.fromString("rows"));
        Table table = IcebergTables.load(aws, "merged_current");
        table.newAppend()
                .appendFile(org.apache.iceberg.DataFiles.builder(table.spec())
                        .withPath(merged)
                        .withFormat(org.apache.iceberg.FileFormat.PARQUET)
                        .withFileSizeInBytes(4)
                        .withRecordCount(1)
                        .build())
                .commit();

        long mergeCommit =
                IcebergTables.load(aws, "merged_current").currentSnapshot().snapshotId();
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3"), "s3://b/s0", before, 2))
                .as("merged on a version the table does not hold")
                .isFalse();

        // Rolled back to the marked commit between the merge and the record, then forward again: a version recorded
        // over the marked commit would name changes its rows lack; recorded over the merge, it would hide a rollback.
        table = IcebergTables.load(aws, "merged_current");
        table.manageSnapshots().rollbackTo(before.snapshotId()).commit();
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3"), "s3://b/s2", before, 2))
                .as("the table rolled back to where the merge started")
                .isFalse();
        IcebergTables.load(aws, "merged_current")
                .manageSnapshots()
                .setCurrentSnapshot(mergeCommit)
                .commit();
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3"), "s3://b/s2", before, 2))
                .as("an older commit was made current since the mark")
                .isFalse();
        IcebergTable.Mark again = current.mark().orElseThrow();
        IcebergTables.load(aws, "merged_current").newAppend().commit(); // the merge, run again by the next attempt
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, "2026-12-01T00:00:00Z", null, "s3://b/s3"),
                        "s3://b/s2",
                        again,
                        2))
                .isTrue();
        assertThat(current.version()).isEqualTo(3);
        assertThat(current.state()).contains("s3://b/s3");
        assertThat(IcebergTables.dataFiles(IcebergTables.load(aws, "merged_current")))
                .as("the record changes no rows")
                .containsExactlyInAnyOrder("s3://iceberg-test/m1/part-0.parquet", merged);
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/s3b"),
                        "s3://b/s3",
                        current.mark().orElseThrow(),
                        2))
                .as("a number the table holds")
                .isFalse();

        // A full version replaces every row; the engine's file is read by the kept commits until they expire, then
        // deleted, where the lake's own parts are left to the lake's retention.
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(4, "e1", 1, null, null, "s3://b/s4"),
                        schema,
                        parts("m4", 1),
                        java.util.List.of(),
                        0,
                        2,
                        "s3://b/s3",
                        java.util.Map.of()))
                .isTrue();
        assertThat(current.keptDataFiles()).contains(merged);
        assertThat(aws.s3()
                        .listObjectsV2(b -> b.bucket("iceberg-test").prefix("merged_current/data/"))
                        .keyCount())
                .isEqualTo(1);
        assertThat(current.publish(
                        new IcebergCurrentTable.Version(5, "e1", 1, null, null, "s3://b/s5"),
                        schema,
                        parts("m5", 1),
                        java.util.List.of(),
                        0,
                        2,
                        "s3://b/s4",
                        java.util.Map.of()))
                .isTrue();
        assertThat(current.keptDataFiles()).doesNotContain(merged);
        assertThat(aws.s3()
                        .listObjectsV2(b -> b.bucket("iceberg-test").prefix("merged_current/data/"))
                        .keyCount())
                .as("the engine's file, once no kept commit reads it")
                .isZero();
    }

    @Test
    void aStagedTableHasTheColumnIdsAndBucketsTheTableWillHaveSoAnEnginesFilesReadRightOnceCommitted() {
        IcebergTable table = table("staged_current");
        new IcebergCurrentTable(table)
                .publish(
                        new IcebergCurrentTable.Version(1, "e1", 1, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("s1", 1),
                        0,
                        2);
        // "a" changes type (dropped and added again under a new id) and "b" is new: ids are no longer 1, 2.
        SnapshotSchema next = new SnapshotSchema(List.of(
                new SnapshotColumn(SnapshotSchema.KEY, null, ColumnType.STRING, 0, false),
                new SnapshotColumn("b", "b", ColumnType.INT64, 0, false),
                new SnapshotColumn("a", "a", ColumnType.STRING, 0, false)));
        org.apache.iceberg.catalog.TableIdentifier staging =
                org.apache.iceberg.catalog.TableIdentifier.of(IcebergTables.NAMESPACE, "staged_current_build");
        table.stage(staging, "s3://iceberg-test/staged/00000002", next, 4);
        table.stage(staging, "s3://iceberg-test/staged/00000002", next, 4); // a retried run's: replaced
        Table staged = IcebergTables.load(aws, "staged_current_build");
        assertThat(staged.location()).isEqualTo("s3://iceberg-test/staged/00000002");
        assertThat(staged.spec().fields())
                .singleElement()
                .satisfies(f -> assertThat(f.transform().toString()).isEqualTo("bucket[4]"));
        org.apache.iceberg.Schema stagedSchema = staged.schema();
        assertThat(table.unstageParts(staging, next)).isEmpty();
        assertThat(IcebergTables.catalog(aws).tableExists(staging)).isFalse();

        new IcebergCurrentTable(table)
                .publish(new IcebergCurrentTable.Version(2, "e1", 1, null, null, null), next, List.of(), 4, 2);
        org.apache.iceberg.Schema published =
                IcebergTables.load(aws, "staged_current").schema();
        assertThat(stagedSchema.findField("a").fieldId())
                .isEqualTo(published.findField("a").fieldId())
                .isNotEqualTo(1);
        assertThat(stagedSchema.findField("b").fieldId())
                .isEqualTo(published.findField("b").fieldId());
        assertThat(stagedSchema.findField("a").type()).isEqualTo(Types.StringType.get());
    }

    @Test
    void aHistoryAnotherToolShortenedAfterTheMarkRefusesTheRecord() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("shortened_current"));
        SnapshotSchema schema = schema("a", ColumnType.INT64);
        current.publish(
                new IcebergCurrentTable.Version(1, "e1", 1, null, null, "s3://b/h1"), schema, parts("h1", 1), 0, 5);
        current.publish(
                new IcebergCurrentTable.Version(2, "e1", 1, null, null, "s3://b/h2"),
                schema,
                parts("h2", 1),
                java.util.List.of(),
                0,
                5,
                "s3://b/h1",
                java.util.Map.of());
        IcebergTable.Mark before = current.mark().orElseThrow();
        // Another tool expires the oldest commit (its history entry goes), then the engine's merge commits: the
        // history is as long as at the mark, but no longer the same.
        Table table = IcebergTables.load(aws, "shortened_current");
        table.expireSnapshots()
                .expireSnapshotId(table.snapshots().iterator().next().snapshotId())
                .expireOlderThan(0)
                .commit();
        IcebergTables.load(aws, "shortened_current").newAppend().commit();
        assertThat(current.record(
                        new IcebergCurrentTable.Version(3, "e1", 1, null, null, "s3://b/h3"), "s3://b/h2", before, 5))
                .isFalse();
        assertThat(current.version()).isZero();
    }

    @Test
    void expiryKeepsTheNewestVersionsHoweverOldTheirCommitsAre() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("quiet_current"));
        SnapshotSchema schema = schema("a", ColumnType.INT64);
        current.publish(new IcebergCurrentTable.Version(1, "e1", 1, null, null, null), schema, parts("q1", 1), 0, 2);
        // A table quiet for longer than Iceberg's own retention (history.expire.max-snapshot-age-ms, 5 days): here
        // every commit is older than it at once.
        IcebergTables.load(aws, "quiet_current")
                .updateProperties()
                .set("history.expire.max-snapshot-age-ms", "1")
                .commit();
        current.publish(new IcebergCurrentTable.Version(2, "e1", 1, null, null, null), schema, parts("q2", 1), 0, 2);
        current.publish(new IcebergCurrentTable.Version(3, "e1", 1, null, null, null), schema, parts("q3", 1), 0, 2);
        assertThat(IcebergTables.load(aws, "quiet_current").snapshots())
                .as("views.keep = 2 versions for time travel")
                .extracting(s -> s.summary().get(IcebergCurrentTable.VIEW_VERSION))
                .containsExactly("2", "3");
    }

    @Test
    void aSnapshotWhosePartsCarryIdsTheTableNoLongerGivesIsRefused() {
        IcebergSnapshotTable snapshot = new IcebergSnapshotTable(table("ids_snapshot"));
        java.time.Instant t = java.time.Instant.parse("2026-12-01T00:00:00Z");
        java.util.Map<String, Integer> first = snapshot.fieldIds(schema("a", ColumnType.STRING));
        assertThat(snapshot.publish("e1", t, schema("a", ColumnType.STRING), parts("e1", 1), 2, first))
                .isTrue();
        // e3 is discovered now: its column b would get the next id...
        java.util.Map<String, Integer> stale = snapshot.fieldIds(schema("b", ColumnType.STRING));
        // ...but e2 publishes first with a column c, which takes that id.
        assertThat(snapshot.publish(
                        "e2",
                        t.plusSeconds(60),
                        schema("c", ColumnType.STRING),
                        parts("e2", 1),
                        2,
                        snapshot.fieldIds(schema("c", ColumnType.STRING))))
                .isTrue();
        assertThat(snapshot.fieldIds(schema("b", ColumnType.STRING))).isNotEqualTo(stale);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> snapshot.publish(
                        "e3", t.plusSeconds(120), schema("b", ColumnType.STRING), parts("e3", 1), 2, stale))
                .isInstanceOf(IcebergTable.FieldIdsChangedException.class)
                .hasMessageContaining("column b");
        assertThat(snapshot.currentExport()).as("nothing committed").contains("e2");
    }

    @Test
    void anOlderExportNeverReplacesANewerOne() {
        IcebergSnapshotTable snapshot = new IcebergSnapshotTable(table("exports_snapshot"));
        java.time.Instant t = java.time.Instant.parse("2026-12-01T00:00:00Z");
        assertThat(snapshot.publish(
                        "new",
                        t.plusSeconds(60),
                        schema("a", ColumnType.STRING),
                        parts("new", 1),
                        2,
                        java.util.Map.of()))
                .isTrue();
        assertThat(snapshot.publish("old", t, schema("a", ColumnType.STRING), parts("old", 1), 2, java.util.Map.of()))
                .isFalse();
        assertThat(snapshot.currentExport()).contains("new");
    }

    @Test
    void aWriterOutrunBetweenItsReadAndItsCommitFailsInsteadOfReplacingTheOthersRows() throws Exception {
        new IcebergCurrentTable(table("fenced_current"))
                .publish(
                        new IcebergCurrentTable.Version(1, "e1", 1, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("v1", 1),
                        0,
                        2);
        // Two builders both read version 1; the other commits its version 2 while this one is about to commit.
        IcebergCurrentTable other = new IcebergCurrentTable(table("fenced_current"));
        IcebergCurrentTable outrun = new IcebergCurrentTable(new IcebergTable(
                IcebergTables.catalog(aws),
                IcebergTables.NAMESPACE,
                "fenced_current",
                "s3://iceberg-test/fenced_current",
                () -> other.publish(
                        new IcebergCurrentTable.Version(2, "e1", 1, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("other", 1),
                        0,
                        2)));
        assertThatThrownBy(() -> outrun.publish(
                        new IcebergCurrentTable.Version(2, "e1", 1, null, null, null),
                        schema("a", ColumnType.INT64),
                        parts("outrun", 1),
                        0,
                        2))
                .isInstanceOf(CommitFailedException.class)
                .hasMessageContaining("another writer committed");
        Table table = IcebergTables.load(aws, "fenced_current");
        assertThat(IcebergTables.dataFiles(table)).containsExactly("s3://iceberg-test/other/part-0.parquet");
    }

    @Test
    void columnsAreAddedWidenedOrReplacedAsTheSchemaChanges() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("evolving_current"));
        current.publish(
                new IcebergCurrentTable.Version(1, "e1", 1, null, null, null),
                schema("a", ColumnType.INT64),
                parts("v1", 1),
                0,
                2);
        int id = IcebergTables.load(aws, "evolving_current")
                .schema()
                .findField("a")
                .fieldId();
        current.publish(
                new IcebergCurrentTable.Version(2, "e1", 1, null, null, null),
                new SnapshotSchema(List.of(
                        new SnapshotColumn("a", "a", ColumnType.STRING, 0, false),
                        new SnapshotColumn("b", "b", ColumnType.BOOLEAN, 0, false))),
                parts("v2", 1),
                0,
                2);
        Table table = IcebergTables.load(aws, "evolving_current");
        assertThat(table.schema().findField("a").type()).isEqualTo(Types.StringType.get());
        assertThat(table.schema().findField("a").fieldId())
                .as("a column whose type changed is a new column, so old files are not misread")
                .isNotEqualTo(id);
        assertThat(table.schema().findField("b").type()).isEqualTo(Types.BooleanType.get());
    }

    @Test
    void aColumnWhoseNameChangesOnlyInCaseIsRenamedNotDoubled() {
        IcebergCurrentTable current = new IcebergCurrentTable(table("case_current"));
        current.publish(
                new IcebergCurrentTable.Version(1, "e1", 1, null, null, null),
                schema("Status", ColumnType.STRING),
                parts("v1", 1),
                0,
                2);
        current.publish(
                new IcebergCurrentTable.Version(2, "e2", 1, null, null, null),
                schema("status", ColumnType.STRING),
                parts("v2", 1),
                0,
                2);
        Table table = IcebergTables.load(aws, "case_current");
        assertThat(table.schema().columns())
                .as("engines that fold case would find two columns named status")
                .extracting(Types.NestedField::name)
                .containsExactly("status");
    }

    @Test
    void aVersionCommitsOnlyTheFilesThatChangedAndAFileWrittenAgainIsReadAnew() throws Exception {
        IcebergCurrentTable current = new IcebergCurrentTable(table("diff_current"));
        List<IcebergTable.Part> v1 = parts("v1", 4);
        current.publish(
                new IcebergCurrentTable.Version(1, "e1", 1, null, null, null), schema("a", ColumnType.INT64), v1, 0, 3);
        // Version 2 rewrote bucket 3 only: the other three files stay.
        List<IcebergTable.Part> v2 = new java.util.ArrayList<>(v1.subList(0, 3));
        v2.add(new IcebergTable.Part("s3://iceberg-test/v2/part-3.parquet", 120, 8));
        current.publish(
                new IcebergCurrentTable.Version(2, "e1", 1, null, null, null), schema("a", ColumnType.INT64), v2, 0, 3);
        Table table = IcebergTables.load(aws, "diff_current");
        assertThat(table.currentSnapshot().summary())
                .containsEntry("added-data-files", "1")
                .containsEntry("deleted-data-files", "1")
                .containsEntry("total-data-files", "4")
                .containsEntry("total-records", Long.toString(3 * 7 + 8));

        // Version 3 names a path the table holds, but the file was written again (other size, other rows): the
        // table's entry must give the new size, the one a reader opens the file at.
        List<IcebergTable.Part> v3 = new java.util.ArrayList<>(v2);
        v3.set(0, new IcebergTable.Part("s3://iceberg-test/v1/part-0.parquet", 150, 9));
        current.publish(
                new IcebergCurrentTable.Version(3, "e1", 1, null, null, null), schema("a", ColumnType.INT64), v3, 0, 3);
        table = IcebergTables.load(aws, "diff_current");
        java.util.Map<String, long[]> files = new java.util.HashMap<>();
        try (var tasks = table.newScan().planFiles()) {
            tasks.forEach(t -> files.put(
                    t.file().location(),
                    new long[] {t.file().fileSizeInBytes(), t.file().recordCount()}));
        }
        assertThat(files).hasSize(4);
        assertThat(files.get("s3://iceberg-test/v1/part-0.parquet")).containsExactly(150, 9);
        assertThat(files.get("s3://iceberg-test/v2/part-3.parquet")).containsExactly(120, 8);
    }

    @Test
    void aBucketedTableIsPartitionedByIcebergsBucketOfTheKeySoAKeysLookupPlansOneBucket() throws Exception {
        IcebergCurrentTable current = new IcebergCurrentTable(table("bucketed_current"));
        SnapshotSchema schema = new SnapshotSchema(List.of(
                new SnapshotColumn(SnapshotSchema.KEY, SnapshotSchema.KEY, ColumnType.STRING, 0, false),
                new SnapshotColumn("a", "a", ColumnType.INT64, 0, false)));
        String key = "orderId=42";
        current.publish(new IcebergCurrentTable.Version(1, "e1", 1, null, null, null), schema, bucketed("v1", 4), 4, 3);
        assertThat(plannedFor(key)).containsExactly("s3://iceberg-test/v1/part-" + bucket(key, 4) + ".parquet");

        // More buckets: the partitioning evolves, every file is named anew under the new spec.
        current.publish(new IcebergCurrentTable.Version(2, "e1", 1, null, null, null), schema, bucketed("v2", 8), 8, 3);
        Table table = IcebergTables.load(aws, "bucketed_current");
        assertThat(table.spec().fields())
                .singleElement()
                .satisfies(f -> assertThat(f.transform()).hasToString("bucket[8]"));
        assertThat(IcebergTables.dataFiles(table)).hasSize(8).allMatch(f -> f.contains("/v2/"));
        assertThat(plannedFor(key)).containsExactly("s3://iceberg-test/v2/part-" + bucket(key, 8) + ".parquet");

        // The same count again: the spec stays, and the commit adds and removes only the file that changed.
        List<IcebergTable.Part> v3 = new java.util.ArrayList<>(bucketed("v2", 8));
        v3.set(5, new IcebergTable.Part("s3://iceberg-test/v3/part-5.parquet", 100, 7).inBucket(5));
        current.publish(new IcebergCurrentTable.Version(3, "e1", 1, null, null, null), schema, v3, 8, 3);
        table = IcebergTables.load(aws, "bucketed_current");
        assertThat(table.specs()).as("one spec a bucket count").hasSize(2);
        assertThat(table.spec().fields())
                .singleElement()
                .satisfies(f -> assertThat(f.name()).isEqualTo(IcebergTable.BUCKET_FIELD));
        assertThat(table.currentSnapshot().summary())
                .containsEntry("added-data-files", "1")
                .containsEntry("deleted-data-files", "1");

        // Parts of no bucket (Athena's): the table is unpartitioned again, a lookup reads every file.
        current.publish(new IcebergCurrentTable.Version(4, "e1", 1, null, null, null), schema, parts("v4", 2), 0, 3);
        assertThat(IcebergTables.load(aws, "bucketed_current").spec().isUnpartitioned())
                .isTrue();
        assertThat(plannedFor(key)).hasSize(2);

        assertThatThrownBy(() -> current.publish(
                        new IcebergCurrentTable.Version(5, "e1", 1, null, null, null), schema, parts("v5", 2), 4, 3))
                .as("a bucketed table's part without its bucket")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs its bucket");
    }

    private static java.util.Set<String> plannedFor(String key) throws Exception {
        java.util.Set<String> files = new java.util.TreeSet<>();
        try (var tasks = IcebergTables.load(aws, "bucketed_current")
                .newScan()
                .filter(org.apache.iceberg.expressions.Expressions.equal(SnapshotSchema.KEY, key))
                .planFiles()) {
            tasks.forEach(t -> files.add(t.file().location()));
        }
        return files;
    }

    private static int bucket(String key, int buckets) {
        return org.apache.iceberg.transforms.Transforms.bucket(buckets)
                .bind(Types.StringType.get())
                .apply(key);
    }

    private static List<IcebergTable.Part> bucketed(String name, int buckets) {
        List<IcebergTable.Part> out = new java.util.ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            out.add(new IcebergTable.Part("s3://iceberg-test/" + name + "/part-" + b + ".parquet", 100, 7).inBucket(b));
        }
        return out;
    }

    private static IcebergTable table(String name) {
        Catalog catalog = IcebergTables.catalog(aws);
        return new IcebergTable(catalog, IcebergTables.NAMESPACE, name, "s3://iceberg-test/" + name);
    }

    private static SnapshotSchema schema(String column, ColumnType type) {
        return new SnapshotSchema(List.of(new SnapshotColumn(column, column, type, 0, false)));
    }

    private static List<IcebergTable.Part> parts(String name, int n) {
        List<IcebergTable.Part> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new IcebergTable.Part("s3://iceberg-test/" + name + "/part-" + i + ".parquet", 100, 7));
        }
        return out;
    }
}
