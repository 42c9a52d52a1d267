package localaws.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import localaws.http.AwsJsonService;
import localaws.http.AwsServiceException;

/**
 * The Glue Data Catalog's databases and tables (the AWS JSON 1.1 protocol, target {@code AWSGlue}), kept in memory:
 * what the application registers its tables with, and what the emulator's Athena engine reads them from. Tables
 * are unpartitioned, as the application registers them; the partition and column-statistics calls a query engine
 * makes answer that there are none. Names are kept lowercase, as Glue keeps them.
 *
 * <p>Every table has a {@code VersionId}, a number counted up by each UpdateTable; an UpdateTable naming another
 * VersionId than the table's fails with ConcurrentModificationException, as Glue's does: the optimistic lock Apache
 * Iceberg's Glue catalog commits with. With {@link #keepIn} the catalog is also kept in a file, written after every
 * change and read at start, so it survives a restart together with the buckets beside it.
 */
public final class GlueService implements AwsJsonService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final String account;
    private final Map<String, ObjectNode> databases = new ConcurrentHashMap<>();
    private final Map<String, Map<String, ObjectNode>> tables = new ConcurrentHashMap<>();
    private volatile Path file;

    public GlueService(Clock clock, String account) {
        this.clock = clock;
        this.account = account;
    }

    @Override
    public String targetPrefix() {
        return "AWSGlue";
    }

    /**
     * Keeps the catalog in {@code file}: what it holds is read now (when it exists), and it is rewritten after every
     * change (written beside, then moved over it, so a crash leaves the old or the new catalog).
     */
    public synchronized void keepIn(Path file) throws IOException {
        if (Files.exists(file)) {
            JsonNode saved = JSON.readTree(file.toFile());
            saved.path("databases").forEach(db -> {
                String name = db.path("Name").asText();
                databases.put(name, (ObjectNode) db);
                tables.putIfAbsent(name, new ConcurrentHashMap<>());
            });
            saved.path("tables")
                    .forEach(
                            t -> tables.computeIfAbsent(t.path("DatabaseName").asText(), d -> new ConcurrentHashMap<>())
                                    .put(t.path("Name").asText(), (ObjectNode) t));
        }
        this.file = file;
    }

    private void save() {
        Path target = file;
        if (target == null) {
            return;
        }
        ObjectNode all = JSON.createObjectNode();
        ArrayNode dbs = all.putArray("databases");
        new TreeMap<>(databases).values().forEach(dbs::add);
        ArrayNode list = all.putArray("tables");
        new TreeMap<>(tables).values().forEach(in -> new TreeMap<>(in).values().forEach(list::add));
        try {
            Path temp = target.resolveSibling(target.getFileName() + ".new");
            JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), all);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("The local Glue catalog could not be saved to " + target, e);
        }
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        synchronized (this) {
            Object answer = answer(operation, request);
            if (!operation.startsWith("Get") && !operation.startsWith("BatchGet")) {
                save();
            }
            return answer;
        }
    }

    private Object answer(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateDatabase" -> createDatabase(request.path("DatabaseInput"));
            case "GetDatabase" ->
                JSON.createObjectNode()
                        .set("Database", database(request.path("Name").asText()));
            case "GetDatabases" -> getDatabases();
            case "DeleteDatabase" -> deleteDatabase(request.path("Name").asText());
            case "CreateTable" -> createTable(request.path("DatabaseName").asText(), request.path("TableInput"));
            case "UpdateTable" ->
                updateTable(
                        request.path("DatabaseName").asText(),
                        request.path("TableInput"),
                        request.path("VersionId").asText(""));
            case "GetTable" ->
                JSON.createObjectNode()
                        .set(
                                "Table",
                                table(
                                        request.path("DatabaseName").asText(),
                                        request.path("Name").asText()));
            case "GetTables" -> getTables(request.path("DatabaseName").asText());
            case "DeleteTable" ->
                deleteTable(
                        request.path("DatabaseName").asText(),
                        request.path("Name").asText());
            case "GetPartitions" -> noPartitions(request).set("Partitions", JSON.createArrayNode());
            case "BatchGetPartition" ->
                noPartitions(request)
                        .<ObjectNode>set("Partitions", JSON.createArrayNode())
                        .set("UnprocessedKeys", JSON.createArrayNode());
            case "GetColumnStatisticsForTable" ->
                JSON.createObjectNode()
                        .<ObjectNode>set("ColumnStatisticsList", JSON.createArrayNode())
                        .set("Errors", JSON.createArrayNode());
            case "UpdateColumnStatisticsForTable" -> JSON.createObjectNode().set("Errors", JSON.createArrayNode());
            case "DeleteColumnStatisticsForTable" -> JSON.createObjectNode();
            case "GetUserDefinedFunctions" ->
                JSON.createObjectNode().set("UserDefinedFunctionList", JSON.createArrayNode());
            default ->
                throw new AwsServiceException(
                        "UnknownOperationException", 400, "The local Glue catalog does not answer " + operation);
        };
    }

    private ObjectNode createDatabase(JsonNode input) {
        String name = lower(required(input, "Name", "DatabaseInput.Name"));
        ObjectNode db = ((ObjectNode) input.deepCopy())
                .put("Name", name)
                .put("CatalogId", account)
                .put("CreateTime", now());
        if (databases.putIfAbsent(name, db) != null) {
            throw new AwsServiceException("AlreadyExistsException", 400, "Database " + name + " already exists.");
        }
        tables.put(name, new ConcurrentHashMap<>());
        return JSON.createObjectNode();
    }

    private ObjectNode database(String name) {
        ObjectNode db = databases.get(lower(name));
        if (db == null) {
            throw new AwsServiceException("EntityNotFoundException", 400, "Database " + name + " not found.");
        }
        return db;
    }

    private ObjectNode getDatabases() {
        ArrayNode list = JSON.createArrayNode();
        new TreeMap<>(databases).values().forEach(list::add);
        return JSON.createObjectNode().set("DatabaseList", list);
    }

    private ObjectNode deleteDatabase(String name) {
        database(name);
        databases.remove(lower(name));
        tables.remove(lower(name));
        return JSON.createObjectNode();
    }

    private ObjectNode createTable(String databaseName, JsonNode input) {
        String db = lower(database(databaseName).path("Name").asText());
        String name = lower(required(input, "Name", "TableInput.Name"));
        ObjectNode table = stored(db, input, null);
        if (tables.get(db).putIfAbsent(name, table) != null) {
            throw new AwsServiceException("AlreadyExistsException", 400, "Table " + name + " already exists.");
        }
        return JSON.createObjectNode();
    }

    private ObjectNode updateTable(String databaseName, JsonNode input, String versionId) {
        String db = lower(database(databaseName).path("Name").asText());
        ObjectNode old = table(db, required(input, "Name", "TableInput.Name"));
        if (!versionId.isEmpty() && !versionId.equals(old.path("VersionId").asText())) {
            throw new AwsServiceException(
                    "ConcurrentModificationException",
                    400,
                    "Table " + old.path("Name").asText() + " is at version "
                            + old.path("VersionId").asText() + ", not " + versionId + ": it was updated concurrently.");
        }
        tables.get(db).put(old.path("Name").asText(), stored(db, input, old));
        return JSON.createObjectNode();
    }

    private ObjectNode table(String databaseName, String name) {
        Map<String, ObjectNode> in =
                tables.get(lower(database(databaseName).path("Name").asText()));
        ObjectNode table = in.get(lower(name));
        if (table == null) {
            throw new AwsServiceException(
                    "EntityNotFoundException", 400, "Table " + name + " not found in " + databaseName + ".");
        }
        return table;
    }

    private ObjectNode getTables(String databaseName) {
        Map<String, ObjectNode> in =
                tables.get(lower(database(databaseName).path("Name").asText()));
        ArrayNode list = JSON.createArrayNode();
        new TreeMap<>(in).values().forEach(list::add);
        return JSON.createObjectNode().set("TableList", list);
    }

    private ObjectNode deleteTable(String databaseName, String name) {
        table(databaseName, name);
        tables.get(lower(databaseName)).remove(lower(name));
        return JSON.createObjectNode();
    }

    private ObjectNode noPartitions(JsonNode request) {
        table(request.path("DatabaseName").asText(), request.path("TableName").asText());
        return JSON.createObjectNode();
    }

    private ObjectNode stored(String db, JsonNode input, ObjectNode old) {
        ObjectNode table = ((ObjectNode) input.deepCopy())
                .put("Name", lower(input.path("Name").asText()))
                .put("DatabaseName", db)
                .put("CatalogId", account)
                .put("CreateTime", old == null ? now() : old.path("CreateTime").asDouble())
                .put("UpdateTime", now())
                .put(
                        "VersionId",
                        Long.toString(old == null ? 1 : old.path("VersionId").asLong(0) + 1));
        if (!table.has("TableType")) {
            table.put("TableType", "EXTERNAL_TABLE");
        }
        return table;
    }

    private double now() {
        return clock.millis() / 1000.0;
    }

    private static String required(JsonNode input, String field, String path) {
        String v = input.path(field).asText("");
        if (v.isEmpty()) {
            throw new AwsServiceException("InvalidInputException", 400, path + " is required");
        }
        return v;
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
