package lake;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table of the lake as an Apache Iceberg table (format v2) of a catalog, published by replacing its rows with
 * Parquet parts that already lie in the lake: one commit a publish, which removes the files the publish no longer
 * names and adds those the table lacks (a file named again stays, so an incremental version of the current view
 * commits only its rewritten buckets), and whose summary records what it published, so the table itself says what it
 * holds. Both {@code <table>_snapshot} (a commit per export) and {@code <table>_current}
 * (a commit per view version) are such tables.
 *
 * <p>The current view's and the snapshot's parts carry each column's Iceberg field id ({@link #fieldIds}, checked again
 * at the commit); the as-of views' parts, and those of a lake taken over from an earlier release, carry none, and the
 * table's name mapping
 * ({@code schema.name-mapping.default}, the way Iceberg adopts existing Parquet files) maps their columns by name. A new column is added, a type Iceberg can promote
 * (int to long, float to double) is widened; a column whose type changes otherwise is dropped and added again with
 * the new type, so the rows the table now holds read correctly.
 *
 * <p>Commits are optimistic: a publish reads the table's current commit and decides from its summary whether to
 * publish at all; its commit is made on that commit or not at all. The catalog's lock (Glue's VersionId) refuses a
 * commit on a base that is no longer current, and the tables are created with {@code commit.retry.num-retries=0}, so
 * Iceberg does not apply the publish again on top of another writer's commit; the overwrite's own validation (no
 * files added since the base) holds the same where a catalog retries. A writer outrun between its read and its commit
 * fails instead of replacing the other's rows. {@code keep} is
 * snapshot expiry: the commits of the newest {@code keep} publishes stay for time travel; expiry removes metadata, the
 * data files being the lake's, deleted by its own retention, but for the files an engine wrote under the table's own
 * location (Athena's MERGE INTO, committed by Athena and recorded by {@link #annotate}), which go when the last commit
 * that reads them expires. A full build by such an engine writes into a table {@link #stage}d with this table's column
 * ids, whose files a {@link #replace} then commits.
 *
 */
public final class IcebergTable {
    private static final Logger LOG = LoggerFactory.getLogger(IcebergTable.class);

    /**
     * A {@link #replace} refused because the table's schema gives a column another field id than the parts were
     * written with: they would read another column's values.
     */
    public static final class FieldIdsChangedException extends IllegalStateException {
        FieldIdsChangedException(String message) {
            super(message);
        }
    }

    /** What the keys of the project's commit summaries start with. */
    static final String SUMMARY_PREFIX = "dynamo-lake.";

    /** The column whose hash partitions a bucketed table: the key's canonical text. */
    public static final String BUCKET_SOURCE = SnapshotSchema.KEY;

    /** The partition field of a bucketed table, whatever its bucket count: the name Iceberg gives it first. */
    public static final String BUCKET_FIELD = BUCKET_SOURCE + "_bucket";

    /**
     * A Parquet part: its URI, size and rows, and in a bucketed table the bucket of Iceberg's bucket transform of
     * {@value #BUCKET_SOURCE} every row of it falls in (-1 in a table without buckets).
     */
    public record Part(String uri, long bytes, long rows, int bucket, String firstPart, String lastPart) {
        public Part(String uri, long bytes, long rows) {
            this(uri, bytes, rows, -1);
        }

        public Part(String uri, long bytes, long rows, int bucket) {
            this(uri, bytes, rows, bucket, null, null);
        }

        public Part inBucket(int b) {
            return new Part(uri, bytes, rows, b, firstPart, lastPart);
        }

        /**
         * A position delete file that names rows of the parts from {@code first} to {@code last} (URIs, in text
         * order) only: its commit records them as the bounds of its {@code file_path}, so a reader applies it to
         * those parts alone.
         */
        public Part naming(String first, String last) {
            return new Part(uri, bytes, rows, bucket, first, last);
        }
    }

    private final Catalog catalog;
    private final TableIdentifier id;
    private final String location;
    private final Runnable beforeCommit;

    /** The table as last loaded or refreshed; null before the first load, or once it was found gone. */
    private Table loaded;

    /**
     * @param namespace the catalog's namespace (the Glue database)
     * @param name the table's name, in the spelling every engine accepts ({@link #sqlName})
     * @param location where the table's metadata lives, for example {@code s3://lake/tables/orders/iceberg/snapshot}
     */
    public IcebergTable(Catalog catalog, String namespace, String name, String location) {
        this(catalog, namespace, name, location, () -> {});
    }

    /** With {@code beforeCommit} run between reading the table and committing to it: where a race is tested. */
    IcebergTable(Catalog catalog, String namespace, String name, String location, Runnable beforeCommit) {
        this.catalog = catalog;
        this.id = TableIdentifier.of(Namespace.of(namespace), name);
        this.location = location;
        this.beforeCommit = beforeCommit;
    }

    public TableIdentifier identifier() {
        return id;
    }

    /** Table names every engine accepts: lower case letters, digits and underscores. */
    public static String sqlName(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /** The summary of the table's current commit, if the table exists and has one. */
    public synchronized Optional<Map<String, String>> currentSummary() {
        return load().map(Table::currentSnapshot).map(Snapshot::summary);
    }

    /**
     * The summaries of every commit the table's metadata keeps, current or not (a rollback leaves the later ones in
     * its history until they expire), oldest first; empty when there is no table.
     */
    public synchronized List<Map<String, String>> summaries() {
        return load().map(IcebergTable::summaries).orElse(List.of());
    }

    private static List<Map<String, String>> summaries(Table table) {
        List<Map<String, String>> out = new ArrayList<>();
        table.snapshots().forEach(snapshot -> out.add(snapshot.summary()));
        return out;
    }

    /**
     * The data files (URIs) every commit the table keeps reads, current or not: what time travel and a rollback to
     * any of them need; empty when there is no table.
     */
    public synchronized java.util.Set<String> keptDataFiles() {
        return load().map(IcebergTable::allFiles).orElse(java.util.Set.of());
    }

    /**
     * The data and delete files under the table's own location that any commit the table keeps reads: the files an
     * engine wrote into the table itself (Athena's MERGE INTO writes them under {@code <location>/data/}), which no
     * retention of the lake's folders deletes.
     */
    private static java.util.Set<String> ownFiles(Table table) {
        String own = table.location().endsWith("/") ? table.location() : table.location() + "/";
        java.util.Set<String> out = allFiles(table);
        out.removeIf(uri -> !uri.startsWith(own));
        return out;
    }

    /**
     * The data and delete files (URIs) every commit the table keeps lists as live, read from their manifests: a delete
     * file that no longer applies to any data file is still listed, and still read by tools that open every file.
     */
    private static java.util.Set<String> allFiles(Table table) {
        java.util.Set<String> out = new java.util.HashSet<>();
        java.util.Set<String> manifests = new java.util.HashSet<>();
        for (Snapshot snapshot : table.snapshots()) {
            for (org.apache.iceberg.ManifestFile m : snapshot.allManifests(table.io())) {
                if (!manifests.add(m.path())) {
                    continue; // commits share most manifests
                }
                try {
                    if (m.content() == org.apache.iceberg.ManifestContent.DATA) {
                        try (var files = org.apache.iceberg.ManifestFiles.read(m, table.io(), table.specs())) {
                            files.forEach(f -> out.add(f.location()));
                        }
                    } else {
                        try (var files =
                                org.apache.iceberg.ManifestFiles.readDeleteManifest(m, table.io(), table.specs())) {
                            files.forEach(f -> out.add(f.location()));
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    /** Whether the table's commits since {@code over} are an engine's alone, on top of the marked commit. */
    private static boolean wentOnFrom(Table table, Mark over) {
        Snapshot marked = table.snapshot(over.snapshotId());
        List<org.apache.iceberg.HistoryEntry> history = table.history();
        if (marked == null || history.size() < over.historyEntries()) {
            return false;
        }
        if (over.historyEntries() > 0) {
            // The marked commit's entry where the mark left it: a history shortened since (another tool expired
            // commits) could hide a rollback among the entries counted as old.
            org.apache.iceberg.HistoryEntry last = history.get(over.historyEntries() - 1);
            if (last.snapshotId() != over.snapshotId() || last.timestampMillis() != over.lastEntryMillis()) {
                return false;
            }
        }
        for (org.apache.iceberg.HistoryEntry entry : history.subList(over.historyEntries(), history.size())) {
            Snapshot s = table.snapshot(entry.snapshotId());
            if (s == null || s.sequenceNumber() <= marked.sequenceNumber() || publishes(s)) {
                return false;
            }
        }
        for (Snapshot s = table.currentSnapshot(); s != null; s = parent(table, s)) {
            if (s.snapshotId() == marked.snapshotId()) {
                return true;
            }
        }
        return false;
    }

    private static Snapshot parent(Table table, Snapshot s) {
        return s.parentId() == null ? null : table.snapshot(s.parentId());
    }

    /** Whether a commit's summary is the project's: it published something. */
    private static boolean publishes(Snapshot s) {
        return s.summary().keySet().stream().anyMatch(k -> k.startsWith(SUMMARY_PREFIX));
    }

    /** The table's format version (2 when there is no table yet: it is created with 2). */
    public synchronized int formatVersion() {
        return load().map(org.apache.iceberg.TableUtil::formatVersion).orElse(2);
    }

    /** The names of the table's columns now, in order; empty when there is no table. */
    public synchronized List<String> columns() {
        return load().map(t -> t.schema().columns().stream()
                        .map(Types.NestedField::name)
                        .toList())
                .orElse(List.of());
    }

    /**
     * The summaries of the current commit and of its parents the table keeps, newest first (the line a rollback
     * returns to; other tools' commits on top of the project's are in it too); empty when there is no table.
     */
    public synchronized List<Map<String, String>> lineage() {
        return load().map(IcebergTable::lineage).orElse(List.of());
    }

    private static List<Map<String, String>> lineage(Table t) {
        List<Map<String, String>> out = new java.util.ArrayList<>();
        for (Snapshot s = t.currentSnapshot(); s != null; s = parent(t, s)) {
            out.add(s.summary());
        }
        return out;
    }

    /**
     * Where the table stood before an engine commits to it itself: its current commit, how many entries its history
     * (the log of which commit was current when) had, and the last of them (its time), so a history another tool's
     * expiry shortened since is told apart. Its text is {@code <snapshot id>:<entries>:<last entry's time>}.
     */
    public record Mark(long snapshotId, int historyEntries, long lastEntryMillis) {
        public static Mark parse(String text) {
            String[] parts = text.split(":");
            return new Mark(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
        }

        @Override
        public String toString() {
            return snapshotId + ":" + historyEntries + ":" + lastEntryMillis;
        }
    }

    /** Where the table stands now (see {@link Mark}); empty when it has no table or no commit. */
    public synchronized Optional<Mark> mark() {
        return load().filter(t -> t.currentSnapshot() != null).map(t -> {
            List<org.apache.iceberg.HistoryEntry> history = t.history();
            return new Mark(
                    t.currentSnapshot().snapshotId(),
                    history.size(),
                    history.isEmpty() ? 0 : history.get(history.size() - 1).timestampMillis());
        });
    }

    /**
     * Records {@code summary} in a commit that changes no rows, on top of rows another engine committed to the table
     * itself (Athena's MERGE INTO commits its own rows, and its commit cannot carry the project's summary); then
     * expires commits beyond the newest {@code keep} publishes.
     *
     * <p>Made only when the table went on from {@code over} by the engine's commits alone: every commit that became
     * current since is newer than the marked one (a rollback, even to the marked commit itself, makes an older commit
     * current again) and names nothing of the project's, and the current commit's line reaches the marked one.
     *
     * @param over where the table stood before the engine's statement
     * @param lineageAllows whether the summaries of the current commit's line, newest first, allow the commit
     * @param historyAllows whether the summaries of every commit the table keeps allow it
     * @return false when the table refuses it, or there is no table: the table is left as it is
     * @throws CommitFailedException when another writer committed between the check and this commit
     */
    public synchronized boolean annotate(
            Map<String, String> summary,
            int keep,
            Mark over,
            Predicate<List<Map<String, String>>> lineageAllows,
            Predicate<List<Map<String, String>>> historyAllows) {
        Table table = load().orElse(null);
        if (table == null
                || table.currentSnapshot() == null
                || !wentOnFrom(table, over)
                || !lineageAllows.test(lineage(table))
                || !historyAllows.test(summaries(table))) {
            LOG.info(
                    "The Iceberg table {} did not go on from {} by its engine's commits alone: {} is not recorded",
                    id,
                    over,
                    summary);
            return false;
        }
        // No files: the rows are the engine's commit's. A writer in between makes the catalog refuse this commit.
        var append = table.newAppend();
        summary.forEach(append::set);
        beforeCommit.run();
        try {
            append.commit();
        } catch (CommitFailedException | ValidationException e) {
            throw new CommitFailedException(
                    e,
                    "The Iceberg table %s changed after this writer read it (another writer committed): %s is not"
                            + " recorded",
                    id,
                    summary);
        }
        LOG.info("Recorded {} in the Iceberg table {} over the rows its engine committed", summary, id);
        expire(keep);
        return true;
    }

    /**
     * The table as the catalog holds it now, if it exists. Loaded once, then refreshed: a refresh asks the catalog for
     * the table's metadata location (one GetTable in Glue) and reads the metadata again only when another commit moved
     * it, where every load read and parsed it (a build asks eight to ten times).
     */
    private Optional<Table> load() {
        try {
            if (loaded != null) {
                try {
                    loaded.refresh();
                    return Optional.of(loaded);
                } catch (IllegalStateException | org.apache.iceberg.exceptions.ValidationException replaced) {
                    // Another table under the same name (dropped and created again: its UUID differs): load it.
                    LOG.info(
                            "The Iceberg table {} was created anew since it was loaded: {}", id, replaced.getMessage());
                    loaded = null;
                }
            }
            loaded = catalog.loadTable(id);
            return Optional.of(loaded);
        } catch (NoSuchTableException e) {
            loaded = null;
            return Optional.empty();
        }
    }

    /**
     * Replaces the table's rows with {@code parts} in one commit whose summary holds {@code summary} (creating the
     * table first if needed), then expires commits beyond the newest {@code keep} publishes. One publish runs at a
     * time in this JVM; a writer that lost the race to create the table publishes again on the table the other
     * created. With {@code buckets > 0} the table is partitioned by {@code bucket[buckets](_key)}: each part holds the
     * rows of its {@link Part#bucket}, so a reader looking for a key reads only its bucket's files; the partition spec
     * follows {@code buckets} (Iceberg's partition evolution), and a publish that changes it names every file anew.
     *
     * @param deletes Iceberg position delete files (each the rows of the parts it names, by path and position, that no
     *     longer hold) in the buckets of their {@link Part#bucket}: a reader reads the parts without those rows
     *     (merge-on-read); a delete file the table holds and {@code deletes} does not name is removed with the commit,
     *     as a part is
     * @param supersedes whether this publish replaces what the current commit (its summary) holds
     * @param historyAllows whether the summaries of every commit the table keeps (current or not: a rollback leaves
     *     later ones in its history), read from the same metadata the commit is made on, allow it
     * @param fieldIds the Iceberg field ids the parts were written with ({@link #fieldIds}), empty when none: the
     *     commit is refused with an exception when the table's schema, evolved in it, gives any of those columns
     *     another id (the table changed since the parts were written, and they would read another column's values)
     * @return false when {@code supersedes} or {@code historyAllows} refuses (a retried, late or outrun publish): the
     *     table is left as it is
     * @throws CommitFailedException when another writer committed between the check and this commit
     */
    public synchronized boolean replace(
            SnapshotSchema schema,
            List<Part> parts,
            List<Part> deletes,
            int buckets,
            Map<String, String> summary,
            int keep,
            Predicate<Map<String, String>> supersedes,
            Predicate<List<Map<String, String>>> historyAllows,
            Map<String, Integer> fieldIds) {
        Schema wanted = icebergSchema(schema);
        requireBuckets(parts, deletes, buckets);
        Table existing = load().orElse(null);
        boolean creating = existing == null;
        Transaction tx;
        Snapshot base = null;
        if (creating) {
            ensureNamespace();
            try {
                tx = catalog.buildTable(id, wanted)
                        .withPartitionSpec(spec(wanted, buckets))
                        .withLocation(location)
                        .withProperties(Map.of(
                                TableProperties.FORMAT_VERSION, "2",
                                TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
                                TableProperties.PARQUET_COMPRESSION, "zstd"))
                        .createTransaction();
            } catch (AlreadyExistsException e) {
                // another writer created it
                return replace(schema, parts, deletes, buckets, summary, keep, supersedes, historyAllows, fieldIds);
            }
        } else {
            base = existing.currentSnapshot();
            List<Map<String, String>> history = summaries(existing);
            if ((base != null && !supersedes.test(base.summary())) || !historyAllows.test(history)) {
                LOG.info(
                        "The Iceberg table {} already holds {}: {} is not committed",
                        id,
                        base == null ? history : base.summary(),
                        summary);
                return false;
            }
            tx = existing.newTransaction();
            evolve(tx, existing.schema(), wanted, true);
        }
        requireFieldIds(tx, fieldIds, summary);
        boolean respecified = !creating && repartition(tx, buckets);
        tx.updateProperties()
                .set(
                        TableProperties.DEFAULT_NAME_MAPPING,
                        NameMappingParser.toJson(MappingUtil.create(tx.table().schema())))
                .set(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, Integer.toString(keep + 10))
                // No retry on top of a commit another writer made: this publish was decided on what it read.
                .set(TableProperties.COMMIT_NUM_RETRIES, "0")
                .commit();
        FileChanges files = new FileChanges(
                parts,
                deletes,
                base == null ? Map.of() : dataFiles(existing, base),
                base == null ? Map.of() : deleteFiles(existing, base),
                respecified);
        SnapshotUpdate<?> update =
                files.deletes().isEmpty() && files.heldDeletes().isEmpty()
                        ? files.overwrite(tx, base)
                        : files.rowDelta(tx, base);
        summary.forEach(update::set);
        beforeCommit.run();
        try {
            update.commit();
            tx.commitTransaction();
        } catch (CommitFailedException | ValidationException | AlreadyExistsException e) {
            if (creating && catalog.tableExists(id)) {
                // another writer created it
                return replace(schema, parts, deletes, buckets, summary, keep, supersedes, historyAllows, fieldIds);
            }
            throw new CommitFailedException(
                    e,
                    "The Iceberg table %s changed after this writer read it (another writer committed): %s is not"
                            + " committed",
                    id,
                    summary);
        }
        LOG.info(
                "Committed {} to the Iceberg table {} ({} parts, {} delete files, {} files new, {} rows)",
                summary,
                id,
                parts.size(),
                deletes.size(),
                files.added(),
                parts.stream().mapToLong(Part::rows).sum()
                        - deletes.stream().mapToLong(Part::rows).sum());
        expire(keep);
        return true;
    }

    private static void requireBuckets(List<Part> parts, List<Part> deletes, int buckets) {
        Optional<Part> unbucketed = buckets > 0
                ? java.util.stream.Stream.concat(parts.stream(), deletes.stream())
                        .filter(p -> p.bucket() < 0 || p.bucket() >= buckets)
                        .findFirst()
                : Optional.empty();
        if (unbucketed.isPresent()) {
            throw new IllegalArgumentException(
                    "Every part of a table of " + buckets + " buckets needs its bucket: " + unbucketed.get());
        }
    }

    private void requireFieldIds(Transaction tx, Map<String, Integer> fieldIds, Map<String, String> summary) {
        for (var e : fieldIds.entrySet()) {
            Types.NestedField f = tx.table().schema().findField(e.getKey());
            if (f == null || f.fieldId() != e.getValue()) {
                throw new FieldIdsChangedException("The Iceberg table " + id + " changed after the parts of "
                        + summary + " were written: their column " + e.getKey() + " has the field id " + e.getValue()
                        + ", the table gives it " + (f == null ? "none" : f.fieldId())
                        + "; nothing is committed, the parts must be written anew");
            }
        }
    }

    /**
     * Registers an empty table {@code staging} at {@code location} for an engine to write a version's rows into
     * (Athena's INSERT INTO): its columns carry the field ids, and its partitioning the buckets, that this table has
     * once a {@link #replace} with {@code schema} and {@code buckets} evolves it. An engine writes Iceberg's field ids
     * into its Parquet files and readers match columns by them, so the files read right here once {@link #replace}
     * commits them. A staging table an earlier attempt left is dropped first (its files are its folder's).
     */
    public synchronized void stage(TableIdentifier staging, String location, SnapshotSchema schema, int buckets) {
        Schema target = evolved(schema);
        unstage(staging);
        ensureNamespace(staging.namespace());
        // Iceberg gives a new table fresh ids; the target's are set on it as its current schema, then its spec.
        Table created = catalog.buildTable(staging, target)
                .withLocation(location)
                .withProperties(Map.of(
                        TableProperties.FORMAT_VERSION,
                        "2",
                        TableProperties.PARQUET_COMPRESSION,
                        "zstd",
                        "dynamo-lake.staging-for",
                        id.toString()))
                .create();
        org.apache.iceberg.TableOperations ops = ((org.apache.iceberg.HasTableOperations) created).operations();
        org.apache.iceberg.TableMetadata base = ops.current();
        ops.commit(
                base,
                org.apache.iceberg.TableMetadata.buildFrom(base)
                        .setCurrentSchema(target, Math.max(target.highestFieldId(), base.lastColumnId()))
                        .setDefaultPartitionSpec(spec(target, buckets))
                        .build());
        LOG.info("Staged the Iceberg table {} at {} for the rows of {}", staging, location, id);
    }

    /**
     * The Iceberg field id each column of {@code schema} has once a {@link #replace} with it evolves the table as it
     * is now: what a part written for that replace carries in its Parquet schema.
     */
    public synchronized Map<String, Integer> fieldIds(SnapshotSchema schema) {
        Schema target = evolved(schema);
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (SnapshotColumn c : schema.columns()) {
            out.put(c.name(), target.findField(c.name()).fieldId());
        }
        return out;
    }

    /** The schema a {@link #replace} with {@code schema} gives the table now, its column ids included. */
    private Schema evolved(SnapshotSchema schema) {
        Schema wanted = icebergSchema(schema);
        Table existing = load().orElse(null);
        if (existing == null) {
            return wanted; // a new table's ids: 1.. in column order, as Iceberg assigns them
        }
        // Read from a transaction that is never committed.
        Transaction preview = existing.newTransaction();
        evolve(preview, existing.schema(), wanted, false);
        return preview.table().schema();
    }

    /**
     * The data files an engine wrote into the staging table, as parts of this table (each with its bucket where the
     * staging table has buckets); then drops the staging table from the catalog, leaving its files.
     *
     * @throws IllegalStateException when a {@link #replace} with {@code schema} would now give a column another id
     *     than the staged table had (this table changed since it was staged): its files would read wrong here
     */
    public synchronized List<Part> unstageParts(TableIdentifier staging, SnapshotSchema schema) {
        Table table = catalog.loadTable(staging);
        Schema target = evolved(schema);
        for (SnapshotColumn c : schema.columns()) {
            Types.NestedField staged = table.schema().findField(c.name());
            Types.NestedField here = target.findField(c.name());
            if (staged == null || here == null || staged.fieldId() != here.fieldId()) {
                unstage(staging);
                throw new IllegalStateException("The Iceberg table " + id + " changed after " + staging + " was staged:"
                        + " the column " + c.name() + " would read another column's values; the next run writes anew");
            }
        }
        List<Part> out = new ArrayList<>();
        boolean bucketed = table.spec().isPartitioned();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            for (FileScanTask task : tasks) {
                DataFile f = task.file();
                if (!task.deletes().isEmpty()) {
                    throw new IllegalStateException("The staging table " + staging + " holds row-level deletes");
                }
                out.add(new Part(
                        f.location(),
                        f.fileSizeInBytes(),
                        f.recordCount(),
                        bucketed ? f.partition().get(0, Integer.class) : -1));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        unstage(staging);
        return out;
    }

    /** Drops a staging table from the catalog, if it is there; its files stay. */
    public void unstage(TableIdentifier staging) {
        if (catalog.tableExists(staging)) {
            catalog.dropTable(staging, false);
        }
    }

    /** The partition spec of a table of {@code buckets} buckets of the key (0: none). */
    static PartitionSpec spec(Schema schema, int buckets) {
        return buckets > 0
                ? PartitionSpec.builderFor(schema)
                        .bucket(BUCKET_SOURCE, buckets, BUCKET_FIELD)
                        .build()
                : PartitionSpec.unpartitioned();
    }

    /**
     * Brings the table's partition spec to {@code buckets} buckets of the key (0: none), in the transaction.
     *
     * @return whether the spec changed
     */
    private static boolean repartition(Transaction tx, int buckets) {
        PartitionSpec current = tx.table().spec();
        PartitionSpec wanted = spec(tx.table().schema(), buckets);
        if (samePartitions(current, wanted)) {
            return false;
        }
        var update = tx.updateSpec();
        current.fields().forEach(f -> update.removeField(f.name()));
        if (buckets > 0) {
            // Under the one name, whatever the count: without it Iceberg names a new count's field _key_bucket_<n>.
            update.addField(BUCKET_FIELD, Expressions.bucket(BUCKET_SOURCE, buckets));
        }
        update.commit();
        LOG.info("The Iceberg table's partitioning is now {}", tx.table().spec());
        return true;
    }

    /** Whether two specs partition by the same transforms of the same columns, whatever their fields' names. */
    private static boolean samePartitions(PartitionSpec a, PartitionSpec b) {
        if (a.fields().size() != b.fields().size()) {
            return false;
        }
        for (int i = 0; i < a.fields().size(); i++) {
            var x = a.fields().get(i);
            var y = b.fields().get(i);
            if (x.sourceId() != y.sourceId()
                    || !x.transform().toString().equals(y.transform().toString())) {
                return false;
            }
        }
        return true;
    }

    static DataFile dataFile(PartitionSpec spec, Part p) {
        DataFiles.Builder file = DataFiles.builder(spec);
        if (spec.isPartitioned()) {
            file.withPartitionValues(List.of(Integer.toString(p.bucket())));
        }
        return file.withPath(p.uri())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(p.bytes())
                .withRecordCount(p.rows())
                .build();
    }

    /** The delete files a commit lists as live, by path (whether or not a data file they name is still live). */
    private static Map<String, DeleteFile> deleteFiles(Table table, Snapshot snapshot) {
        Map<String, DeleteFile> out = new java.util.HashMap<>();
        for (org.apache.iceberg.ManifestFile m : snapshot.deleteManifests(table.io())) {
            try (var files = org.apache.iceberg.ManifestFiles.readDeleteManifest(m, table.io(), table.specs())) {
                files.forEach(f -> out.put(f.location(), f.copyWithoutStats()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The data files of a commit, by path. */
    private static Map<String, DataFile> dataFiles(Table table, Snapshot snapshot) {
        Map<String, DataFile> out = new java.util.HashMap<>();
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
            tasks.forEach(t -> out.put(t.file().location(), t.file()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private void ensureNamespace() {
        ensureNamespace(id.namespace());
    }

    private void ensureNamespace(Namespace namespace) {
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(namespace)) {
            try {
                namespaces.createNamespace(namespace);
                LOG.info("Created the catalog namespace {}", namespace);
            } catch (AlreadyExistsException e) {
                // another writer created it meanwhile
            }
        }
    }

    /**
     * Brings the table's schema to the wanted one: a column whose name now differs only in case is renamed (Athena,
     * Trino and Glue fold case, so two such columns would make the table unreadable), new columns are added, promotable
     * types widened, other type changes replaced by a new column.
     */
    private static void evolve(Transaction tx, Schema current, Schema wanted, boolean log) {
        Map<String, String> renamed = new java.util.TreeMap<>();
        for (Types.NestedField f : wanted.columns()) {
            Types.NestedField old = current.caseInsensitiveFindField(f.name());
            if (current.findField(f.name()) == null && old != null) {
                renamed.put(old.name(), f.name());
            }
        }
        if (!renamed.isEmpty()) {
            var rename = tx.updateSchema();
            renamed.forEach(rename::renameColumn);
            rename.commit();
            if (log) {
                LOG.info("Columns renamed to the attributes' new spelling: {}", renamed);
            }
            current = tx.table().schema();
        }
        List<String> replaced = new ArrayList<>();
        for (Types.NestedField f : wanted.columns()) {
            Types.NestedField old = current.findField(f.name());
            if (old != null && !old.type().equals(f.type()) && !promotable(old.type(), f.type())) {
                replaced.add(f.name());
            }
        }
        if (!replaced.isEmpty()) {
            var drop = tx.updateSchema();
            replaced.forEach(drop::deleteColumn);
            drop.commit();
            if (log) {
                LOG.warn(
                        "Columns {} changed type; they are replaced by columns of the new type (every value is still"
                                + " in _item)",
                        replaced);
            }
        }
        tx.updateSchema().unionByNameWith(wanted).commit();
    }

    private static boolean promotable(Type from, Type to) {
        return from.isPrimitiveType()
                && to.isPrimitiveType()
                && TypeUtil.isPromotionAllowed(from, to.asPrimitiveType());
    }

    /** The Iceberg schema of the lake's columns, ids from 1 in column order (a new table's; evolve keeps ids). */
    public static Schema icebergSchema(SnapshotSchema schema) {
        List<Types.NestedField> fields = new ArrayList<>();
        int id = 1;
        for (SnapshotColumn c : schema.columns()) {
            fields.add(Types.NestedField.optional(id++, c.name(), type(c)));
        }
        return new Schema(fields);
    }

    static Type type(SnapshotColumn c) {
        return switch (c.type()) {
            case STRING, JSON -> Types.StringType.get();
            case INT64 -> Types.LongType.get();
            case DECIMAL -> Types.DecimalType.of(38, c.scale());
            case DOUBLE -> Types.DoubleType.get();
            case BOOLEAN -> Types.BooleanType.get();
            case BINARY -> Types.BinaryType.get();
            case TIMESTAMP -> Types.TimestampType.withZone();
        };
    }

    /**
     * Expires every commit but those of the current line down to the {@code keep}-th newest that publishes (whose
     * summary is the project's) and those a branch or tag names: {@code keep} counts what was published, not the
     * commits an engine makes between publishes (Athena's MERGE INTO under the commit that records its version, which
     * reads the same rows). Commits off the line (those a rollback left) expire with the rest.
     */
    private void expire(int keep) {
        Table table = load().orElseThrow(() -> new NoSuchTableException("Table does not exist: %s", id));
        java.util.Set<Long> kept = new java.util.HashSet<>();
        int published = 0;
        for (Snapshot s = table.currentSnapshot(); s != null; s = parent(table, s)) {
            kept.add(s.snapshotId());
            if (publishes(s) && ++published == keep) {
                break;
            }
        }
        table.refs().values().forEach(ref -> kept.add(ref.snapshotId()));
        List<Long> expired = new ArrayList<>();
        table.snapshots().forEach(s -> {
            if (!kept.contains(s.snapshotId())) {
                expired.add(s.snapshotId());
            }
        });
        if (expired.isEmpty()) {
            return;
        }
        try {
            java.util.Set<String> own = ownFiles(table);
            // Metadata only: the data files are the lake's, deleted by its own retention once no kept commit reads
            // them (Iceberg's incremental cleanup would delete a path an expired commit removed even when a kept
            // commit added the same path again, as a view as of the same time materialised twice does).
            // Only these: without an age of 0, Iceberg's own retention (history.expire.max-snapshot-age-ms, 5 days)
            // would expire older commits of the kept line too.
            ExpireSnapshots expiry = table.expireSnapshots().expireOlderThan(0);
            expired.forEach(expiry::expireSnapshotId);
            expiry.cleanupLevel(ExpireSnapshots.CleanupLevel.METADATA_ONLY)
                    .cleanExpiredMetadata(true)
                    .commit();
            LOG.info(
                    "Expired {} commits of the Iceberg table {}: the newest {} publishes are kept",
                    expired.size(),
                    id,
                    keep);
            // But for the files an engine wrote under the table's own location (Athena's MERGE INTO): no folder of
            // the lake holds them, so those only the expired commits read go now. A file no commit has named yet (a
            // statement still running) was in neither reading, and stays.
            table.refresh();
            own.removeAll(ownFiles(table));
            if (!own.isEmpty()) {
                if (table.io() instanceof org.apache.iceberg.io.SupportsBulkOperations bulk) {
                    bulk.deleteFiles(own);
                } else {
                    own.forEach(table.io()::deleteFile);
                }
                LOG.info("Deleted {} files under {} that only the expired commits read", own.size(), table.location());
            }
        } catch (RuntimeException e) {
            // The publish has landed; the next one expires these commits too.
            LOG.warn(
                    "Could not expire old commits of the Iceberg table {} ({}); the next publish will",
                    id,
                    e.toString());
        }
    }
}
