package views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import lake.LakeLayout;
import lake.LakeStore;
import lake.SchemaDiscovery;
import lake.SnapshotColumn;
import lake.SnapshotSchema;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import views.BucketWriter.Part;
import views.ViewLake.Snapshot;

/**
 * Builds the table's views from the lake: the current view ({@code current/<version>-<attempt>/}, published by a
 * commit of the Iceberg table {@code <table>_current}) from the published snapshot and every delta after it, and the view as of a time
 * ({@code views/asof=<time>/}) from the latest snapshot at or before that time and the deltas up to it.
 *
 * <p>The deltas are read here, line by line: their keys, sequence numbers and times into an embedded DuckDB database
 * (on disk, with a memory limit, so it spills), their images into a local {@link ItemSpill}; DuckDB runs the merge of
 * {@link ViewSql}; the winners stream back ordered by bucket and are written as Parquet files per bucket (rolling at
 * the target file size) with the snapshot's columns, widened by what the deltas brought, and {@code _seq}.
 *
 * <p>A current view remembers which delta objects it applied. The next run reads only the objects after it and
 * rewrites only the buckets their keys fall in (the others stay where they are: the commit names them there), unless the snapshot or the schema changed,
 * which rebuilds every bucket. Runs are serialised; a run that dies leaves the published view as it was.
 */
