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
 * {@link ViewSql} runs as SQL over the Glue catalog's tables and Athena writes the Parquet parts itself (CREATE TABLE
 * AS SELECT into the version's folder). The application only lists the lake, registers the tables the merge reads
 * and publishes the version as a commit of {@code <table>_current}, with the same state the embedded engine writes.
 *
 * <p>The tables it reads: {@code <table>_deltas} and {@code <table>_deltas_overflow} (the delta objects, OpenX JSON
 * SerDe) and {@code <table>_view_base}, moved to the base of each run (the snapshot's parts, or the current view's
 * parts for an incremental run). A run's output table, {@code <table>_view_out}, is dropped once its parts are
 * renamed to {@code part-NNNNN.parquet}; dropping an external table leaves its files.
 *
 * <p>Against the embedded engine: an incremental run starts from the current view and the delta objects after it
 * as well, but Athena rewrites every part (it bills the bytes it reads, which are the same either way); the schema
 * is the snapshot's, not widened by the deltas ({@link ViewSql} names the other differences). Delta lines that are
 * not change envelopes go to dead letters with their object; Athena does not give their line numbers.
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
     */
    public record Options(int keep, Duration replayMargin, Duration lateWindow, String codec, Duration asOfLag) {}

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
                rebuild, p -> ENGINE.equals(p.path("engine").asText()), options.replayMargin(), options.lateWindow());
        if (planned.isEmpty()) {
            return Optional.empty();
        }
        ViewLake.Plan plan = planned.get();
        Snapshot snapshot = plan.snapshot();
        Optional<JsonNode> previous = plan.previous();
        boolean incremental = plan.incremental();
        List<String> objects = plan.objects();
        Instant now = plan.now();
        long version = views.nextVersion(plan);
        SnapshotSchema schema = incremental
                ? SnapshotSchema.fromJson(previous.get().path("schema"))
                : snapshot.schema().withSequence();
        String base = views.sqlTable("view_base");
        tables.parquet(
                base,
                incremental ? schema : snapshot.schema(),
                incremental
                        ? previous.get().path("location").asText()
                        : views.lake.uri(views.layout.snapshotData(snapshot.exportId())),
                incremental ? "current view " + (version - 1) : "snapshot " + snapshot.exportId());
        String previousTombstones =
                incremental ? previous.get().path("tombstones").path("location").asText("") : "";
        String tombstoneBase = previousTombstones.isEmpty() ? null : views.sqlTable("view_tombstones_base");
        if (tombstoneBase != null) {
            tables.parquet(tombstoneBase, ViewSql.TOMBSTONES, previousTombstones, "tombstones of " + (version - 1));
        }
        Selection selection = new Selection(plan.floor(), null, plan.incremental(), objects);
        List<String[]> deltas = deltasTables();
        String changes = changes(snapshot.schema().keyAttributes(), deltas, selection);
        Intake intake = intake(deltas, selection);
        String since = time(plan.since());

        String attempt = lake.LakeLayout.newAttempt(); // folders of its own: see ViewBuilder
        String folder = views.layout.currentFolder(version, attempt);
        String tombstoneFolder = views.layout.currentTombstones(version, attempt);
        String out = views.sqlTable("view_out");
        long t0 = System.nanoTime();
        // The deleted keys first: the statement after it drops the tables both read.
        Map<String, Long> deleted = createTableAs(
                lock,
                views.sqlTable("view_tombstones_out"),
                tombstoneFolder,
                ViewSql.athenaTombstones(
                        schema,
                        base,
                        incremental,
                        tombstoneBase,
                        changes,
                        snapshot.exportId(),
                        snapshot.exportTime(),
                        since));
        Map<String, Long> parts = createTableAs(
                lock,
                out,
                folder,
                ViewSql.athenaMerge(
                        schema,
                        base,
                        incremental,
                        tombstoneBase,
                        changes,
                        snapshot.exportId(),
                        snapshot.exportTime(),
                        since,
                        null));
        dropRunTables();
        long t1 = System.nanoTime();

        ArrayNode partList = JSON.createArrayNode();
        long items = 0;
        for (var e : parts.entrySet()) {
            partList.addObject().put("key", e.getKey()).put("rows", e.getValue());
            items += e.getValue();
        }
        String location = views.lake.uri(folder);
        String mode = incremental ? "incremental" : "full";
        ObjectNode state = JSON.createObjectNode()
                .put("table", views.tableName)
                .put("version", version)
                .put("location", location)
                .put("engine", ENGINE)
                .put("mode", mode)
                .put("snapshot", snapshot.exportId())
                .put("snapshotExportTime", snapshot.exportTime().toString())
                .put("itemCount", items)
                .put("schemaVersion", schema.version())
                .put("changesApplied", intake.changes())
                .put("lastChangeTime", intake.lastTime())
                .put("builtAt", now.toString());
        state.set("schema", schema.toJson());
        state.set("discovery", snapshot.discovery().toJson());
        state.set("parts", partList);
        state.set("retained", views.retained(previous, options.keep()));
        state.set("deltas", views.appliedAfter(plan, options.lateWindow()));
        state.putObject("tombstones")
                .put("location", views.lake.uri(tombstoneFolder))
                .put(
                        "count",
                        deleted.values().stream().mapToLong(Long::longValue).sum());
        lock.confirm();
        views.publish(state, schema, attempt, previous);
        LOG.info(
                "Published current view {} of {} on Athena ({}): {} items in {} parts, {} changes from {} delta"
                        + " objects, at {} (Athena ran the merge in {} ms)",
                version,
                views.tableName,
                mode,
                items,
                parts.size(),
                intake.changes(),
                objects.size(),
                location,
                (t1 - t0) / 1_000_000);
        views.expireVersions(state, options.keep());
        return Optional.of(new Result(location, version, mode, items, parts.size(), intake.changes()));
    }

    // ---- as of a time --------------------------------------------------------------------------------------------

    private Result asOfLocked(Instant time, ViewLock.Held lock) throws Exception {
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
                        time(time)));
        dropRunTables();
        long items = parts.values().stream().mapToLong(Long::longValue).sum();
        lock.confirm();
        views.publishAsOf(time, snapshot, schema, folder, parts, ViewCatalog.Buckets.NONE, ENGINE);
        LOG.info(
                "Materialised {} as of {} on Athena: {} items from snapshot {}, at {}",
                views.tableName,
                time,
                items,
                snapshot.exportId(),
                views.lake.uri(folder));
        return new Result(views.lake.uri(folder), 0, "as of " + time, items, parts.size(), intake.changes());
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
