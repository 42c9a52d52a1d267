package testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.DemoOrders.key;
import static testsupport.DemoOrders.scan;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import lake.ParquetPartWriter;
import lake.SnapshotSchema;

/**
 * What the view tests read and wait for: the table as the deltas in the lake fold it, the items of a view's Parquet
 * parts (through S3, in DuckDB), and the JMX operations of ViewControl.
 */
public final class ViewProbe {
    private final LocalStackExtension aws;
    private final String table;
    private final Lake lake;
    private final Path downloads;

    public ViewProbe(LocalStackExtension aws, String table, Path downloads) {
        this.aws = aws;
        this.table = table;
        this.lake = Apps.lake(aws, table);
        this.downloads = downloads;
    }

    /** Re-inserts some deleted keys: a key's REMOVE followed by a new INSERT of the same key. */
    public void reinsertDeletedKeys() {
        DemoItems items = new DemoItems(99);
        int n = 0;
        for (long i = 0; i < 2_000 && n < 20; i++) {
            var key = DemoItems.key(i);
            if (aws.dynamoDb().getItem(b -> b.tableName(table).key(key)).item().isEmpty()) {
                var item = items.order(i);
                aws.dynamoDb().putItem(b -> b.tableName(table).item(item));
                n++;
            }
        }
        assertThat(n).as("deleted keys re-inserted").isPositive();
    }

