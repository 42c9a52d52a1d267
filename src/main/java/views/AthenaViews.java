package views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;
import views.ViewLake.Snapshot;

/**
 * The views built by Athena ({@code views.engine=athena}), for tables no single machine should hold: the merge of
 * {@link ViewSql} runs as SQL over the Glue catalog's tables, and Athena writes the rows itself. A full run (the first
 * on a snapshot, or {@code rebuildNow}) writes the snapshot's rows and the changes after it by CREATE TABLE AS into a
 * folder of its own, and the application's commit of {@code <table>_current} makes those parts the table's rows. An
 * incremental run is Athena's MERGE INTO {@code <table>_current}: Athena writes the changed keys' rows into new files
 * and position deletes for the rows they replace (merge-on-read; the next full run writes the table anew), and
 * commits the table itself; the application's commit after it, which changes no rows, records the version
 * (its state). Both runs write the same state the embedded engine writes.
 *
 * <p>The tables it reads: {@code <table>_deltas} and {@code <table>_deltas_overflow} (the delta objects, OpenX JSON
 * SerDe), {@code <table>_view_base} over the snapshot's parts for a full run, the previous version's tombstones
 * ({@code <table>_view_tombstones_base}) and the Iceberg table itself for an incremental one. A run's output tables
 * ({@code <table>_view_out}, {@code <table>_view_tombstones_out}) are dropped once their parts are renamed to
 * {@code part-NNNNN.parquet}; dropping an external table leaves its files.
 *
 * <p>Against the embedded engine: the schema is the snapshot's, not widened by the deltas ({@link ViewSql} names the
 * other differences), and a full run's parts are not partitioned by the key's bucket. Delta lines that are not change
 * envelopes go to dead letters with their object; Athena does not give their line numbers. The files Athena's merges
 * write lie under the table's location ({@code iceberg/current/data/}); they are deleted when the last commit that
 * reads them expires.
 */