public final class ViewBuilder implements Views {
    private static final Logger LOG = LoggerFactory.getLogger(ViewBuilder.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The state's {@code engine}: a view Athena built is rebuilt here, not patched (its parts have no buckets). */
    static final String ENGINE = "duckdb";

    /**
     * The state's {@code bucketing}: keys fall in buckets by Iceberg's bucket transform. A version of an earlier
     * release (buckets by MD5, no such field) is rebuilt, not patched: its buckets hold other keys.
     */
    static final String BUCKETING = "iceberg-bucket";

    /**
     * The state's {@code bucketing} when the version has position delete files: a release before them reads that
     * state's parts as all live (and would patch them so), so it must not take the state as one it can patch; it
     * rebuilds instead. This release takes both values.
     */
    static final String BUCKETING_PATCHED = BUCKETING + "+position-deletes";

    /**
     * Added to the state's {@code bucketing} by the releases that keep a version's tombstones in several files
     * ({@code tombstones.files}): a release before them reads only {@code tombstones.key}, would find no tombstone and
     * let a late change bring a deleted key back, so it must not take the state as one it can patch either.
     */
    static final String TOMBSTONE_FILES = "+tombstone-files";

    /**
     * Whether a state's {@code bucketing} is one of Iceberg's buckets: {@link #BUCKETING} or {@link
     * #BUCKETING_PATCHED}, with {@link #TOMBSTONE_FILES} or without.
     */
    static boolean icebergBuckets(JsonNode state) {
        String bucketing = state.path("bucketing").asText();
        if (bucketing.endsWith(TOMBSTONE_FILES)) {
            bucketing = bucketing.substring(0, bucketing.length() - TOMBSTONE_FILES.length());
        }
        return bucketing.equals(BUCKETING) || bucketing.equals(BUCKETING_PATCHED);
    }

    /**
     * @param buckets how many parts the current view has; a key's part is a hash of it
     * @param keep how many versions of the current view stay in the lake (at least 1)
     * @param replayMargin deltas are read from this long before the snapshot's export time (clocks differ)
     * @param lateWindow how long a run names the delta objects it applied (those last modified within it of its
     *     listing), and how far past T plus the stream's retention the view as of T reads hour folders
     * @param memoryLimit DuckDB's memory limit, for example {@code 1GB}; beyond it DuckDB spills to the work folder
     * @param threads DuckDB's threads
     * @param workDir where DuckDB's database and the parts being written live during a run
     * @param asOfLag the view as of a time is built for times up to now less this (deltas still being buffered)
     * @param targetFileBytes a bucket's rows roll to a new file once one reaches this size ({@code
     *     lake.target-file-size})
     */
    public record Options(
            int buckets,
            int keep,
            Duration replayMargin,
            Duration lateWindow,
            String memoryLimit,
            int threads,
            Path workDir,
            String codec,
            long rowGroupBytes,
            long targetFileBytes,
            int maxTypedColumns,
            Duration asOfLag,
            int maxPatches,
            int maxDeletedPercent) {}

    private final LakeStore lake;
    private final LakeLayout layout;
    private final String tableName;
    private final Options options;
    private final Clock clock;
    private final BuildGate gate;
    private final ViewLake views;
    private final ViewCatalog catalog;
    private final PartCache cache;
    private final DeltaIntake deltaIntake;
    private final BucketWriter writer;
    private final java.util.concurrent.atomic.AtomicLong downloads = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param replicas keeps other replicas from building the views of the table at the same time
     * @param catalog where each version of the current view is published: its Iceberg table {@code <table>_current}
     * @param deltas where the changes come from: the stream's deltas or the incremental exports'
     */
    public ViewBuilder(
            LakeStore lake,
            LakeLayout layout,
            String tableName,
            Options options,
            Clock clock,
            ViewLock replicas,
            ViewCatalog catalog,
            DeltaSource deltas) {
        this.lake = lake;
        this.layout = layout;
        this.tableName = tableName;
        this.options = options;
        this.clock = clock;
        this.gate = new BuildGate(replicas, tableName);
        this.views = new ViewLake(lake, layout, tableName, clock, deltas, catalog);
        this.catalog = catalog;
        this.cache = new PartCache(options.workDir().resolve("parts-" + tableName), lake.uri(""));
        this.deltaIntake = new DeltaIntake(lake, layout, options.threads(), options.buckets());
        this.writer = new BucketWriter(options, tableName);
    }

    @Override
    public Optional<JsonNode> current() {
        return views.published();
    }

    // ---- the current view ----------------------------------------------------------------------------------------

    @Override
    public Optional<Result> compact() throws Exception {
        return build(false);
    }

    @Override
    public Optional<Result> rebuild() throws Exception {
        return build(true);
    }

    private Optional<Result> build(boolean rebuild) throws Exception {
        return gate.exclusive(lock -> compactLocked(rebuild, lock));
    }

    private Optional<Result> compactLocked(boolean rebuild, ViewLock.Held lock) throws Exception {
        long p0 = System.nanoTime();
        Optional<ViewLake.Plan> planned = views.plan(
                rebuild,
                p -> p.path("buckets").asInt() == options.buckets()
                        && p.path("engine").asText(ENGINE).equals(ENGINE)
                        && icebergBuckets(p),
                options.replayMargin(),
                options.lateWindow());
        if (planned.isEmpty()) {
            return Optional.empty();
        }
        ViewLake.Plan plan = planned.get();
        Version next = new Version(views.nextVersion(plan), LakeLayout.newAttempt());
        Path work = freshWorkDir("view-" + next.number());
        // A full build's base is the snapshot's parts: fetched while the deltas are read.
        java.util.concurrent.ExecutorService fetching = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<List<String>> snapshotParts = plan.incremental()
                ? null
                : fetching.submit(() -> downloadAll(plan.snapshot().parts(), work));
        fetching.shutdown();
        try (Connection db = open(work);
                ItemSpill spill = new ItemSpill(work.resolve("images.bin"))) {
            long t0 = System.nanoTime();
            DeltaIntake.Read intake = deltaIntake.read(
                    db, spill, plan.objects(), null, plan.snapshot().schema(), work);
            List<JsonNode> tombstoneFiles =
                    plan.incremental() ? tombstoneFiles(plan.previous().get()) : List.of();
            Map<String, Path> fetched = new java.util.concurrent.ConcurrentHashMap<>(); // of the published version
            List<String> previousTombstones = downloadTombstones(tombstoneFiles, work, fetched);
            long t1 = System.nanoTime();
            Columns columns = columns(plan, intake);
            Merged merged = merge(db, spill, plan, columns, previousTombstones, tombstoneFiles, work, snapshotParts);
            fetched.putAll(merged.fetched());
            Tombstones tombstones = tombstones(db, work, next, tombstoneFiles, merged.addTombstones());
            long t2 = System.nanoTime();
            // Upload the rewritten buckets and the patches, name the others' files where they are, then publish. Into
            // this attempt's own folders: another replica may build the same version number, and the catalog's
            // commit decides whose it is. A replica that lost the lease stops before the writes all the same: it
            // would only write files nobody reads.
            VersionFiles files = assemble(plan, columns, merged, next, work, tombstones);
            int rewritten = columns.patchable(plan) ? merged.written().size() : options.buckets();

            // The uploads side by side, after one more check of the lease: each is a round trip to the store.
            lock.confirm();
            Parallel.inParallel(files.puts());
            ObjectNode state = state(plan, next, columns, intake, files, tombstones);
            lock.confirm();
            long t3 = System.nanoTime();
            views.publish(state, columns.schema(), next.attempt(), plan.previous());
            long t4 = System.nanoTime();
            keep(state, files.uploaded(), fetched);
            LOG.debug(
                    "Uploaded {} files in {} ms, committed in {} ms, kept the next run's reads in {} ms",
                    files.puts().size(),
                    (t3 - t2) / 1_000_000,
                    (t4 - t3) / 1_000_000,
                    (System.nanoTime() - t4) / 1_000_000);
            LOG.info(
                    "Published current view {} of {} ({}): {} items in {} parts and {} delete files, {} of {} buckets"
                            + " rewritten and {} patched, {} changes from {} delta objects, at {} (planned in {} ms,"
                            + " deltas read in {} ms, merged and written in {} ms, published in {} ms)",
                    next.number(),
                    tableName,
                    state.path("mode").asText(),
                    files.items(),
                    files.parts().size(),
                    files.deletes().size(),
                    rewritten,
                    options.buckets(),
                    merged.patches().size(),
                    intake.changes(),
                    plan.objects().size(),
                    state.path("location").asText(),
                    (t0 - p0) / 1_000_000,
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000,
                    (System.nanoTime() - t2) / 1_000_000);
            views.expireVersions(state, options.keep());
            return Optional.of(new Result(
                    state.path("location").asText(),
                    next.number(),
                    state.path("mode").asText(),
                    files.items(),
                    rewritten,
                    merged.patches().size(),
                    intake.changes()));
        } finally {
            // Never in place of the build's own outcome: a fetch that is still running is stopped, the folder goes.
            if (snapshotParts != null) {
                snapshotParts.cancel(true);
            }
            try {
                Parallel.stopAll(fetching);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                deleteTree(work);
            } catch (UncheckedIOException e) {
                LOG.warn("Could not empty the work folder {}: {}", work, e.toString());
            }
        }
    }

    /** The version a run builds: its number, and the attempt that names its own folders. */
    private record Version(long number, String attempt) {}

    /**
     * The columns of the version a run builds: the base's schema ({@code before}) widened by what the changes brought,
     * the discovery behind it, and the column ids the table gives them.
     *
     * @param baseDiscovery what the base's items hold, before the changes are added to it (null: nothing known)
     * @param renumbered the table gives a column another id than the published version's parts carry (a column
     *     dropped from the table by hand and added back): every bucket is written anew
     */
    private record Columns(
            SnapshotSchema before,
            SnapshotSchema schema,
            SchemaDiscovery discovery,
            SchemaDiscovery baseDiscovery,
            Map<String, Integer> fieldIds,
            boolean widened,
            boolean renumbered) {
        /** Whether the run may keep the published version's buckets and patch the changed ones. */
        boolean patchable(ViewLake.Plan plan) {
            return plan.incremental() && !widened && !renumbered;
        }
    }

    private Columns columns(ViewLake.Plan plan, DeltaIntake.Read intake) {
        Optional<JsonNode> previous = plan.previous();
        SnapshotSchema before = plan.incremental()
                ? SnapshotSchema.fromJson(previous.get().path("schema"))
                : plan.snapshot().schema().withSequence();
        SchemaDiscovery discovery = plan.incremental()
                ? SchemaDiscovery.fromJson(previous.get().path("discovery"))
                : plan.snapshot().discovery();
        SchemaDiscovery baseDiscovery = discovery.items() > 0 ? SchemaDiscovery.fromJson(discovery.toJson()) : null;
        discovery.merge(intake.discovery());
        SnapshotSchema schema = discovery.widen(before, options.maxTypedColumns());
        // The column ids the table will have for this schema, written into every part: Iceberg readers match
        // columns by them (time travel reads a column dropped and added again right); the commit checks them.
        Map<String, Integer> fieldIds = catalog.currentFieldIds(schema);
        // Parts a patch keeps carry the previous version's ids.
        Map<String, Integer> previousIds =
                previous.map(p -> ViewCatalog.fieldIds(p.path("fieldIds"))).orElse(Map.of());
        return new Columns(
                before,
                schema,
                discovery,
                baseDiscovery,
                fieldIds,
                !schema.version().equals(before.version()),
                plan.incremental() && !previousIds.isEmpty() && !previousIds.equals(fieldIds));
    }

    /**
     * What a run merged: the buckets written anew (all their parts), the buckets patched (files added beside their
     * parts), the published version's files it fetched, and whether its tombstones go beside the published ones.
     */
    private record Merged(
            Map<Integer, List<Part>> written,
            Map<Integer, Patch> patches,
            Map<String, Path> fetched,
            boolean addTombstones) {}

    /**
     * The merge: the changed buckets patched (or, once one has gathered enough patches, rewritten), or every bucket
     * rebuilt from the base (the snapshot, or the current view when the schema widened or the columns were
     * renumbered).
     */
    private Merged merge(
            Connection db,
            ItemSpill spill,
            ViewLake.Plan plan,
            Columns columns,
            List<String> previousTombstones,
            List<JsonNode> tombstoneFiles,
            Path work,
            java.util.concurrent.Future<List<String>> snapshotParts)
            throws Exception {
        long t1 = System.nanoTime();
        String changes = ViewSql.inWindow("changes", ViewSql.duckDbTime(plan.since()), null);
        Map<Integer, List<JsonNode>> previousParts = byBucket(plan.previous(), "parts");
        Map<Integer, List<JsonNode>> previousDeletes = byBucket(plan.previous(), "deletes");
        if (columns.patchable(plan)) {
            // A patch adds a file of its own deletes beside the published tombstones, until there are enough of them
            // to merge into one again: rewriting every tombstone took a sixth of an incremental run.
            boolean addTombstones = tombstoneFiles.size() < MAX_TOMBSTONE_FILES;
            // The changed buckets' rows stay as they are but for the keys whose changes win: each bucket is patched
            // (the winning changes in a new file, the rows they replace in a position delete file) or, once it has
            // gathered enough of those, rewritten.
            boolean mergeOnRead = mergesOnRead(columns.before()) && catalog.takesPositionDeletes();
            List<Integer> counts = patchCounts(plan.previous().get());
            Set<Integer> changed = changedBuckets(db);
            // A bucket that will be rewritten whatever its changes is fetched whole at once.
            Set<Integer> whole = new java.util.TreeSet<>();
            for (int b : changed) {
                if (!mergeOnRead || (b < counts.size() ? counts.get(b) : 0) >= options.maxPatches()) {
                    whole.add(b);
                }
            }
            Held held = downloadHeld(previousParts, previousDeletes, changed, work, whole);
            LOG.debug("Downloaded {} parts in {} ms", held.size(), (System.nanoTime() - t1) / 1_000_000);
            Patched patched = patchBuckets(
                    db,
                    spill,
                    held,
                    columns.schema(),
                    columns.fieldIds(),
                    plan.snapshot(),
                    work,
                    changes,
                    previousTombstones,
                    addTombstones,
                    counts,
                    mergeOnRead);
            return new Merged(patched.rewritten(), patched.patches(), held.fetched(), addTombstones);
        }
        Set<Integer> all = new java.util.TreeSet<>();
        for (int b = 0; b < options.buckets(); b++) {
            all.add(b);
        }
        List<String> baseFiles = plan.incremental()
                ? liveFiles(db, downloadHeld(previousParts, previousDeletes, all, work, all), work)
                : Parallel.await(snapshotParts);
        LOG.debug("Downloaded {} base parts in {} ms", baseFiles.size(), (System.nanoTime() - t1) / 1_000_000);
        Map<Integer, List<Part>> written = writer.rebuild(
                db,
                spill,
                new BucketWriter.Base(
                        baseFiles,
                        plan.incremental(),
                        plan.incremental() ? columns.before() : plan.snapshot().schema(),
                        columns.baseDiscovery()),
                ViewSql.duckDbTombstones(previousTombstones),
                changes,
                columns.schema(),
                columns.fieldIds(),
                plan.snapshot(),
                work,
                true);
        return new Merged(written, Map.of(), Map.of(), false); // a rebuild's tombstones are all in one file
    }

    /**
     * The version's tombstone files: the published ones and this run's (when it adds beside them), or this run's
     * alone; {@code written} is the key of this run's file, {@code tombstones.parquet} in the work folder (null when
     * it adds none).
     */
    private record Tombstones(ArrayNode files, String written) {}

    private Tombstones tombstones(
            Connection db, Path work, Version next, List<JsonNode> published, boolean addTombstones)
            throws SQLException {
        long rows = writeTombstones(db, work);
        ArrayNode files = JSON.createArrayNode();
        if (addTombstones) {
            published.forEach(f -> files.add(f.deepCopy()));
        }
        String written = null;
        if (!addTombstones || rows > 0) {
            written = layout.currentTombstones(next.number(), next.attempt()) + "tombstones.parquet";
            files.addObject().put("key", written).put("rows", rows);
        }
        return new Tombstones(files, written);
    }

    /**
     * The files a version names, with what must be uploaded for it: the rewritten buckets' parts, the patched buckets'
     * earlier files and their patches, the unchanged buckets' earlier files, and this run's tombstone file.
     */
    private record VersionFiles(
            ArrayNode parts,
            ArrayNode deletes,
            ArrayNode patchCounts,
            long items,
            List<java.util.concurrent.Callable<Void>> puts,
            Map<String, Path> uploaded) {}

    private VersionFiles assemble(
            ViewLake.Plan plan, Columns columns, Merged merged, Version next, Path work, Tombstones tombstones) {
        List<java.util.concurrent.Callable<Void>> puts = new ArrayList<>();
        Map<String, Path> uploaded = new java.util.HashMap<>();
        if (tombstones.written() != null) {
            String key = tombstones.written();
            puts.add(() -> {
                lake.putFile(key, work.resolve("tombstones.parquet"));
                return null;
            });
            uploaded.put(key, work.resolve("tombstones.parquet"));
        }
        Map<Integer, List<JsonNode>> previousParts = byBucket(plan.previous(), "parts");
        Map<Integer, List<JsonNode>> previousDeletes = byBucket(plan.previous(), "deletes");
        ArrayNode parts = JSON.createArrayNode();
        ArrayNode deletes = JSON.createArrayNode();
        ArrayNode patchCounts = JSON.createArrayNode();
        long items = 0;
        List<Integer> previousCounts =
                plan.previous().map(ViewBuilder::patchCounts).orElse(List.of());
        for (int b = 0; b < options.buckets(); b++) {
            int n = 0;
            if (merged.written().containsKey(b) || !columns.patchable(plan)) {
                for (Part part : merged.written().getOrDefault(b, List.of())) {
                    if (part.rows() == 0) {
                        continue;
                    }
                    String key = layout.currentPart(next.number(), next.attempt(), b, n++);
                    items += upload(puts, parts, b, key, part, uploaded);
                }
                patchCounts.add(0);
                continue;
            }
            // Unchanged, or patched: its files are named where earlier versions wrote them.
            for (JsonNode old : previousParts.getOrDefault(b, List.of())) {
                parts.add(old.deepCopy());
                items += old.path("rows").asLong();
            }
            for (JsonNode old : previousDeletes.getOrDefault(b, List.of())) {
                deletes.add(old.deepCopy());
                items -= old.path("rows").asLong();
            }
            int count = b < previousCounts.size() ? previousCounts.get(b) : 0;
            Patch patch = merged.patches().get(b);
            if (patch != null) {
                for (Part part : patch.parts()) {
                    if (part.rows() > 0) {
                        String key = layout.currentPart(next.number(), next.attempt(), b, n++);
                        items += upload(puts, parts, b, key, part, uploaded);
                    }
                }
                if (patch.deletes() != null) {
                    String key = layout.currentDeletes(next.number(), next.attempt(), b);
                    items -= upload(puts, deletes, b, key, patch.deletes(), uploaded);
                    ((ObjectNode) deletes.get(deletes.size() - 1))
                            .put("firstPart", patch.firstPart())
                            .put("lastPart", patch.lastPart());
                }
                count++;
            }
            patchCounts.add(count);
        }
        return new VersionFiles(parts, deletes, patchCounts, items, puts, uploaded);
    }

    /** The version's state, as its commit records it and the next run reads it. */
    private ObjectNode state(
            ViewLake.Plan plan,
            Version next,
            Columns columns,
            DeltaIntake.Read intake,
            VersionFiles files,
            Tombstones tombstones) {
        String mode = !plan.incremental()
                ? "full"
                : columns.widened()
                        ? "incremental, schema widened"
                        : columns.renumbered() ? "incremental, columns renumbered" : "incremental";
        ObjectNode state = JSON.createObjectNode()
                .put("table", tableName)
                .put("version", next.number())
                .put("location", lake.uri(layout.currentFolder(next.number(), next.attempt())))
                .put("engine", ENGINE)
                .put("mode", mode)
                .put("snapshot", plan.snapshot().exportId())
                .put("snapshotExportTime", plan.snapshot().exportTime().toString())
                .put("itemCount", files.items())
                .put("buckets", options.buckets())
                .put("bucketing", (files.deletes().isEmpty() ? BUCKETING : BUCKETING_PATCHED) + TOMBSTONE_FILES)
                .put("schemaVersion", columns.schema().version())
                .put("changesApplied", intake.changes())
                .put(
                        "lastChangeTime",
                        intake.lastTime() == null ? null : intake.lastTime().toString())
                .put("builtAt", plan.now().toString());
        state.set("schema", columns.schema().toJson());
        state.set("fieldIds", JSON.valueToTree(columns.fieldIds()));
        state.set("discovery", columns.discovery().toJson());
        state.set("parts", files.parts());
        state.set("deletes", files.deletes());
        state.set("patches", files.patchCounts());
        state.set("retained", views.retained(plan.previous(), options.keep()));
        state.set("deltas", views.appliedAfter(plan, options.lateWindow()));
        long tombstoneRows = 0;
        for (JsonNode f : tombstones.files()) {
            tombstoneRows += f.path("rows").asLong();
        }
        state.putObject("tombstones").put("count", tombstoneRows).set("files", tombstones.files());
        return state;
    }

    /**
     * Keeps in the {@link PartCache} what the next incremental run reads of the committed version: the key and sequence
     * columns of its parts, its delete files and its tombstone files, from the files this run uploaded or fetched;
     * every other entry goes. A failure here costs the next run a fetch, nothing more.
     */
    private void keep(JsonNode state, Map<String, Path> uploaded, Map<String, Path> fetched) {
        Set<String> parts = new HashSet<>();
        state.path("parts").forEach(p -> parts.add(p.path("key").asText()));
        Set<String> named = new HashSet<>(parts);
        state.path("deletes").forEach(d -> named.add(d.path("key").asText()));
        tombstoneFiles(state).forEach(t -> named.add(t.path("key").asText()));
        for (String key : named) {
            Path local = uploaded.getOrDefault(key, fetched.get(key));
            if (local == null || cache.get(key).isPresent()) {
                continue;
            }
            try {
                if (parts.contains(key) && uploaded.containsKey(key)) {
                    cache.putColumns(key, local); // a part this run wrote whole: its key and sequence columns
                } else {
                    cache.putFile(key, local); // the columns fetched of a part, a delete or tombstone file
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("Could not keep {} of {}'s current view for the next run: {}", key, tableName, e.toString());
            }
        }
        cache.retainOnly(named);
    }

    // ---- as of a time --------------------------------------------------------------------------------------------

    @Override
    public Result asOf(Instant time) throws Exception {
        return gate.exclusive(lock -> asOfLocked(time, lock));
    }

    @Override
    public Optional<Instant[]> availableRange() {
        return views.availableRange(options.asOfLag());
    }

    private Result asOfLocked(Instant time, ViewLock.Held lock) throws Exception {
        Optional<String> replacing = views.publishedAsOf(time);
        Snapshot snapshot = views.snapshotFor(time, options.asOfLag());
        String folder = layout.asOfFolder(time, LakeLayout.newAttempt());
        Path work = freshWorkDir("asof-" + time.toEpochMilli());
        try (Connection db = open(work);
                ItemSpill spill = new ItemSpill(work.resolve("images.bin"))) {
            String floor = views.floor(snapshot, options.replayMargin());
            DeltaIntake.Read intake = deltaIntake.read(
                    db, spill, views.deltaObjects(floor, time, options.lateWindow()), time, snapshot.schema(), work);
            SchemaDiscovery discovery = snapshot.discovery();
            // What the base's items hold, before the changes are added to it.
            SchemaDiscovery baseDiscovery = discovery.items() > 0 ? SchemaDiscovery.fromJson(discovery.toJson()) : null;
            discovery.merge(intake.discovery());
            SnapshotSchema schema = discovery.widen(snapshot.schema().withSequence(), options.maxTypedColumns());
            List<String> files = downloadAll(snapshot.parts(), work);
            String changes = ViewSql.inWindow(
                    "changes",
                    ViewSql.duckDbTime(ViewLake.since(snapshot, options.replayMargin())),
                    ViewSql.duckDbTime(time));
            Map<Integer, List<Part>> written = writer.rebuild(
                    db,
                    spill,
                    new BucketWriter.Base(files, false, snapshot.schema(), baseDiscovery),
                    ViewSql.duckDbTombstones(List.of()),
                    changes,
                    schema,
                    Map.of(),
                    snapshot,
                    work,
                    false);
            lock.confirm();
            long items = 0;
            Map<String, Long> parts = new java.util.LinkedHashMap<>();
            Map<String, Integer> bucketOf = new java.util.LinkedHashMap<>();
            for (var e : written.entrySet()) {
                int n = 0;
                for (Part part : e.getValue()) {
                    String key = folder + LakeLayout.partName(e.getKey(), n++);
                    lock.confirm();
                    lake.putFile(key, part.file());
                    parts.put(key, part.rows());
                    bucketOf.put(key, e.getKey());
                    items += part.rows();
                }
            }
            lock.confirm();
            views.publishAsOf(
                    time,
                    snapshot,
                    schema,
                    folder,
                    parts,
                    new ViewCatalog.Buckets(options.buckets(), bucketOf),
                    ENGINE,
                    replacing);
            LOG.info(
                    "Materialised {} as of {}: {} items from snapshot {} and {} changes, at {}",
                    tableName,
                    time,
                    items,
                    snapshot.exportId(),
                    intake.changes(),
                    lake.uri(folder));
            return new Result(lake.uri(folder), 0, "as of " + time, items, written.size(), 0, intake.changes());
        } finally {
            deleteTree(work);
        }
    }

    // ---- reading the deltas --------------------------------------------------------------------------------------

    private Set<Integer> changedBuckets(Connection db) throws SQLException {
        Set<Integer> out = new java.util.TreeSet<>();
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT DISTINCT _bucket FROM changes")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }

    /** The most tombstone files a version names: a patch that finds as many merges them into one. */
    public static final int MAX_TOMBSTONE_FILES = 8;

    /** The Iceberg field ids of a position delete file's columns, as Iceberg's specification reserves them. */
    private static final Map<String, Integer> POSITION_DELETE_IDS = Map.of("file_path", 2147483546, "pos", 2147483545);

    /**
     * A bucket's patch: files of its winning changes, and the position delete file of the rows they replace (null:
     * none replaced) with the first and last part (URI) it names.
     */
    private record Patch(List<Part> parts, Part deletes, String firstPart, String lastPart) {}

    /** An incremental run's buckets: those rewritten (all their parts) and those patched. */
    private record Patched(Map<Integer, List<Part>> rewritten, Map<Integer, Patch> patches) {}

    /**
     * The incremental path. The changed buckets' rows whose key has a newer change are found by their file and
     * position, less the rows earlier patches removed. A bucket is then patched: the winning changes (typed by the
     * project's writer) go to a new part, and the rows they replace to a position delete file, so no row it keeps is
     * read or written again (Iceberg's merge-on-read, as Athena's MERGE writes). A bucket whose patches reached
     * {@code views.max-patches}, or whose delete files would remove more than {@code views.max-deleted-percent} of its
     * parts' rows, is rewritten instead: DuckDB copies its live rows without the replaced keys, beside the changes.
     *
     * @param counts the patches each bucket took since it was last written anew
     * @param mergeOnRead false when every changed bucket is rewritten
     */
    private Patched patchBuckets(
            Connection db,
            ItemSpill spill,
            Held held,
            SnapshotSchema schema,
            Map<String, Integer> fieldIds,
            Snapshot snapshot,
            Path work,
            String changes,
            List<String> previousTombstones,
            boolean addTombstones,
            List<Integer> counts,
            boolean mergeOnRead)
            throws Exception {
        long f0 = System.nanoTime();
        Map<Integer, Long> replaced = replacedRows(db, held, changes, previousTombstones, addTombstones);
        Set<Integer> changed = replaced.keySet();
        Set<Integer> rewrite = toRewrite(held, replaced, counts, mergeOnRead);
        long k0 = System.nanoTime();
        Map<Integer, List<Part>> staged = writer.write(
                db,
                spill,
                "SELECT _bucket, NULL, NULL, NULL, _row FROM applied WHERE _action <> 'REMOVE' ORDER BY _bucket, _row",
                schema,
                fieldIds,
                snapshot,
                work,
                "staged-",
                Long.MAX_VALUE);
        long k1 = System.nanoTime();
        Map<Integer, Patch> patches = patches(db, changed, rewrite, replaced, staged, work);
        long k2 = System.nanoTime();
        fetchWhole(held, rewrite);
        Map<Integer, List<Part>> out = rewriteBuckets(db, held, rewrite, staged, fieldIds, work);
        LOG.debug(
                "Patched {} buckets and rewrote {}: replaced rows found in {} ms, changes typed in {} ms, delete files"
                        + " written in {} ms, parts copied in {} ms",
                patches.size(),
                out.size(),
                (k0 - f0) / 1_000_000,
                (k1 - k0) / 1_000_000,
                (k2 - k1) / 1_000_000,
                (System.nanoTime() - k2) / 1_000_000);
        return new Patched(out, patches);
    }

    /**
     * The merge of a patch in the build's database: the winning changes ({@code applied}), the live rows they replace
     * ({@code replaced}: bucket, file, position), the tombstones the version keeps ({@code new_tombstones}) and the
     * parts' URIs by index ({@code part_uris}). Returns every bucket with winning changes, with how many rows they
     * replace there.
     */
    private Map<Integer, Long> replacedRows(
            Connection db, Held held, String changes, List<String> previousTombstones, boolean addTombstones)
            throws SQLException {
        List<String> files = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        held.files().forEach((b, f) -> files.addAll(f));
        held.uris().forEach((b, u) -> uris.addAll(u));
        held.deletes().forEach((b, d) -> deletes.addAll(d));
        // The published tombstones, read where they lie rather than loaded: a run needs those of its changed keys,
        // and all of them only once, streamed into the next version's file (loading them took a tenth of a run).
        String oldTombstones = ViewSql.duckDbTombstones(previousTombstones);
        try (Statement st = db.createStatement()) {
            // The live rows of the changed keys: each with its file (an index into uris) and its position there.
            // Only the key and sequence columns are read, and only the changed keys' rows kept.
            st.execute("CREATE TABLE changed_keys AS SELECT DISTINCT _key FROM " + changes + " c");
            st.execute("CREATE TABLE current_rows AS "
                    + (files.isEmpty()
                            ? "SELECT NULL::VARCHAR AS _key, NULL::VARCHAR AS _seq, NULL::BIGINT AS file_index,"
                                    + " NULL::BIGINT AS pos WHERE false"
                            : ViewSql.liveRows(
                                            files,
                                            uris,
                                            deletes,
                                            "p._key, p._seq, p.file_index, p.file_row_number AS pos")
                                    + " WHERE p._key IN (SELECT _key FROM changed_keys)"));
            // Per key, the newest of its row and its tombstones: a tombstone file added by an earlier run may name a
            // key written again since.
            st.execute("CREATE TABLE current_keys AS SELECT _key, max(_seq) AS _seq FROM (SELECT _key, _seq FROM"
                    + " current_rows UNION ALL SELECT _key, _seq FROM " + oldTombstones
                    + " t WHERE _key IN (SELECT _key FROM changed_keys)) GROUP BY _key");
            st.execute("CREATE TABLE applied AS " + ViewSql.winningChanges(changes, "current_keys", options.buckets()));
            // The keys deleted now are tombstones: this run's file beside the published ones, or all of them in one
            // file, the newest of each key's, where a key written again since its delete is not one any more.
            st.execute("CREATE VIEW new_tombstones AS "
                    + (addTombstones
                            ? ""
                            : "SELECT _key, max(_seq) AS _seq, arg_max(_time, _seq) AS _time FROM " + oldTombstones
                                    + " t WHERE _key NOT IN (SELECT _key FROM applied) GROUP BY _key UNION ALL ")
                    + "SELECT _key, _seq, _time FROM applied WHERE _action = 'REMOVE'");
            // The rows the winning changes replace (a change of a key without a live row replaces none).
            st.execute("CREATE TABLE replaced AS SELECT a._bucket, r.file_index, r.pos FROM applied a"
                    + " JOIN current_rows r ON r._key = a._key");
            st.execute("CREATE TABLE part_uris (i BIGINT, uri VARCHAR)");
        }
        if (!uris.isEmpty()) {
            try (var insert = db.prepareStatement("INSERT INTO part_uris VALUES (?, ?)")) {
                for (int i = 0; i < uris.size(); i++) {
                    insert.setLong(1, i);
                    insert.setString(2, uris.get(i));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        Map<Integer, Long> replaced = new TreeMap<>();
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT a._bucket, count(r._bucket) FROM (SELECT DISTINCT _bucket FROM"
                        + " applied) a LEFT JOIN replaced r ON r._bucket = a._bucket GROUP BY a._bucket")) {
            while (rs.next()) {
                replaced.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return replaced;
    }

    /**
     * The changed buckets to rewrite rather than patch: all without merge on read, and those that took {@code
     * views.max-patches} patches already or whose delete files would remove more than {@code
     * views.max-deleted-percent} of their rows.
     */
    private Set<Integer> toRewrite(Held held, Map<Integer, Long> replaced, List<Integer> counts, boolean mergeOnRead) {
        Set<Integer> rewrite = new java.util.TreeSet<>();
        for (int b : replaced.keySet()) {
            long rows = held.rows().getOrDefault(b, 0L);
            long deleted = held.deleted().getOrDefault(b, 0L) + replaced.getOrDefault(b, 0L);
            int count = b < counts.size() ? counts.get(b) : 0;
            boolean patch = mergeOnRead
                    && count < options.maxPatches()
                    && deleted * 100 <= (long) options.maxDeletedPercent() * rows;
            if (!patch) {
                rewrite.add(b);
            }
        }
        return rewrite;
    }

    /** The patched buckets' patches: their winning changes' files, and the position delete file of what they replace. */
    private Map<Integer, Patch> patches(
            Connection db,
            Set<Integer> changed,
            Set<Integer> rewrite,
            Map<Integer, Long> replaced,
            Map<Integer, List<Part>> staged,
            Path work)
            throws SQLException {
        Map<Integer, Patch> patches = new TreeMap<>();
        try (Statement st = db.createStatement()) {
            for (int b : changed) {
                if (rewrite.contains(b)) {
                    continue;
                }
                Part deleteFile = null;
                String first = null;
                String last = null;
                if (replaced.getOrDefault(b, 0L) > 0) {
                    // Iceberg's position delete file: the replaced rows by their part's URI and position, in order.
                    Path file = work.resolve("deletes-" + b + ".parquet");
                    long rows = st.executeUpdate("COPY (SELECT u.uri AS file_path, r.pos FROM replaced r JOIN"
                            + " part_uris u ON u.i = r.file_index WHERE r._bucket = " + b
                            + " ORDER BY file_path, pos) TO '" + BucketWriter.sqlText(file.toString())
                            + "' (FORMAT parquet, COMPRESSION "
                            + options.codec().toLowerCase()
                            + BucketWriter.fieldIdsOption(POSITION_DELETE_IDS) + ")");
                    deleteFile = new Part(file, rows);
                    // The first and last part it names: a reader applies it to the parts between them only.
                    try (ResultSet rs = st.executeQuery("SELECT min(u.uri), max(u.uri) FROM replaced r JOIN part_uris u"
                            + " ON u.i = r.file_index WHERE r._bucket = " + b)) {
                        rs.next();
                        first = rs.getString(1);
                        last = rs.getString(2);
                    }
                }
                List<Part> added = staged.getOrDefault(b, List.of());
                if (deleteFile != null || added.stream().anyMatch(p -> p.rows() > 0)) {
                    patches.put(b, new Patch(added, deleteFile, first, last));
                }
            }
        }
        return patches;
    }

    /** A rewritten bucket copies every column of its live rows: its parts are fetched whole, if they were not. */
    private void fetchWhole(Held held, Set<Integer> rewrite) throws Exception {
        List<java.util.concurrent.Callable<Void>> whole = new ArrayList<>();
        for (int b : rewrite) {
            if (held.whole().contains(b)) {
                continue;
            }
            List<String> local = held.files().getOrDefault(b, List.of());
            for (int i = 0; i < local.size(); i++) {
                String key = held.keys().get(b).get(i);
                Path file = Path.of(local.get(i));
                whole.add(() -> {
                    fetch(key, file);
                    return null;
                });
            }
        }
        Parallel.inParallel(whole);
    }

    /**
     * The rewritten buckets: their live rows but the replaced ones, and their winning changes, one bucket per thread, as
     * DuckDB writes several small files faster side by side; a bucket's files roll at about {@code
     * lake.target-file-size}.
     */
    private Map<Integer, List<Part>> rewriteBuckets(
            Connection db,
            Held held,
            Set<Integer> rewrite,
            Map<Integer, List<Part>> staged,
            Map<String, Integer> fieldIds,
            Path work)
            throws Exception {
        Map<Integer, List<Part>> out = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(options.threads());
        try (Statement st = db.createStatement()) {
            st.execute("SET threads = 1");
            List<java.util.concurrent.Future<?>> copies = new ArrayList<>();
            for (int b : rewrite) {
                List<String> sources = new ArrayList<>();
                if (held.files().containsKey(b)) {
                    sources.add(ViewSql.liveRows(
                                    held.files().get(b),
                                    held.uris().get(b),
                                    held.deletes().getOrDefault(b, List.of()),
                                    "p.*")
                            + " WHERE p._key NOT IN (SELECT _key FROM applied WHERE _bucket = " + b + ")");
                }
                if (staged.containsKey(b)) {
                    sources.add("SELECT * FROM read_parquet("
                            + ViewSql.duckDbList(staged.get(b).stream()
                                    .map(p -> p.file().toString())
                                    .toList())
                            + ")");
                }
                if (sources.isEmpty()) {
                    out.put(b, List.of());
                    continue;
                }
                // A folder of files of at most about lake.target-file-size each.
                Path dir = work.resolve("part-" + b);
                String copy = "COPY (" + String.join(" UNION ALL BY NAME ", sources) + ") TO '"
                        + BucketWriter.sqlText(dir.toString()) + "' (FORMAT parquet, " + writer.partOptions(fieldIds)
                        + ", FILE_SIZE_BYTES " + options.targetFileBytes() + ")";
                int bucket = b;
                copies.add(pool.submit(() -> {
                    try (Connection c = db.unwrap(DuckDBConnection.class).duplicate();
                            Statement s = c.createStatement()) {
                        s.executeUpdate(copy);
                        List<Part> written = new ArrayList<>();
                        try (ResultSet rs = s.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata('"
                                + BucketWriter.sqlText(dir.resolve("*.parquet").toString())
                                + "') ORDER BY file_name")) {
                            while (rs.next()) {
                                written.add(new Part(Path.of(rs.getString(1)), rs.getLong(2)));
                            }
                        }
                        out.put(bucket, written);
                    }
                    return null;
                }));
            }
            Parallel.awaitAll(copies);
        } finally {
            Parallel.stopAll(pool);
            try (Statement st = db.createStatement()) {
                st.execute("SET threads = " + options.threads());
            }
        }
        return out;
    }

    /**
     * The published version's files of some buckets, downloaded: its parts (local copy and URI) and their position
     * delete files, with the rows the parts hold and the rows the delete files remove, all by bucket.
     */
    private record Held(
            Set<Integer> whole,
            Map<Integer, List<String>> files,
            Map<Integer, List<String>> keys,
            Map<Integer, List<String>> uris,
            Map<Integer, List<String>> deletes,
            Map<Integer, Long> rows,
            Map<Integer, Long> deleted,
            Map<String, Path> fetched) {
        int size() {
            return files.values().stream().mapToInt(List::size).sum();
        }
    }

    /**
     * @param whole the buckets whose parts are fetched whole; of the others' parts only the footer and the key and
     *     sequence columns ({@link LakeStore#getParquetColumns}): what a patch reads of them, taken from the {@link
     *     PartCache} when it holds them (as it holds the delete files)
     */
    private Held downloadHeld(
            Map<Integer, List<JsonNode>> parts,
            Map<Integer, List<JsonNode>> deletes,
            Set<Integer> buckets,
            Path work,
            Set<Integer> whole)
            throws Exception {
        List<java.util.concurrent.Callable<Void>> fetches = new ArrayList<>();
        Map<Integer, List<String>> files = new TreeMap<>();
        Map<Integer, List<String>> keys = new TreeMap<>();
        Map<Integer, List<String>> uris = new TreeMap<>();
        Map<Integer, List<String>> deleteFiles = new TreeMap<>();
        Map<Integer, Long> rows = new TreeMap<>();
        Map<Integer, Long> deleted = new TreeMap<>();
        Map<String, Path> fetched = new java.util.concurrent.ConcurrentHashMap<>();
        for (int b : buckets) {
            for (JsonNode part : parts.getOrDefault(b, List.of())) {
                String key = part.path("key").asText();
                Path file = localCopy(key, work);
                boolean all = whole.contains(b);
                fetches.add(
                        all
                                ? () -> {
                                    fetch(key, file);
                                    return null;
                                }
                                : keptOr(
                                        key,
                                        file,
                                        fetched,
                                        () -> lake.getParquetColumns(
                                                key, file, Set.of(SnapshotSchema.KEY, SnapshotSchema.SEQUENCE))));
                files.computeIfAbsent(b, x -> new ArrayList<>()).add(file.toString());
                keys.computeIfAbsent(b, x -> new ArrayList<>()).add(key);
                uris.computeIfAbsent(b, x -> new ArrayList<>()).add(lake.uri(key));
                rows.merge(b, part.path("rows").asLong(), Long::sum);
            }
            for (JsonNode deleteFile : deletes.getOrDefault(b, List.of())) {
                String key = deleteFile.path("key").asText();
                Path file = localCopy(key, work);
                fetches.add(keptOr(key, file, fetched, () -> fetch(key, file)));
                deleteFiles.computeIfAbsent(b, x -> new ArrayList<>()).add(file.toString());
                deleted.merge(b, deleteFile.path("rows").asLong(), Long::sum);
            }
        }
        Parallel.inParallel(fetches);
        return new Held(whole, files, keys, uris, deleteFiles, rows, deleted, fetched);
    }

    /**
     * The held parts as files of live rows only: a bucket with delete files is copied without the rows they remove
     * (a rebuild reads them as its base).
     */
    private List<String> liveFiles(Connection db, Held held, Path work) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = db.createStatement()) {
            for (var e : held.files().entrySet()) {
                List<String> deletes = held.deletes().getOrDefault(e.getKey(), List.of());
                if (deletes.isEmpty()) {
                    out.addAll(e.getValue());
                    continue;
                }
                Path live = work.resolve("live-" + e.getKey() + ".parquet");
                st.executeUpdate("COPY ("
                        + ViewSql.liveRows(e.getValue(), held.uris().get(e.getKey()), deletes, "p.*")
                        + ") TO '" + BucketWriter.sqlText(live.toString()) + "' (FORMAT parquet, COMPRESSION zstd,"
                        + " COMPRESSION_LEVEL 1)");
                out.add(live.toString());
            }
        }
        return out;
    }

    /** A state's files of one kind ({@code parts}, {@code deletes}) by bucket; none without a state. */
    private static Map<Integer, List<JsonNode>> byBucket(Optional<JsonNode> state, String kind) {
        Map<Integer, List<JsonNode>> out = new TreeMap<>();
        state.ifPresent(s -> s.path(kind)
                .forEach(f -> out.computeIfAbsent(f.path("bucket").asInt(), b -> new ArrayList<>())
                        .add(f)));
        return out;
    }

    /** How many patches each bucket of a state took since it was last written anew (none recorded: 0). */
    private static List<Integer> patchCounts(JsonNode state) {
        List<Integer> out = new ArrayList<>();
        state.path("patches").forEach(n -> out.add(n.asInt()));
        return out;
    }

    /**
     * Whether a bucket may be patched: not with {@code views.max-patches} 0, nor over parts with a column that hides
     * DuckDB's virtual columns of a row's file and position (a view of a release before they were reserved).
     */
    private boolean mergesOnRead(SnapshotSchema parts) {
        Optional<String> hiding = parts.columns().stream()
                .map(SnapshotColumn::name)
                .filter(n -> SnapshotSchema.READER_COLUMNS.contains(n.toLowerCase(java.util.Locale.ROOT)))
                .findFirst();
        hiding.ifPresent(n -> LOG.info(
                "The current view of {} has a column {}, which hides DuckDB's column of the same name: every changed"
                        + " bucket is rewritten",
                tableName,
                n));
        return options.maxPatches() > 0 && hiding.isEmpty();
    }

    /** Lists a file of bucket {@code b} in {@code files} under {@code key}, its upload in {@code puts}; its rows. */
    private long upload(
            List<java.util.concurrent.Callable<Void>> puts,
            ArrayNode files,
            int b,
            String key,
            Part part,
            Map<String, Path> uploaded) {
        uploaded.put(key, part.file());
        puts.add(() -> {
            lake.putFile(key, part.file());
            return null;
        });
        long bytes;
        try {
            bytes = Files.size(part.file());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        files.addObject()
                .put("bucket", b)
                .put("key", key)
                .put("rows", part.rows())
                .put("bytes", bytes);
        return part.rows();
    }

    /**
     * Writes {@code new_tombstones} (a table, or in an incremental run a view over the published tombstones) to
     * {@code tombstones.parquet} in the work folder; returns its rows.
     */
    private long writeTombstones(Connection db, Path work) throws SQLException {
        try (Statement st = db.createStatement()) {
            return st.executeUpdate("COPY (SELECT _key, _seq, _time FROM new_tombstones ORDER BY _key) TO '"
                    + BucketWriter.sqlText(work.resolve("tombstones.parquet").toString())
                    + "' (FORMAT parquet, COMPRESSION "
                    + options.codec().toLowerCase() + ")");
        }
    }

    /**
     * The tombstone files a state names ({@code key}, {@code rows}): its {@code tombstones.files}, or the one file a
     * state of an earlier release names.
     */
    static List<JsonNode> tombstoneFiles(JsonNode state) {
        JsonNode tombstones = state.path("tombstones");
        List<JsonNode> out = new ArrayList<>();
        if (tombstones.path("files").isArray()) {
            tombstones.path("files").forEach(out::add);
        } else if (!tombstones.path("key").asText("").isEmpty()) {
            out.add(JSON.createObjectNode()
                    .put("key", tombstones.path("key").asText())
                    .put("rows", tombstones.path("count").asLong()));
        }
        return out;
    }

    /** The tombstone files into the work folder, from the {@link PartCache} or the lake (then into {@code fetched}). */
    private List<String> downloadTombstones(List<JsonNode> files, Path work, Map<String, Path> fetched)
            throws Exception {
        List<String> out = new ArrayList<>();
        List<java.util.concurrent.Callable<Void>> fetches = new ArrayList<>();
        for (JsonNode f : files) {
            String key = f.path("key").asText();
            Path file = localCopy(key, work);
            out.add(file.toString());
            fetches.add(keptOr(key, file, fetched, () -> fetch(key, file)));
        }
        Parallel.inParallel(fetches);
        return out;
    }

    /** A transfer into a local file. */
    private interface Transfer {
        void run() throws IOException;
    }

    /**
     * Puts the {@link PartCache}'s entry of {@code key} at {@code file}, or when it holds none runs {@code fetch}
     * (which writes {@code file}) and records the file in {@code fetched}, for the cache once the version is committed.
     */
    private java.util.concurrent.Callable<Void> keptOr(
            String key, Path file, Map<String, Path> fetched, Transfer fetch) {
        Optional<Path> cached = cache.get(key);
        return () -> {
            if (cached.isPresent()) {
                PartCache.place(cached.get(), file);
            } else {
                fetch.run();
                fetched.put(key, file);
            }
            return null;
        };
    }

    // ---- the snapshot, the catalog, retention --------------------------------------------------------------------

    /** Downloads the objects into the work folder, {@value Parallel#FETCHERS} at a time; their local files in order. */
    private List<String> downloadAll(List<String> keys, Path work) throws Exception {
        List<String> files = new ArrayList<>();
        List<java.util.concurrent.Callable<Void>> fetches = new ArrayList<>();
        for (String key : keys) {
            Path file = localCopy(key, work);
            files.add(file.toString());
            fetches.add(() -> {
                fetch(key, file);
                return null;
            });
        }
        Parallel.inParallel(fetches);
        return files;
    }

    private void fetch(String key, Path file) throws IOException {
        try (InputStream in = lake.open(key)) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Where a lake object is copied to: numbered, as a bucket's files lie in several versions' folders by one name. */
    private Path localCopy(String key, Path work) {
        return work.resolve("base-" + downloads.incrementAndGet() + "-" + key.substring(key.lastIndexOf('/') + 1));
    }

    // ---- DuckDB --------------------------------------------------------------------------------------------------

    private Connection open(Path work) throws SQLException {
        Properties p = new Properties();
        p.setProperty("jdbc_stream_results", "true");
        // In memory, spilling to the work folder past the memory limit: a database file made the build write every
        // table it made to disk (a third of the time winners were picked in, ViewBenchmark).
        Connection db = DriverManager.getConnection("jdbc:duckdb:", p);
        try (Statement st = db.createStatement()) {
            st.execute("SET memory_limit = '" + options.memoryLimit().replace("'", "") + "'");
            st.execute("SET threads = " + options.threads());
            st.execute(
                    "SET temp_directory = '" + work.resolve("spill").toString().replace("'", "''") + "'");
            st.execute("SET preserve_insertion_order = false");
            ViewSql.registerBucketFunction(db);
        } catch (SQLException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** An empty folder for one run; a run killed before it left its database and files there. */
    private Path freshWorkDir(String name) throws IOException {
        Path work = options.workDir().resolve(name);
        deleteTree(work);
        return Files.createDirectories(work);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