    /**
     * Waits until the deltas in the lake, folded the simplest way (latest sequence number per key), give the table
     * as a Scan shows it: every change has landed. Returns that table. Items that expire (time to live, one or two
     * seconds in the view tests) are waited out first, so the table does not change behind the test's back.
     */
    public Map<String, JsonNode> awaitDeltasLanded() {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            Map<String, JsonNode> items = scan(aws.dynamoDb(), table);
                            boolean expiringGone =
                                    items.values().stream().noneMatch(i -> i.has(DemoItems.TTL_ATTRIBUTE));
                            return expiringGone && fold(lake.envelopes()).equals(items) ? items : null;
                        },
                        t -> t != null);
    }

    private static Map<String, JsonNode> fold(List<JsonNode> envelopes) {
        Map<String, JsonNode> latest = new HashMap<>();
        for (JsonNode e : envelopes) {
            String k = key(e.path("keys"));
            JsonNode seen = latest.get(k);
            if (seen == null
                    || new BigInteger(e.path("sequenceNumber").asText())
                                    .compareTo(new BigInteger(
                                            seen.path("sequenceNumber").asText()))
                            > 0) {
                latest.put(k, e);
            }
        }
        Map<String, JsonNode> out = new HashMap<>();
        latest.forEach((k, e) -> {
            if (!e.path("action").asText().equals("REMOVE")) {
                out.put(k, e.path("object"));
            }
        });
        return out;
    }

    /**
     * The items of a published version: its pointer's parts, wherever they lie, less the rows its position delete
     * files remove.
     */
    public Map<String, JsonNode> view(JsonNode pointer) throws Exception {
        return items(open(pointer), "version " + pointer.path("version").asText());
    }

    /**
     * DuckDB with a view {@code v} over a published version's rows, fetched through S3: its parts less the rows its
     * position delete files remove (by the SQL the version's {@code _catalog/current.sql} gives DuckDB's users).
     */
    public Connection open(JsonNode pointer) throws Exception {
        List<String> deletes = new java.util.ArrayList<>();
        pointer.path("deletes").forEach(p -> deletes.add(p.path("key").asText()));
        if (deletes.isEmpty()) {
            return open(partKeys(pointer));
        }
        Path dir = Files.createTempDirectory(downloads, "view");
        List<String> parts = partKeys(pointer);
        List<String> files = new java.util.ArrayList<>();
        List<String> uris = new java.util.ArrayList<>();
        List<String> deleteFiles = new java.util.ArrayList<>();
        for (String key : parts) {
            files.add(fetch(key, dir.resolve(String.format("%05d.parquet", files.size()))));
            uris.add("s3://dynamo-lake/" + key);
        }
        for (String key : deletes) {
            deleteFiles.add(fetch(key, dir.resolve(String.format("deletes-%05d.parquet", deleteFiles.size()))));
        }
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = db.createStatement()) {
            st.execute("CREATE VIEW v AS " + views.ViewSql.liveRows(files, uris, deleteFiles, "p.*"));
        }
        return db;
    }

    private String fetch(String key, Path file) throws java.io.IOException {
        Files.write(
                file,
                aws.s3().getObjectAsBytes(b -> b.bucket("dynamo-lake").key(key)).asByteArray());
        return file.toString();
    }

    /** The {@code _key} of every row of a published version, by the part (its key in the lake) that holds it. */
    public Map<String, List<String>> keysByPart(JsonNode pointer) throws Exception {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String part : partKeys(pointer)) {
            List<String> keys = new java.util.ArrayList<>();
            try (Connection db = open(List.of(part));
                    Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT _key FROM v")) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
            out.put(part, keys);
        }
        return out;
    }

    /**
     * Rows of a published version whose columns are not those the project's writer gives the row's item JSON, key and
     * sequence number: typed columns, the export id and time. Zero when every typed value, copied or written, is its
     * item's.
     */
    public long rowsNotTheirItems(JsonNode pointer) throws Exception {
        SnapshotSchema schema = SnapshotSchema.fromJson(pointer.path("schema"));
        Path file = Files.createTempFile(downloads, "rewritten", ".parquet");
        try (Connection db = open(pointer)) {
            try (ParquetPartWriter w = new ParquetPartWriter(
                            file,
                            schema,
                            "zstd",
                            pointer.path("snapshot").asText(),
                            java.time.Instant.parse(
                                    pointer.path("snapshotExportTime").asText()));
                    Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT _item, _key, _seq FROM v")) {
                while (rs.next()) {
                    w.writePlain(
                            rs.getString(1).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            rs.getString(2),
                            rs.getString(3));
                }
            }
            String rewritten = "read_parquet('" + file + "')";
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM ((SELECT * FROM v EXCEPT ALL SELECT * FROM " + rewritten
                                    + ") UNION ALL (SELECT * FROM " + rewritten + " EXCEPT ALL SELECT * FROM v))")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static List<String> partKeys(JsonNode pointer) {
        List<String> keys = new java.util.ArrayList<>();
        pointer.path("parts").forEach(p -> keys.add(p.path("key").asText()));
        return keys;
    }

    /** DuckDB with a view {@code v} over every Parquet part in a lake folder, fetched through S3. */
    public Connection open(String folder) throws Exception {
        List<String> keys = new java.util.ArrayList<>();
        for (var o : aws.s3()
                .listObjectsV2Paginator(b -> b.bucket("dynamo-lake").prefix(folder))
                .contents()) {
            if (o.key().endsWith(".parquet")) {
                keys.add(o.key());
            }
        }
        return open(keys);
    }

    /** DuckDB with a view {@code v} over the Parquet objects named, fetched through S3. */
    private Connection open(List<String> keys) throws Exception {
        Path dir = Files.createTempDirectory(downloads, "view");
        int n = 0;
        for (String key : keys) {
            fetch(key, dir.resolve(String.format("%05d-", n++) + key.substring(key.lastIndexOf('/') + 1)));
        }
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = db.createStatement()) {
            st.execute("CREATE VIEW v AS SELECT * FROM read_parquet('" + dir + "/*.parquet')");
        }
        return db;
    }

    /** The items of the Parquet parts in a lake folder, by key; a key found twice fails. */
    public Map<String, JsonNode> items(String folder) throws Exception {
        return items(open(folder), folder);
    }

    private Map<String, JsonNode> items(List<String> keys, String what) throws Exception {
        return items(open(keys), what);
    }

    /** The items {@code v} holds, closing the connection. */
    private static Map<String, JsonNode> items(Connection connection, String folder) throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        try (Connection db = connection;
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT _item FROM v")) {
            while (rs.next()) {
                JsonNode item = Lake.JSON.readTree(rs.getString(1));
                assertThat(out.put(key(item), item))
                        .as("a key twice in " + folder)
                        .isNull();
            }
        }
        return out;
    }

    public static String invokeJmx(String operation, String... args) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = server.queryNames(new ObjectName("org.apache.camel:type=services,*"), null);
        ObjectName control = names.stream()
                .filter(n -> n.getKeyProperty("name").contains("ViewControl"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ViewControl in JMX among " + names));
        String[] signature = new String[args.length];
        java.util.Arrays.fill(signature, String.class.getName());
        try {
            return (String) server.invoke(control, operation, args, signature);
        } catch (MBeanException e) {
            throw e.getTargetException();
        }
    }

    /**
     * Every typed column of every row in a view's folder agrees with the row's {@code _item}: strings as they are,
     * numbers to the last digit (doubles as doubles), booleans, binary as the base64 text decoded, sets, lists and
     * maps as the same JSON (their numbers compared as doubles: Athena writes them so); null where the item has no
     * such attribute. Returns how many values were compared.
     */
    public long assertTypedColumnsAgreeWithItems(String folder, JsonNode schema) throws Exception {
        Map<String, JsonNode> columns = new HashMap<>();
        schema.path("columns").forEach(c -> {
            if (c.hasNonNull("attribute")) {
                columns.put(c.path("name").asText(), c);
            }
        });
        long compared = 0;
        try (Connection db = open(folder);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM v")) {
            var meta = rs.getMetaData();
            while (rs.next()) {
                JsonNode item = Lake.JSON.readTree(rs.getString("_item"));
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    JsonNode column = columns.get(meta.getColumnName(i));
                    if (column == null) {
                        continue;
                    }
                    JsonNode value = item.get(column.path("attribute").asText());
                    Object typed = rs.getObject(i);
                    String where = "column " + meta.getColumnName(i) + " of " + key(item);
                    if (value == null || value.isNull()) {
                        assertThat(typed).as(where).isNull();
                        continue;
                    }
                    switch (column.path("type").asText()) {
                        case "STRING" -> {
                            String text = rs.getString(i);
                            if (value.isNumber()) {
                                assertThat(new java.math.BigDecimal(text))
                                        .as(where)
                                        .isEqualByComparingTo(value.decimalValue());
                            } else if (value.isContainerNode()) {
                                assertThat(Lake.JSON.readTree(text).equals(NUMBERS_AS_DOUBLES, value))
                                        .as(where + ": " + text + " vs " + value)
                                        .isTrue();
                            } else {
                                assertThat(text).as(where).isEqualTo(value.asText());
                            }
                        }
                        case "INT64" -> assertThat(rs.getLong(i)).as(where).isEqualTo(value.longValue());
                        case "DECIMAL" ->
                            assertThat(rs.getBigDecimal(i)).as(where).isEqualByComparingTo(value.decimalValue());
                        case "DOUBLE" -> assertThat(rs.getDouble(i)).as(where).isEqualTo(value.doubleValue());
                        case "BOOLEAN" -> assertThat(rs.getBoolean(i)).as(where).isEqualTo(value.booleanValue());
                        case "BINARY" ->
                            assertThat(rs.getBytes(i))
                                    .as(where)
                                    .isEqualTo(java.util.Base64.getDecoder().decode(value.asText()));
                        case "JSON" ->
                            assertThat(Lake.JSON.readTree(rs.getString(i)).equals(NUMBERS_AS_DOUBLES, value))
                                    .as(where + ": " + rs.getString(i) + " vs " + value)
                                    .isTrue();
                        default -> throw new AssertionError("unknown column type in " + column);
                    }
                    compared++;
                }
            }
        }
        return compared;
    }

    private static final java.util.Comparator<JsonNode> NUMBERS_AS_DOUBLES = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    /**
     * Puts {@code n} of the table's items again with {@code status} REPAIRED and returns the delta envelopes of those
     * changes, with sequence numbers above any the stream gives: the good lines of a damaged object a test writes.
     */
    public List<String> repairedEnvelopes(int n) {
        List<String> lines = new java.util.ArrayList<>();
        for (Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> row :
                aws.dynamoDb().scan(b -> b.tableName(table).limit(n)).items()) {
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> changed = new HashMap<>(row);
            changed.put("status", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("REPAIRED"));
            aws.dynamoDb().putItem(b -> b.tableName(table).item(changed));
            lines.add(new item.DeltaEnvelope(
                            item.DeltaEnvelope.Action.MODIFY,
                            "9" + "0".repeat(29) + lines.size(),
                            changed,
                            Map.of(
                                    DemoItems.PARTITION_KEY, row.get(DemoItems.PARTITION_KEY),
                                    DemoItems.SORT_KEY, row.get(DemoItems.SORT_KEY)),
                            null,
                            java.time.Instant.now(),
                            "test-" + lines.size(),
                            table,
                            "shardId-test",
                            false,
                            false)
                    .toJson());
        }
        return lines;
    }

    /** Starts a full export through the application and waits until its snapshot is the published one. */
    public void exportSnapshot(org.apache.camel.main.Main app) {
        String exportId =
                requester(app).request("test", java.time.Instant.now(), true).orElseThrow();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(
                        () -> app.getCamelContext()
                                .getRegistry()
                                .lookupByNameAndType("snapshotPublisher", export.SnapshotPublisher.class)
                                .current()
                                .orElseThrow()
                                .exportId(),
                        exportId::equals);
    }

    /** Starts an incremental export through the application and waits until its deltas are published. */
    public void exportDeltas(org.apache.camel.main.Main app) {
        String exportId =
                requester(app).request("test", java.time.Instant.now(), false).orElseThrow();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !lake.keys("deltas-export/" + exportId + "/_published.json")
                        .isEmpty());
    }

    private static export.ExportRequester requester(org.apache.camel.main.Main app) {
        return app.getCamelContext().getRegistry().lookupByNameAndType("exportRequester", export.ExportRequester.class);
    }

    /** Sets an attribute of the items a Scan meets after its first {@code skip}. */
    public void update(int skip, int items, String attribute, String value) {
        for (var item : aws.dynamoDb()
                .scan(b -> b.tableName(table).limit(skip + items))
                .items()
                .subList(skip, skip + items)) {
            aws.dynamoDb()
                    .updateItem(b -> b.tableName(table)
                            .key(java.util.Map.of(
                                    dynamolake.demo.DemoItems.PARTITION_KEY,
                                    item.get(dynamolake.demo.DemoItems.PARTITION_KEY),
                                    dynamolake.demo.DemoItems.SORT_KEY,
                                    item.get(dynamolake.demo.DemoItems.SORT_KEY)))
                            .updateExpression("SET #a = :v")
                            .expressionAttributeNames(java.util.Map.of("#a", attribute))
                            .expressionAttributeValues(java.util.Map.of(
                                    ":v", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(value))));
        }
    }

    /** The folder of a version, below the table's prefix: {@code current/00000002-1a2b3c4d/}. */
    public String folderOf(JsonNode pointer) {
        return pointer.path("location").asText().substring(("s3://dynamo-lake/tables/" + table + "/").length());
    }

    /** The buckets with parts in the version's own folder: those it rewrote or patched. */
    public java.util.Set<Integer> bucketsWithNewFiles(JsonNode pointer) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        pointer.path("parts").forEach(p -> {
            if (p.path("key").asText().startsWith("tables/" + table + "/" + folderOf(pointer))) {
                out.add(p.path("bucket").asInt());
            }
        });
        return out;
    }

    /** The keys of a bucket's position delete files in a version. */
    public static List<String> deleteFilesOf(JsonNode pointer, int bucket) {
        List<String> out = new java.util.ArrayList<>();
        pointer.path("deletes").forEach(d -> {
            if (d.path("bucket").asInt() == bucket) {
                out.add(d.path("key").asText());
            }
        });
        return out;
    }
}