public final class AthenaViews implements Views {
    private static final Logger LOG = LoggerFactory.getLogger(AthenaViews.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ENGINE = "athena";

    /**
     * @param keep how many versions of the current view stay in the lake (at least 1)
     * @param replayMargin deltas are read from this long before the snapshot's export time
     * @param lateWindow how long a run names the delta objects it applied (those last modified within it of its
     *     listing), and how far past T plus the stream's retention the view as of T reads hour folders
     * @param codec the Parquet compression Athena writes with (ZSTD, SNAPPY, GZIP)
     * @param asOfLag the view as of a time is built for times up to now less this
     * @param buckets the buckets of the key a full run partitions the current view into ({@code views.buckets})
     */
    public record Options(
            int keep, Duration replayMargin, Duration lateWindow, String codec, Duration asOfLag, int buckets) {}

    /** Runs Athena statements, one at a time, to their end. */
    public interface Queries {
        /**
         * @return the rows of a SELECT, without the header row; empty for other statements
         * @throws Exception naming the query and Athena's reason when it fails, is cancelled or runs out of time
         */
        List<List<String>> run(String sql) throws Exception;
    }

    /** Registers the tables a run reads (the Glue Data Catalog in the aws profile). */
    public interface Tables {
        /** Creates or moves a Parquet table over a folder of parts of the given schema. */
        void parquet(String name, SnapshotSchema schema, String location, String id);

        /** Creates or moves a table of delta envelopes over a folder of delta objects. */
        void deltas(String name, String location);
    }

    private final ViewLake views;
    private final Options options;
    private final Clock clock;
    private final BuildGate gate;
    private final Queries athena;
    private final Tables tables;
    private final ViewCatalog catalog;

    public AthenaViews(
            ViewLake views,
            Options options,
            Clock clock,
            ViewLock replicas,
            Queries athena,
            Tables tables,
            ViewCatalog catalog) {
        this.views = views;
        this.options = options;
        this.clock = clock;
        this.gate = new BuildGate(replicas, views.tableName);
        this.athena = athena;
        this.tables = tables;
        this.catalog = catalog;
    }

    /** For the application's configuration, which sits outside the package. */
    public static AthenaViews create(
            lake.LakeStore lake,
            lake.LakeLayout layout,
            String tableName,
            Options options,
            Clock clock,
            ViewLock replicas,
            Queries athena,
            Tables tables,
            ViewCatalog catalog,
            DeltaSource deltas) {
        return new AthenaViews(
                new ViewLake(lake, layout, tableName, clock, deltas, catalog),
                options,
                clock,
                replicas,
                athena,
                tables,
                catalog);
    }

    @Override
    public Optional<JsonNode> current() {
        return views.published();
    }

    @Override
    public Optional<Result> compact() throws Exception {
        return gate.exclusive(lock -> build(false, lock));
    }

    @Override
    public Optional<Result> rebuild() throws Exception {
        return gate.exclusive(lock -> build(true, lock));
    }

    @Override
    public Optional<Instant[]> availableRange() {
        return views.availableRange(options.asOfLag());
    }

    @Override
    public Result asOf(Instant time) throws Exception {
        return gate.exclusive(lock -> asOfLocked(time, lock));
    }

    // ---- the current view ----------------------------------------------------------------------------------------

    private Optional<Result> build(boolean rebuild, ViewLock.Held lock) throws Exception {
        // The objects listed now are the ones this run records as applied: Athena reads every one of them, and
        // may read objects that land while it runs, which are applied again (to no effect) by the next run.
        Optional<ViewLake.Plan> planned = views.plan(
                rebuild,
                // Merged into the table only while the table has the buckets views.buckets asks for.
                p -> ENGINE.equals(p.path("engine").asText())
                        && p.path("bucketing").asText().equals(ViewBuilder.BUCKETING)
                        && p.path("buckets").asInt() == options.buckets(),
                options.replayMargin(),
                options.lateWindow());
        if (planned.isEmpty()) {
            return Optional.empty();
        }
        ViewLake.Plan plan = planned.get();
        if (plan.incremental()) {
            return Optional.of(mergeInto(plan, lock));
        }
        // A full run: the snapshot's rows and the changes after it, by INSERT INTO a staged table in a folder of its
        // own, whose files the commit of the application's then makes the table's rows.
        Snapshot snapshot = plan.snapshot();
        String base = views.sqlTable("view_base");
        tables.parquet(
                base,
                snapshot.schema(),
                views.lake.uri(views.layout.snapshotData(snapshot.exportId())),
                "snapshot " + snapshot.exportId());
        Run run = start(plan, snapshot.schema().withSequence());
        String folder = views.layout.currentFolder(run.version(), run.attempt());
        long t0 = System.nanoTime();
        // The deleted keys first: the statement after it drops the tables both read.
        Map<String, Long> deleted = tombstones(run, base, false, null, lock);
        // The rows, by Athena's INSERT INTO an empty Iceberg table in the version's folder that has the current
        // view's column ids and buckets: Athena partitions them by Iceberg's bucket of the key as the embedded
        // engine does, and the commit below makes its files the current view's rows.
        lock.confirm();
        Map<String, Integer> fieldIds = catalog.currentFieldIds(run.schema()); // the staged table's, checked at commit
        String staged = catalog.stageCurrent(
                views.lake.uri(folder.substring(0, folder.length() - 1)), run.schema(), options.buckets());
        athena.run(ViewSql.athenaInsert(
                staged,
                run.schema(),
                ViewSql.athenaMerge(
                        run.schema(),
                        base,
                        false,
                        null,
                        run.changes(),
                        snapshot.exportId(),
                        snapshot.exportTime(),
                        run.since(),
                        null,
                        true)));
        List<ViewCatalog.StagedPart> parts = catalog.unstageCurrent(run.schema());
        dropRunTables();
        long t1 = System.nanoTime();

        long items = parts.stream().mapToLong(ViewCatalog.StagedPart::rows).sum();
        String location = views.lake.uri(folder);
        ObjectNode state = state(run, location, "full", options.buckets(), items, deleted);
        state.set("fieldIds", JSON.valueToTree(fieldIds));
        ArrayNode partList = state.putArray("parts");
        parts.forEach(p -> partList.addObject()
                .put("bucket", p.bucket())
                .put("key", p.key())
                .put("rows", p.rows()));
        lock.confirm();
        views.publish(state, run.schema(), run.attempt(), plan.previous());
        LOG.info(
                "Published current view {} of {} on Athena (full): {} items in {} parts, {} changes from {} delta"
                        + " objects, at {} (Athena ran the merge in {} ms)",
                run.version(),
                views.tableName,
                items,
                parts.size(),
                run.intake().changes(),
                plan.objects().size(),
                location,
                (t1 - t0) / 1_000_000);
        views.expireVersions(state, options.keep());
        return Optional.of(new Result(
                location,
                run.version(),
                "full",
                items,
                parts.size(),
                0,
                run.intake().changes()));
    }

    /**
     * An incremental run: Athena merges the changes into the current view's Iceberg table itself (MERGE INTO, one
     * commit of Athena's that rewrites only the files holding changed keys), after writing the version's tombstones;
     * then one commit of the application's records the version over Athena's. A run that dies between the two leaves
     * the changes in the table without a version naming them: the next run, finding no version on top, builds in full.
     */
    private Result mergeInto(ViewLake.Plan plan, ViewLock.Held lock) throws Exception {
        Snapshot snapshot = plan.snapshot();
        JsonNode previous = plan.previous().orElseThrow();
        Run run = start(plan, SnapshotSchema.fromJson(previous.path("schema")));
        String previousTombstones = previous.path("tombstones").path("location").asText("");
        String tombstoneBase = previousTombstones.isEmpty() ? null : views.sqlTable("view_tombstones_base");
        if (tombstoneBase != null) {
            tables.parquet(
                    tombstoneBase, ViewSql.TOMBSTONES, previousTombstones, "tombstones of " + (run.version() - 1));
        }
        String table = catalog.currentTableSql();
        long t0 = System.nanoTime();
        // The deleted keys first, from the table before the merge changes it.
        Map<String, Long> deleted = tombstones(run, table, true, tombstoneBase, lock);
        lock.confirm();
        // The record after Athena's commit is made only if the table went on from here by Athena's commits alone.
        String over = catalog.currentMark()
                .orElseThrow(() -> new IllegalStateException("The table " + table + " has no commit to merge into"));
        athena.run(ViewSql.athenaMergeInto(
                table,
                catalog.currentColumns(),
                run.schema(),
                tombstoneBase,
                run.changes(),
                snapshot.exportId(),
                snapshot.exportTime(),
                run.since()));
        dropRunTables();
        long t1 = System.nanoTime();
        long items = Long.parseLong(
                athena.run("SELECT count(*) FROM " + table).get(0).get(0));

        String location = views.lake.uri(views.layout.icebergTable("current"));
        ObjectNode state = state(
                        run, location, "incremental", previous.path("buckets").asInt(), items, deleted)
                .put("inPlace", true)
                .put("mergedOver", over);
        state.putArray("parts"); // the table's own files: Athena's commit names them
        lock.confirm();
        views.publish(state, run.schema(), run.attempt(), plan.previous());
        LOG.info(
                "Published current view {} of {} on Athena (incremental, merged into {}): {} items, {} changes from {}"
                        + " delta objects (Athena ran the merge in {} ms)",
                run.version(),
                views.tableName,
                table,
                items,
                run.intake().changes(),
                plan.objects().size(),
                (t1 - t0) / 1_000_000);
        views.expireVersions(state, options.keep());
        return new Result(
                location,
                run.version(),
                "incremental",
                items,
                0,
                0,
                run.intake().changes());
    }

    /** What a run of the current view has once it has read the deltas' tables: its version, folders' attempt, changes. */
    private record Run(
            ViewLake.Plan plan,
            long version,
            String attempt,
            SnapshotSchema schema,
            String changes,
            Intake intake,
            String since) {}

    /** Registers the deltas' tables, counts the plan's changes and dead-letters what is not a change envelope. */
    private Run start(ViewLake.Plan plan, SnapshotSchema schema) throws Exception {
        Selection selection = new Selection(plan.floor(), null, plan.incremental(), plan.objects());
        List<String[]> deltas = deltasTables();
        String changes = changes(plan.snapshot().schema().keyAttributes(), deltas, selection);
        return new Run(
                plan,
                views.nextVersion(plan),
                lake.LakeLayout.newAttempt(), // folders of its own: see ViewBuilder
                schema,
                changes,
                intake(deltas, selection),
                time(plan.since()));
    }

    /** The version's deleted keys, by CREATE TABLE AS into its tombstones' folder: part key to rows. */
    private Map<String, Long> tombstones(
            Run run, String base, boolean baseHasSequence, String tombstoneBase, ViewLock.Held lock) throws Exception {
        Snapshot snapshot = run.plan().snapshot();
        return createTableAs(
                lock,
                views.sqlTable("view_tombstones_out"),
                views.layout.currentTombstones(run.version(), run.attempt()),
                ViewSql.athenaTombstones(
                        run.schema(),
                        base,
                        baseHasSequence,
                        tombstoneBase,
                        run.changes(),
                        snapshot.exportId(),
                        snapshot.exportTime(),
                        run.since()));
    }

    /** The state of a version, the same for both kinds of run, without its parts. */
    private ObjectNode state(
            Run run, String location, String mode, int buckets, long items, Map<String, Long> deleted) {
        Snapshot snapshot = run.plan().snapshot();
        ObjectNode state = JSON.createObjectNode()
                .put("table", views.tableName)
                .put("version", run.version())
                .put("location", location)
                .put("engine", ENGINE)
                .put("mode", mode)
                .put("buckets", buckets)
                .put("bucketing", ViewBuilder.BUCKETING)
                .put("snapshot", snapshot.exportId())
                .put("snapshotExportTime", snapshot.exportTime().toString())
                .put("itemCount", items)
                .put("schemaVersion", run.schema().version())
                .put("changesApplied", run.intake().changes())
                .put("lastChangeTime", run.intake().lastTime())
                .put("builtAt", run.plan().now().toString());
        state.set("schema", run.schema().toJson());
        state.set("discovery", snapshot.discovery().toJson());
        state.set("retained", views.retained(run.plan().previous(), options.keep()));
        state.set("deltas", views.appliedAfter(run.plan(), options.lateWindow()));
        state.putObject("tombstones")
                .put("location", views.lake.uri(views.layout.currentTombstones(run.version(), run.attempt())))
                .put(
                        "count",
                        deleted.values().stream().mapToLong(Long::longValue).sum());
        return state;
    }

    // ---- as of a time --------------------------------------------------------------------------------------------

    private Result asOfLocked(Instant time, ViewLock.Held lock) throws Exception {
        Optional<String> replacing = views.publishedAsOf(time);
        Snapshot snapshot = views.snapshotFor(time, options.asOfLag());
        String floor = views.floor(snapshot, options.replayMargin());
        String base = views.sqlTable("view_base");
        tables.parquet(
                base,
                snapshot.schema(),
                views.lake.uri(views.layout.snapshotData(snapshot.exportId())),
                "snapshot " + snapshot.exportId());
        Selection selection = new Selection(floor, time, false, views.deltaObjects(floor, time, options.lateWindow()));
        List<String[]> deltas = deltasTables();
        String changes = changes(snapshot.schema().keyAttributes(), deltas, selection);
        Intake intake = intake(deltas, selection);
        String folder = views.layout.asOfFolder(time, lake.LakeLayout.newAttempt());
        SnapshotSchema schema = snapshot.schema().withSequence();
        lock.confirm();
        Map<String, Long> parts = createTableAs(
                lock,
                views.sqlTable("view_out"),
                folder,
                ViewSql.athenaMerge(
                        schema,
                        base,
                        false,
                        null,
                        changes,
                        snapshot.exportId(),
                        snapshot.exportTime(),
                        time(ViewLake.since(snapshot, options.replayMargin())),
                        time(time),
                        false));
        dropRunTables();
        long items = parts.values().stream().mapToLong(Long::longValue).sum();
        lock.confirm();
        views.publishAsOf(time, snapshot, schema, folder, parts, ViewCatalog.Buckets.NONE, ENGINE, replacing);
        LOG.info(
                "Materialised {} as of {} on Athena: {} items from snapshot {}, at {}",
                views.tableName,
                time,
                items,
                snapshot.exportId(),
                views.lake.uri(folder));
        return new Result(views.lake.uri(folder), 0, "as of " + time, items, parts.size(), 0, intake.changes());
    }

    // ---- the changes ---------------------------------------------------------------------------------------------

    /**
     * Which delta objects a run reads. An incremental run names the objects it applies (those not applied yet, in
     * whatever hour folder they landed); a full run and a view as of a time read the stream's objects from the
     * floor's hour on (to the last hour that can hold a change up to {@code until}); the incremental exports are
     * always named.
     */
    private record Selection(String floor, Instant until, boolean named, List<String> objects) {}

    /** A time as Athena's timestamp with time zone, to the millisecond. */
    private static String time(Instant t) {
        return "from_iso8601_timestamp("
                + ViewSql.literal(t.truncatedTo(ChronoUnit.MILLIS).toString()) + ")";
    }

    private void dropRunTables() throws Exception {
        athena.run("DROP TABLE IF EXISTS " + views.sqlTable("view_base"));
        athena.run("DROP TABLE IF EXISTS " + views.sqlTable("view_tombstones_base"));
    }

    /** The deltas tables of the source, registered (once a run): {name, location}. */
    private List<String[]> deltasTables() {
        List<String[]> out = views.source == DeltaSource.EXPORT
                ? List.<String[]>of(
                        new String[] {views.sqlTable("deltas_export"), views.lake.uri(views.layout.exportDeltasPrefix())
                        })
                : List.of(
                        new String[] {views.sqlTable("deltas"), views.lake.uri(views.layout.deltasPrefix())},
                        new String[] {views.sqlTable("deltas_overflow"), views.lake.uri(views.layout.overflowPrefix())
                        });
        for (String[] t : out) {
            tables.deltas(t[0], t[1]);
        }
        return out;
    }

    /** The condition on {@code "$path"} that picks a run's objects of the deltas table at {@code prefixUri}. */
    private String objects(String prefixUri, Selection selection) {
        if (views.source == DeltaSource.EXPORT || selection.named()) {
            List<String> paths = selection.objects().stream()
                    .map(views.lake::uri)
                    .filter(uri -> uri.startsWith(prefixUri))
                    .map(ViewSql::literal)
                    .toList();
            return paths.isEmpty() ? "false" : "\"$path\" IN (" + String.join(", ", paths) + ")";
        }
        StringBuilder where = new StringBuilder("\"$path\" >= " + ViewSql.literal(prefixUri + selection.floor()));
        if (selection.until() != null) {
            // Every object of the ceiling's hour sorts before "<hour>0" ('/' < '0'), every later hour after it.
            String ceiling = ViewLake.hour(
                    selection.until().plus(ViewLake.STREAM_RETENTION).plus(options.lateWindow()));
            where.append(" AND \"$path\" < ").append(ViewSql.literal(prefixUri + ceiling + "0"));
        }
        return where.toString();
    }

    private String changes(List<String> keyNames, List<String[]> deltas, Selection selection) {
        List<String> parts = new ArrayList<>();
        for (String[] t : deltas) {
            parts.add(ViewSql.athenaChanges(keyNames, t[0], objects(t[1], selection)));
        }
        return String.join("\nUNION ALL\n", parts);
    }

    private record Intake(long changes, String lastTime) {}

    /**
     * Counts the changes a run applies and sends the rows that are not change envelopes to dead letters, one file
     * per delta object, as the embedded engine does (without line numbers, which Athena does not give).
     */
    private Intake intake(List<String[]> deltas, Selection selection) throws Exception {
        long changes = 0;
        Instant last = null;
        Map<String, List<String>> dead = new TreeMap<>();
        for (String[] t : deltas) {
            String where = objects(t[1], selection);
            List<List<String>> stats = athena.run("SELECT count(*), CAST(max(try(from_iso8601_timestamp("
                    + "approximateCreationDateTime))) AS varchar) FROM " + t[0] + " WHERE " + ViewSql.athenaValid()
                    + " AND " + where);
            changes += Long.parseLong(stats.get(0).get(0));
            String max = stats.get(0).get(1);
            if (max != null) {
                Instant m = parseTime(max);
                if (last == null || m.isAfter(last)) {
                    last = m;
                }
            }
            for (List<String> row : athena.run("SELECT \"$path\", action, sequenceNumber, keys,"
                    + " approximateCreationDateTime FROM " + t[0] + " WHERE NOT coalesce(" + ViewSql.athenaValid()
                    + ", false) AND " + where)) {
                boolean unreadable = row.subList(1, row.size()).stream().allMatch(v -> v == null);
                dead.computeIfAbsent(row.get(0), k -> new ArrayList<>())
                        .add(JSON.createObjectNode()
                                .put("object", row.get(0))
                                .put(
                                        "reason",
                                        unreadable
                                                ? "the line is not a JSON object"
                                                : "not a change envelope: action, sequenceNumber (digits), keys,"
                                                        + " object (but for REMOVE) and an ISO-8601"
                                                        + " approximateCreationDateTime are needed")
                                .put("action", row.get(1))
                                .put("sequenceNumber", row.get(2))
                                .put("keys", row.get(3))
                                .put("approximateCreationDateTime", row.get(4))
                                .toString());
            }
        }
        String bucketPrefix = "s3://" + views.lake.bucket() + "/";
        for (var e : dead.entrySet()) {
            String key = e.getKey().startsWith(bucketPrefix) ? e.getKey().substring(bucketPrefix.length()) : e.getKey();
            views.lake.putText(views.layout.viewDeadLetters(key), String.join("\n", e.getValue()) + "\n");
            LOG.error(
                    "{} lines of {} are not delta envelopes; they are in {} and left out of the view",
                    e.getValue().size(),
                    e.getKey(),
                    views.lake.uri(views.layout.viewDeadLetters(key)));
        }
        return new Intake(changes, last == null ? null : last.toString());
    }

    /** Athena's text of a timestamp with time zone: {@code 2026-11-26 08:00:00.123 UTC}. */
    static Instant parseTime(String text) {
        String t = text.trim();
        int space = t.lastIndexOf(' ');
        String zone = space > 10 ? t.substring(space + 1) : "UTC";
        String local = space > 10 ? t.substring(0, space) : t;
        return java.time.LocalDateTime.parse(local.replace(' ', 'T'))
                .atZone(java.time.ZoneId.of(zone))
                .toInstant();
    }

    // ---- writing -------------------------------------------------------------------------------------------------

    /**
     * Runs the merge as CREATE TABLE AS into an emptied folder, renames Athena's files to {@code part-NNNNN.parquet}
     * and drops the tables of the run; returns the parts' keys and rows.
     */
    private Map<String, Long> createTableAs(ViewLock.Held lock, String out, String folder, String select)
            throws Exception {
        // A replica that lost the lease stops before it touches the lake: the folder may be the new holder's.
        lock.confirm();
        views.lake.deleteAll(folder); // what a run that died left behind: Athena writes only into an empty folder
        athena.run("DROP TABLE IF EXISTS " + out);
        athena.run(ViewSql.athenaCreateTableAs(out, views.lake.uri(folder), options.codec(), select));
        Map<String, Long> rows = new TreeMap<>();
        for (List<String> r : athena.run("SELECT \"$path\", count(*) FROM " + out + " GROUP BY 1")) {
            rows.put(r.get(0), Long.parseLong(r.get(1)));
        }
        athena.run("DROP TABLE IF EXISTS " + out);
        Map<String, Long> parts = new TreeMap<>();
        int n = 0;
        for (S3Object o : views.lake.list(folder)) {
            String part = folder + String.format("part-%05d.parquet", n++);
            lock.confirm();
            views.lake.move(o.key(), part);
            parts.put(part, rows.getOrDefault(views.lake.uri(o.key()), 0L));
        }
        return parts;
    }
}
