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
    /** A published snapshot: its parts and the schema its discovery chose. */
    record Snapshot(
            String exportId, Instant exportTime, List<String> parts, SnapshotSchema schema, JsonNode schemaJson) {
        SchemaDiscovery discovery() {
            return schemaJson.has("discovery")
                    ? SchemaDiscovery.fromJson(schemaJson.path("discovery"))
                    : new SchemaDiscovery();
        }
    }

    final LakeStore lake;
    final LakeLayout layout;
    final String tableName;
    private final Clock clock;

    ViewLake(LakeStore lake, LakeLayout layout, String tableName, Clock clock) {
        this.lake = lake;
        this.layout = layout;
        this.tableName = tableName;
        this.clock = clock;
    }

    Optional<JsonNode> currentPointer() {
        return lake.jsonIfPresent(layout.currentViewPointer());
    }

    Optional<JsonNode> snapshotPointer() {
        return lake.jsonIfPresent(layout.currentSnapshotPointer());
    }

    /**
     * The delta objects (Firehose's and the overflow's) in hour folders from {@code floor} to {@code ceiling}
     * (inclusive; null: no end), in key order.
     */
    List<String> deltaObjects(String floor, String ceiling) {
        List<String> out = new ArrayList<>();
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

    /** From the oldest published snapshot kept to now less the late window. */
    Optional<Instant[]> availableRange(Duration lateWindow) {
        List<Snapshot> snapshots = publishedSnapshots();
        if (snapshots.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                new Instant[] {snapshots.get(0).exportTime(), clock.instant().minus(lateWindow)});
    }

    /**
     * The latest snapshot at or before {@code time}.
     *
     * @throws IllegalArgumentException when the lake cannot answer for that time, saying which times it can
     */
    Snapshot snapshotFor(Instant time, Duration lateWindow) {
        List<Snapshot> snapshots = publishedSnapshots();
        Instant latest = clock.instant().minus(lateWindow);
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
                    + " (now, less views.late-window for deltas still arriving); " + time + " is "
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
                + "  `table` string,\n  `shardId` string,\n  `ttlExpired` boolean\n)\n"
                + "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
                + "LOCATION '" + location + "';\n"
                + "\n-- DuckDB (with the httpfs extension and S3 credentials); DuckDB reads the numbers inside the"
                + " images as doubles,\n-- the views' _item column keeps them exact:\n"
                + "CREATE OR REPLACE VIEW " + table + " AS SELECT * FROM read_ndjson('" + location + "*/*/*/*/*',"
                + " columns = {action: 'VARCHAR', sequenceNumber: 'VARCHAR', object: 'JSON', keys: 'JSON',"
                + " oldObject: 'JSON', approximateCreationDateTime: 'TIMESTAMP', eventId: 'VARCHAR', \"table\": 'VARCHAR',"
                + " shardId: 'VARCHAR', ttlExpired: 'BOOLEAN'});\n";
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
        for (String f : folders) {
            if (Long.parseLong(f) < oldestKept) {
                lake.deleteAll(layout.currentPrefix() + f + "/");
            }
        }
    }
}
