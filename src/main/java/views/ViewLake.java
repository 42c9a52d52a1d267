package views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import lake.DeltasExportRecord;
import lake.LakeLayout;
import lake.LakeStore;
import lake.Published;
import lake.SchemaDiscovery;
import lake.SnapshotRecord;
import lake.SnapshotSchema;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What both view engines read from and write to the lake the same way: the published snapshots, the delta objects of
 * an hour range, the catalog's SQL files and the expiry of old current-view versions.
 */
final class ViewLake {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ViewLake.class);

    /** A published snapshot: its parts and the schema its discovery chose. */
    record Snapshot(
            String exportId, Instant exportTime, List<String> parts, SnapshotSchema schema, JsonNode schemaJson) {
        SchemaDiscovery discovery() {
            return schemaJson.has("discovery")
                    ? SchemaDiscovery.fromJson(schemaJson.path("discovery"))
                    : new SchemaDiscovery();
        }
    }

    /** How long DynamoDB Streams keeps a change: the latest it can reach Firehose after it was made. */
    static final Duration STREAM_RETENTION = Duration.ofHours(24);

    final LakeStore lake;
    final LakeLayout layout;
    final String tableName;
    final DeltaSource source;
    private final Clock clock;
    private final ViewCatalog catalog;

    ViewLake(
            LakeStore lake, LakeLayout layout, String tableName, Clock clock, DeltaSource source, ViewCatalog catalog) {
        this.lake = lake;
        this.layout = layout;
        this.tableName = tableName;
        this.clock = clock;
        this.source = source;
        this.catalog = catalog;
    }

    /**
     * The published version: the state the commit of the catalog's table names (a lake of a release before the
     * Iceberg tables: its pointer, until a commit names a state; see {@link Published#currentView}).
     */
    Optional<JsonNode> published() {
        return Published.currentView(lake, layout, tableName, catalog.publishedState(), catalog.keptStates());
    }

    /**
     * Publishes a version: writes its state, commits it to the catalog's table (the one step that makes it the
     * published version), then writes the catalog files over it for tools that read folders.
     *
     * @throws Views.LostLockException when another builder committed this version number first
     */
    void publish(ObjectNode state, SnapshotSchema schema, String attempt, Optional<JsonNode> basedOn) {
        long version = state.path("version").asLong();
        String key = layout.currentVersionState(version, attempt);
        state.put("state", key);
        basedOn.map(b -> b.path("state")).filter(JsonNode::isTextual).ifPresent(b -> state.put("basedOn", b.asText()));
        lake.putJson(key, state);
        // The table refuses a version number it holds already (another builder that planned the same number was
        // first), and a version built on another than the one it holds (a rollback while this run built). This run
        // expires nothing.
        if (!catalog.register(ViewCatalog.published(state))) {
            throw new Views.LostLockException("The table of " + tableName + " holds version " + version
                    + " or a later one already, or no longer the version this run built on (another builder was"
                    + " first, or the table was rolled back): this run publishes nothing");
        }
        // For tools that read folders, after the commit: the SQL over the version the table now holds.
        lake.putText(layout.catalog("current.sql"), catalogSql(schema, state));
        lake.putText(layout.catalog("deltas.sql"), deltasSql());
    }

    /**
     * Publishes a view as of a time, built into {@code folder} (a folder of its own build): writes its
     * {@code _view.json} there, commits the view to its table {@code <table>_asof_<time>} (the publish; the commit
     * names that file), then deletes every other build's folder in the time's folder but the one this commit
     * replaced, which stays until the next build of the time for the queries still reading it (its commit expired
     * with this one). A build that died, or one of a replica that lost its lease, goes then: builds run one at a
     * time (the views' lease), and a build commits only over the build the table held when it started
     * ({@code replacing}), so one that paused past its lease while another build of the time committed cannot
     * commit its files after they were deleted.
     *
     * @param replacing the {@code _view.json} the time's table named when this build started (see
     *     {@link #publishedAsOf}), empty when it had none
     * @param parts the view's Parquet parts, key to rows
     * @param engine the engine that built it ({@code duckdb}, {@code athena})
     * @throws Views.LostLockException when the table holds another build's view after the commit
     */
    void publishAsOf(
            Instant time,
            Snapshot snapshot,
            SnapshotSchema schema,
            String folder,
            Map<String, Long> parts,
            ViewCatalog.Buckets buckets,
            String engine,
            Optional<String> replacing) {
        ObjectNode view = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("table", tableName)
                .put("asOf", time.toString())
                .put("location", lake.uri(folder))
                .put("engine", engine)
                .put("snapshot", snapshot.exportId())
                .put("snapshotExportTime", snapshot.exportTime().toString())
                .put(
                        "itemCount",
                        parts.values().stream().mapToLong(Long::longValue).sum())
                .put("schemaVersion", schema.version())
                .put("builtAt", clock.instant().toString());
        view.set("schema", schema.toJson());
        String key = folder + "_view.json";
        lake.putJson(key, view);
        Optional<String> replaced = replacing;
        catalog.registerAsOf(new ViewCatalog.AsOf(
                time, schema, lake.uri(folder), parts, buckets, snapshot.exportId(), key, replacing.orElse(null)));
        Optional<String> held = catalog.publishedAsOfState(time);
        if (held.isEmpty() || !held.get().equals(key)) {
            throw new Views.LostLockException("Another build of " + tableName + " as of " + time
                    + " was committed after this one (the table names "
                    + held.map(lake::uri).orElse("nothing")
                    + "): its folder is left to it");
        }
        // Every other build's folder, and what an earlier release wrote straight into the time's folder, but for this
        // build's and the one it replaced.
        String timeFolder = layout.asOfFolder(time);
        String replacedFolder = replaced.filter(r -> !r.equals(key))
                .map(r -> r.substring(0, r.lastIndexOf('/') + 1))
                .orElse(null);
        List<String> old = new ArrayList<>();
        for (S3Object o : lake.list(timeFolder)) {
            boolean kept = o.key().startsWith(folder)
                    || (replacedFolder != null && o.key().startsWith(replacedFolder));
            if (!kept) {
                old.add(o.key());
            }
        }
        lake.delete(old);
    }

    /** The {@code _view.json} (lake key) the table of the view as of {@code time} names now, if it has one. */
    Optional<String> publishedAsOf(Instant time) {
        return catalog.publishedAsOfState(time);
    }

    /** The published snapshot: the export the catalog's snapshot table holds (see {@link Published}). */
    Optional<SnapshotRecord> publishedSnapshot() {
        return Published.snapshot(lake, layout, tableName, catalog.publishedSnapshot());
    }

    /**
     * What a run of the current view reads: the published snapshot, the view it continues from (when incremental),
     * and the delta objects not yet applied, listed now. {@code listed} is every delta object the listing found, from
     * which the run records what it applied; {@code applied} is what the previous run recorded, each object by
     * {@link #id its key and ETag} (an object written again under the same key is another object).
     */
    record Plan(
            Snapshot snapshot,
            Optional<JsonNode> previous,
            boolean incremental,
            String floor,
            Instant since,
            Set<String> applied,
            List<String> objects,
            Map<String, Listed> listed,
            Instant now) {
        long version() {
            return previous.map(p -> p.path("version").asLong()).orElse(0L) + 1;
        }
    }

    /**
     * The number of the version a planned run builds: after the published version, after every version the table's
     * history holds (a rollback keeps later ones), and after every state the lake holds (a table dropped, or a catalog
     * changed, does not make numbers start again): a number is never used twice.
     */
    long nextVersion(Plan plan) {
        // The lake's states first, the table last: a build that pauses after planning holds the number it read.
        long highest = Published.highestStateVersion(lake, layout);
        highest = Math.max(highest, catalog.publishedVersion());
        return Math.max(plan.version(), highest + 1);
    }

    /**
     * Plans a run; empty when there is no published snapshot yet, or when an incremental run has nothing to apply.
     *
     * <p>Every run lists the delta objects from the snapshot's floor on: any of them can hold a change the snapshot
     * lacks, whatever hour folder it landed in and however late (Firehose's retries for up to 24 hours, an operator
     * copying objects back days later). The objects before the floor hold only changes the snapshot supersedes, so a
     * run lists about one export interval of objects ({@code export.interval}, 24 hours), however old the lake. An
     * incremental run applies the objects an earlier run has not: those not in the previous state's {@code applied} list,
     * which holds the objects last modified within {@code late} of the previous listing, and not last modified
     * before it (every earlier listing saw those).
     *
     * @param continuable whether the engine can go on from the published view (its engine, its buckets)
     * @param late how far an object's last-modified time may trail the moment a listing first shows it (S3 stamps an
     *     upload when it starts) plus how far this clock and S3's may differ
     */
    Optional<Plan> plan(
            boolean rebuild, java.util.function.Predicate<JsonNode> continuable, Duration margin, Duration late) {
        Optional<SnapshotRecord> published = publishedSnapshot();
        if (published.isEmpty()) {
            LOG.info("No published snapshot of {} yet: the current view waits for the first one", tableName);
            return Optional.empty();
        }
        Snapshot snapshot = snapshot(published.get());
        Optional<JsonNode> previous = published();
        boolean incremental = !rebuild
                && previous.isPresent()
                && previous.get().path("snapshot").asText().equals(snapshot.exportId())
                && continuable.test(previous.get());
        Instant now = clock.instant();
        String floor = floor(snapshot, margin);
        Set<String> applied = new java.util.HashSet<>();
        Instant seenBefore = null;
        String seenFloor = null;
        if (incremental) {
            JsonNode deltas = previous.get().path("deltas");
            for (JsonNode a : deltas.path("applied")) {
                // {key, etag}; a state of an earlier release names the key only
                applied.add(
                        a.isTextual()
                                ? a.asText()
                                : id(
                                        a.path("key").asText(),
                                        a.hasNonNull("etag") ? a.get("etag").asText() : null));
            }
            if (deltas.hasNonNull("listedAt")) {
                // Never after now: a run whose clock ran ahead must not make this one skip what it has not seen.
                Instant listedAt = Instant.parse(deltas.path("listedAt").asText());
                seenBefore = (listedAt.isAfter(now) ? now : listedAt).minus(late);
            } else {
                seenFloor = deltas.path("floor").asText(); // a state of an earlier release: all before it applied
            }
        }
        Map<String, Listed> listed = listDeltas(floor);
        List<String> objects = new ArrayList<>();
        for (var e : listed.entrySet()) {
            String key = e.getKey();
            Instant modified = e.getValue().modified();
            boolean seen = applied.contains(id(key, e.getValue().etag()))
                    || applied.contains(key)
                    || (seenBefore != null && modified != null && modified.isBefore(seenBefore))
                    || (seenFloor != null
                            && source == DeltaSource.STREAM
                            && hourOf(key).compareTo(seenFloor) < 0);
            if (!seen) {
                objects.add(key);
            }
        }
        if (incremental && objects.isEmpty()) {
            LOG.debug("The current view of {} is up to date", tableName);
            return Optional.empty();
        }
        return Optional.of(new Plan(
                snapshot, previous, incremental, floor, since(snapshot, margin), applied, objects, listed, now));
    }

    /**
     * The state's {@code deltas} after a run: the floor, the time of the run's listing, and the objects applied so
     * far that were last modified within {@code late} of it (with incremental exports, every applied object: an
     * export's files are taken when its marker lands, not by their time).
     */
    com.fasterxml.jackson.databind.node.ObjectNode appliedAfter(Plan plan, Duration late) {
        var deltas = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("floor", plan.floor())
                .put("listedAt", plan.now().toString());
        var applied = deltas.putArray("applied");
        Set<String> now = new java.util.HashSet<>(plan.objects());
        Instant recent = plan.now().minus(late);
        plan.listed().forEach((key, o) -> {
            boolean held = now.contains(key)
                    || plan.applied().contains(key)
                    || plan.applied().contains(id(key, o.etag()));
            if (held && (o.modified() == null || !o.modified().isBefore(recent))) {
                applied.addObject().put("key", key).put("etag", o.etag());
            }
        });
        return deltas;
    }

    /** A listed delta object: when it was last modified and its ETag (null for incremental exports' files). */
    record Listed(Instant modified, String etag) {}

    /** An object as a state remembers it applied: its key and its ETag. */
    static String id(String key, String etag) {
        return etag == null ? key + "\n" : key + "\n" + etag;
    }

    /** Every delta object from {@code floor} on, in key order. */
    private Map<String, Listed> listDeltas(String floor) {
        Map<String, Listed> out = new java.util.LinkedHashMap<>();
        if (source == DeltaSource.EXPORT) {
            deltaObjects(floor, null, Duration.ZERO).forEach(k -> out.put(k, new Listed(null, null)));
            return out;
        }
        for (String prefix : List.of(layout.deltasPrefix(), layout.overflowPrefix())) {
            for (S3Object o : lake.listAfter(prefix, prefix + floor)) {
                out.put(o.key(), new Listed(o.lastModified(), o.eTag()));
            }
        }
        return out;
    }

    /**
     * Where a build from a snapshot starts reading changes: for the stream's deltas the hour folder of {@code margin}
     * before its export time (Firehose files a record under the hour it arrived, which is after the change was
     * made); for incremental exports the snapshot's export time as padded epoch milliseconds, which an export's
     * window must end after to be applied (one that ends at or before it holds nothing the snapshot lacks).
     */
    String floor(Snapshot snapshot, Duration margin) {
        return source == DeltaSource.STREAM ? hour(snapshot.exportTime().minus(margin)) : millis(snapshot.exportTime());
    }

    /**
     * The oldest change a view built on the snapshot applies, by the change's own time: {@code margin} before the
     * export time. An older change is in the snapshot already, or was overridden by one that is; a late or repeated
     * delivery of it must not bring back what the snapshot no longer holds.
     */
    static Instant since(Snapshot snapshot, Duration margin) {
        return snapshot.exportTime().minus(margin);
    }

    /**
     * The delta objects from {@code floor} on, in key order. With {@code until}, only those that may hold changes up
     * to it: the stream's hour folders up to {@code until} plus {@link #STREAM_RETENTION} plus the late window (a
     * change made by then reaches Firehose while the stream still holds it, however long the consumer was stopped,
     * and lands at most the late window after its hour), the incremental exports whose window starts at or before it.
     */
    List<String> deltaObjects(String floor, Instant until, Duration lateWindow) {
        List<String> out = new ArrayList<>();
        if (source == DeltaSource.EXPORT) {
            // One listing: the markers say which exports are whole, the other keys are their files.
            java.util.Map<String, List<String>> files = new java.util.TreeMap<>();
            List<String> markers = new ArrayList<>();
            for (S3Object o : lake.list(layout.exportDeltasPrefix())) {
                String key = o.key();
                String folder = key.substring(0, key.lastIndexOf('/') + 1);
                if (key.endsWith("/_published.json")) {
                    markers.add(key);
                } else if (!key.substring(folder.length()).startsWith("_")) {
                    files.computeIfAbsent(folder, f -> new ArrayList<>()).add(key);
                }
            }
            for (String key : markers) {
                DeltasExportRecord marker = lake.record(key, DeltasExportRecord.class);
                Instant to = marker.exportToTime();
                Instant from = marker.from();
                if (millis(to).compareTo(floor) > 0 && (until == null || !from.isAfter(until))) {
                    out.addAll(files.getOrDefault(key.substring(0, key.lastIndexOf('/') + 1), List.of()));
                }
            }
            out.sort(null);
            return out;
        }
        String ceiling =
                until == null ? null : hour(until.plus(STREAM_RETENTION).plus(lateWindow));
        for (String key : listDeltas(floor).keySet()) {
            if (ceiling == null || hourOf(key).compareTo(ceiling) <= 0) {
                out.add(key);
            }
        }
        return out;
    }

    private static String millis(Instant t) {
        return String.format("%015d", t.toEpochMilli());
    }

    /** {@code …/deltas/2026/11/26/07/name} → {@code 2026/11/26/07}. */
    static String hourOf(String key) {
        int end = key.lastIndexOf('/');
        int start = end;
        for (int i = 0; i < 4; i++) {
            start = key.lastIndexOf('/', start - 1);
        }
        return key.substring(start + 1, end);
    }

    /** The hour folder a time falls in: {@code 2026/11/26/07}. */
    static String hour(Instant t) {
        return LakeLayout.hourFolder("", t);
    }

    Snapshot snapshot(SnapshotRecord published) {
        String id = published.exportId();
        JsonNode schemaJson = lake.json(layout.snapshotSchema(id));
        SnapshotSchema schema = SnapshotSchema.fromJson(schemaJson);
        return new Snapshot(id, published.exportTime(), published.partKeys(), schema, schemaJson);
    }

    /** Published snapshots kept in the lake, oldest first. */
    List<Snapshot> publishedSnapshots() {
        List<Snapshot> out = new ArrayList<>();
        for (SnapshotRecord record : Published.snapshotRecords(lake, layout)) {
            out.add(snapshot(record));
        }
        out.sort(Comparator.comparing(Snapshot::exportTime));
        return out;
    }

    /** From the oldest published snapshot kept to now less the as-of lag. */
    Optional<Instant[]> availableRange(Duration asOfLag) {
        List<Snapshot> snapshots = publishedSnapshots();
        if (snapshots.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                new Instant[] {snapshots.get(0).exportTime(), clock.instant().minus(asOfLag)});
    }

    /**
     * The latest snapshot at or before {@code time}.
     *
     * @throws IllegalArgumentException when the lake cannot answer for that time, saying which times it can
     */
    Snapshot snapshotFor(Instant time, Duration asOfLag) {
        List<Snapshot> snapshots = publishedSnapshots();
        Instant latest = clock.instant().minus(asOfLag);
        if (snapshots.isEmpty()) {
            throw new IllegalArgumentException(
                    "The lake of " + tableName + " has no published snapshot yet, so no time can be answered");
        }
        Snapshot snapshot = null;
        for (Snapshot s : snapshots) {
            if (!s.exportTime().isAfter(time)) {
                snapshot = s;
            }
        }
        if (snapshot == null || time.isAfter(latest)) {
            throw new IllegalArgumentException("The lake of " + tableName + " can answer for times from "
                    + snapshots.get(0).exportTime() + " (the oldest snapshot kept) to " + latest
                    + " (now, less views.as-of-lag for deltas still arriving); " + time + " is "
                    + (snapshot == null ? "before that" : "after that"));
        }
        return snapshot;
    }

    /** {@code demo-orders} → {@code demo_orders_<suffix>}: the name of one of the table's SQL tables. */
    String sqlTable(String suffix) {
        return tableName.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + suffix;
    }

    /**
     * The SQL that reads a published version. A version whose folder holds all of its parts is read by folder; one
     * that names unchanged parts where earlier versions wrote them is read by its list of parts (or, better, by name
     * as the Iceberg table {@code <table>_current}).
     */
    String catalogSql(SnapshotSchema schema, JsonNode state) {
        String table = sqlTable("current");
        String location = state.path("location").asText();
        if (state.path("inPlace").asBoolean(false)) {
            return "-- The current view of " + tableName + " (schema " + schema.version() + ", version "
                    + state.path("version").asText() + ") was merged into its Iceberg table in place: its data"
                    + " files carry row-level\n-- deletes, so only an Iceberg reader reads it right. Read it by"
                    + " name as the table " + table + " of the lake's catalog\n-- (lake.catalog.namespace), or"
                    + " with DuckDB's iceberg extension: SELECT * FROM iceberg_scan('"
                    + lake.uri(layout.icebergTable("current")) + "');\n";
        }
        List<String> parts = new ArrayList<>();
        state.path("parts").forEach(p -> parts.add(lake.uri(p.path("key").asText())));
        List<String> deletes = new ArrayList<>();
        state.path("deletes").forEach(p -> deletes.add(lake.uri(p.path("key").asText())));
        if (!deletes.isEmpty()) { // a delete file names a part: there are parts
            return "-- The current view of " + tableName + " (schema " + schema.version() + ", version "
                    + state.path("version").asText() + "): its parts lie in the folders of the versions that"
                    + " wrote them,\n-- less the rows its Iceberg position delete files remove (rows later changes"
                    + " replaced). Every Iceberg reader reads it by name\n-- as the table " + table + " of the"
                    + " lake's catalog (lake.catalog.namespace). DuckDB 1.5 (with the httpfs extension and S3"
                    + " credentials;\n-- the delete files name the parts by their last two path segments, so a copy"
                    + " of the lake elsewhere reads the same):\n"
                    + "CREATE OR REPLACE VIEW " + table + " AS " + ViewSql.liveRows(parts, parts, deletes, "p.*")
                    + ";\n";
        }
        boolean whole = parts.stream().allMatch(p -> p.startsWith(location));
        if (!whole) {
            return "-- The current view of " + tableName + " (schema " + schema.version() + ", version "
                    + state.path("version").asText() + "): its parts lie in the folders of the versions that"
                    + " last\n-- rewrote them. Every Iceberg reader reads it by name as the table " + table
                    + " of the lake's catalog\n-- (lake.catalog.namespace). DuckDB (with the httpfs extension"
                    + " and S3 credentials):\n"
                    + "CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM read_parquet(["
                    + String.join(", ", parts.stream().map(p -> "'" + p + "'").toList()) + "]);\n";
        }
        return "-- The current view of " + tableName + " (schema " + schema.version()
                + "); its location moves with every version. Athena and Glue:\n"
                + schema.athenaDdl(table, location)
                + "ALTER TABLE `" + table + "` SET LOCATION '" + location + "';\n"
                + "\n-- DuckDB (with the httpfs extension and S3 credentials):\n"
                + "CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM read_parquet('" + location + "*.parquet');\n";
    }

    /** The deltas as a table: one row per change, the images as JSON text (history of a key, audits). */
    String deltasSql() {
        String table = sqlTable("deltas");
        String location = lake.uri(layout.deltasPrefix());
        return "-- Every change of " + tableName + " that reached the lake from the stream, one row each. Order a"
                + " key's changes by\n-- sequenceNumber as a number: ORDER BY length(sequenceNumber), sequenceNumber."
                + " Athena and Glue:\n"
                + "CREATE EXTERNAL TABLE IF NOT EXISTS `" + table + "` (\n"
                + "  `action` string,\n  `sequenceNumber` string,\n  `object` string,\n  `keys` string,\n"
                + "  `oldObject` string,\n  `approximateCreationDateTime` string,\n  `eventId` string,\n"
                + "  `table` string,\n  `shardId` string,\n  `ttlExpired` boolean,\n  `keysOnly` boolean\n)\n"
                + "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
                + "LOCATION '" + location + "';\n"
                + "\n-- DuckDB (with the httpfs extension and S3 credentials); DuckDB reads the numbers inside the"
                + " images as doubles,\n-- the views' _item column keeps them exact:\n"
                + "CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM read_ndjson('" + location + "*/*/*/*/*',"
                + " columns = {action: 'VARCHAR', sequenceNumber: 'VARCHAR', object: 'JSON', keys: 'JSON',"
                + " oldObject: 'JSON', approximateCreationDateTime: 'TIMESTAMP', eventId: 'VARCHAR', \"table\": 'VARCHAR',"
                + " shardId: 'VARCHAR', ttlExpired: 'BOOLEAN', keysOnly: 'BOOLEAN'});\n";
    }

    /**
     * The parts of the versions a new version keeps beside itself: the previous version's and those it kept, the
     * newest {@code keep - 1} versions in all, each a list of keys. Readers of those versions (a query that planned
     * an older commit, time travel to the Iceberg table's kept commits) still find their parts.
     */
    com.fasterxml.jackson.databind.node.ArrayNode retained(Optional<JsonNode> previous, int keep) {
        var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        if (previous.isEmpty() || keep < 2) {
            return out;
        }
        var keys = out.addArray();
        previous.get().path("parts").forEach(p -> keys.add(p.path("key").asText()));
        previous.get().path("deletes").forEach(p -> keys.add(p.path("key").asText()));
        ViewBuilder.tombstoneFiles(previous.get())
                .forEach(p -> keys.add(p.path("key").asText()));
        for (JsonNode older : previous.get().path("retained")) {
            if (out.size() >= keep - 1) {
                break;
            }
            out.add(older);
        }
        return out;
    }

    /** The tombstone files a state names, by the state's lake key: states are never written twice. */
    private final Map<String, List<String>> keptTombstones = new java.util.concurrent.ConcurrentHashMap<>();

    private List<String> tombstoneFilesOf(String stateKey) {
        return lake.jsonIfPresent(stateKey)
                .map(s -> ViewBuilder.tombstoneFiles(s).stream()
                        .map(f -> f.path("key").asText())
                        .toList())
                .orElse(List.of());
    }

    /**
     * Deletes what the current view's versions older than the {@code keep} newest hold, but for the parts a kept
     * version still names (an incremental version names the unchanged parts where an earlier version wrote them) and
     * for whatever a commit the table keeps reads (its data files, and its tombstones and state).
     */
    void expireVersions(JsonNode state, int keep) {
        long oldestKept = state.path("version").asLong() - Math.max(1, keep) + 1;
        Set<String> named = new java.util.HashSet<>();
        state.path("parts").forEach(p -> named.add(p.path("key").asText()));
        state.path("deletes").forEach(p -> named.add(p.path("key").asText()));
        ViewBuilder.tombstoneFiles(state).forEach(p -> named.add(p.path("key").asText()));
        state.path("retained").forEach(v -> v.forEach(k -> named.add(k.asText())));
        // Whatever a commit the table keeps reads, whatever its number: after a rollback the table's kept commits are
        // not the newest numbers (time travel and a rollback back to them read their files), and a commit that names
        // no state (another tool's, a taken-over one) reads files all the same.
        named.addAll(catalog.keptFiles());
        Set<String> keptVersions = new java.util.HashSet<>();
        for (String kept : catalog.keptStates()) {
            // Its tombstone files, which earlier versions' folders may hold: a rollback to it reads them.
            named.addAll(keptTombstones.computeIfAbsent(kept, this::tombstoneFilesOf));
            String file = kept.substring(kept.lastIndexOf('/') + 1);
            keptVersions.add(file.endsWith(".json") ? file.substring(0, file.length() - 5) : file);
        }
        // Every attempt's folder, tombstones and state of an expired version: the published one's, and any a replica
        // that lost its lease or a run that died left. One listing of the view's prefix holds them all.
        String prefix = layout.currentPrefix();
        String tombstones = layout.currentTombstonesPrefix().substring(prefix.length());
        String states = layout.currentStates().substring(prefix.length());
        List<String> expired = new ArrayList<>();
        for (S3Object o : lake.list(prefix)) {
            String rest = o.key().substring(prefix.length());
            String name;
            if (rest.startsWith(states)) {
                name = rest.substring(states.length()); // <version>-<attempt>.json
            } else {
                String inFolder = rest.startsWith(tombstones) ? rest.substring(tombstones.length()) : rest;
                int slash = inFolder.indexOf('/');
                name = slash > 0 ? inFolder.substring(0, slash) : ""; // <version>-<attempt>/…
            }
            long v = LakeLayout.versionOf(name);
            String attempt = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
            if (v >= 0 && v < oldestKept && !named.contains(o.key()) && !keptVersions.contains(attempt)) {
                expired.add(o.key());
            }
        }
        lake.delete(expired);
    }
}
