package views;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import lake.LakeLayout;
import lake.LakeStore;
import lake.SchemaDiscovery;
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

    ViewLake(LakeStore lake, LakeLayout layout, String tableName, Clock clock, DeltaSource source) {
        this.lake = lake;
        this.layout = layout;
        this.tableName = tableName;
        this.clock = clock;
        this.source = source;
    }

    Optional<JsonNode> currentPointer() {
        return lake.jsonIfPresent(layout.currentViewPointer());
    }

    Optional<JsonNode> snapshotPointer() {
        return lake.jsonIfPresent(layout.currentSnapshotPointer());
    }

    /**
     * What a run of the current view reads: the published snapshot, the view it continues from (when incremental),
     * and the delta objects not yet applied, listed now. The objects listed are the ones the run records as applied.
     */
    record Plan(
            Snapshot snapshot,
            Optional<JsonNode> previous,
            boolean incremental,
            String floor,
            Instant since,
            Set<String> applied,
            List<String> objects,
            Instant now) {
        long version() {
            return previous.map(p -> p.path("version").asLong()).orElse(0L) + 1;
        }
    }

    /**
     * Plans a run; empty when there is no published snapshot yet, or when an incremental run has nothing to apply.
     *
     * @param continuable whether the engine can go on from the published view (its engine, its buckets)
     */
    Optional<Plan> plan(
            boolean rebuild, java.util.function.Predicate<JsonNode> continuable, Duration margin, Duration late) {
        Optional<JsonNode> snapshotPointer = snapshotPointer();
        if (snapshotPointer.isEmpty()) {
            LOG.info("No published snapshot of {} yet: the current view waits for the first one", tableName);
            return Optional.empty();
        }
        Snapshot snapshot = snapshot(snapshotPointer.get());
        Optional<JsonNode> previous = currentPointer();
        boolean incremental = !rebuild
                && previous.isPresent()
                && previous.get().path("snapshot").asText().equals(snapshot.exportId())
                && continuable.test(previous.get());
        Instant now = clock.instant();
        String floor;
        Set<String> applied = new java.util.HashSet<>();
        if (incremental) {
            floor = previous.get().path("deltas").path("floor").asText();
            previous.get().path("deltas").path("applied").forEach(k -> applied.add(k.asText()));
        } else {
            floor = floor(snapshot, margin);
        }
        List<String> objects = deltaObjects(floor, null, late);
        objects.removeIf(applied::contains);
        if (incremental && objects.isEmpty()) {
            LOG.debug("The current view of {} is up to date", tableName);
            return Optional.empty();
        }
        return Optional.of(
                new Plan(snapshot, previous, incremental, floor, since(snapshot, margin), applied, objects, now));
    }

    /**
     * The pointer's {@code deltas} after a run: the new floor, and the applied objects at or after it (those before
     * it have all been seen).
     */
    com.fasterxml.jackson.databind.node.ObjectNode appliedAfter(Plan plan, Duration late) {
        String newFloor = nextFloor(plan.floor(), plan.now(), late);
        var deltas = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("floor", newFloor);
        var applied = deltas.putArray("applied");
        Set<String> all = new java.util.TreeSet<>(plan.applied());
        all.addAll(plan.objects());
        for (String k : all) {
            if (atOrAfter(k, newFloor)) {
                applied.add(k);
            }
        }
        return deltas;
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
                JsonNode marker = lake.json(key);
                Instant to = Instant.parse(marker.path("exportToTime").asText());
                String fromText = marker.path("exportFromTime").asText();
                Instant from = fromText.isEmpty() || fromText.equals("null") ? to : Instant.parse(fromText);
                if (millis(to).compareTo(floor) > 0 && (until == null || !from.isAfter(until))) {
                    out.addAll(files.getOrDefault(key.substring(0, key.lastIndexOf('/') + 1), List.of()));
                }
            }
            out.sort(null);
            return out;
        }
        String ceiling =
                until == null ? null : hour(until.plus(STREAM_RETENTION).plus(lateWindow));
        for (String prefix : List.of(layout.deltasPrefix(), layout.overflowPrefix())) {
            for (S3Object o : lake.listAfter(prefix, prefix + floor)) {
                String hour = hourOf(o.key());
                if (ceiling != null && hour.compareTo(ceiling) > 0) {
                    break;
                }
                out.add(o.key());
            }
        }
        return out;
    }

    /**
     * The floor the next incremental build starts from. The stream's objects in hours before {@code now} less the
     * late window have all landed; an incremental export lands whole, so that floor stays where the snapshot put it.
     */
    String nextFloor(String floor, Instant now, Duration lateWindow) {
        if (source == DeltaSource.EXPORT) {
            return floor;
        }
        String next = hour(now.minus(lateWindow));
        return next.compareTo(floor) < 0 ? floor : next;
    }

    /** Whether an applied object must be remembered by key: it lies at or after the floor. */
    boolean atOrAfter(String key, String floor) {
        return source == DeltaSource.EXPORT || hourOf(key).compareTo(floor) >= 0;
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

    Snapshot snapshot(JsonNode pointer) {
        String id = pointer.path("exportId").asText();
        JsonNode schemaJson = lake.json(layout.snapshotSchema(id));
        SnapshotSchema schema = SnapshotSchema.fromJson(schemaJson);
        List<String> parts = new ArrayList<>();
        pointer.path("parts").forEach(p -> parts.add(p.path("key").asText()));
        return new Snapshot(id, Instant.parse(pointer.path("exportTime").asText()), parts, schema, schemaJson);
    }

    /** Published snapshots kept in the lake, oldest first. */
    List<Snapshot> publishedSnapshots() {
        List<Snapshot> out = new ArrayList<>();
        for (S3Object o : lake.list(layout.snapshotsPrefix())) {
            if (o.key().endsWith("/_published.json")) {
                out.add(snapshot(lake.json(o.key())));
            }
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

    String catalogSql(SnapshotSchema schema, String location) {
        String table = sqlTable("current");
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

    /** Deletes the current view's versions older than the {@code keep} newest. */
    void expireVersions(long current, int keep) {
        long oldestKept = current - Math.max(1, keep) + 1;
        Set<String> folders = new java.util.TreeSet<>();
        for (S3Object o : lake.list(layout.currentPrefix())) {
            String rest = o.key().substring(layout.currentPrefix().length());
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.substring(0, slash).matches("\\d{8}")) {
                folders.add(rest.substring(0, slash));
            }
        }
        for (S3Object o : lake.list(layout.currentPrefix() + "_tombstones/")) {
            String rest = o.key().substring(layout.currentPrefix().length() + "_tombstones/".length());
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.substring(0, slash).matches("\\d{8}")) {
                folders.add(rest.substring(0, slash));
            }
        }
        for (String f : folders) {
            if (Long.parseLong(f) < oldestKept) {
                lake.deleteAll(layout.currentPrefix() + f + "/");
                lake.deleteAll(layout.currentTombstones(Long.parseLong(f)));
            }
        }
    }
}
