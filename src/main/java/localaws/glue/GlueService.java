package localaws.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 */
public final class GlueService implements AwsJsonService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final String account;
    private final Map<String, ObjectNode> databases = new ConcurrentHashMap<>();
    private final Map<String, Map<String, ObjectNode>> tables = new ConcurrentHashMap<>();

    public GlueService(Clock clock, String account) {
        this.clock = clock;
        this.account = account;
    }

    @Override
    public String targetPrefix() {
        return "AWSGlue";
    }

    @Override
    public String contentType() {
        return "application/x-amz-json-1.1";
    }

    @Override
    public String errorTypePrefix() {
        return "";
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        return switch (operation) {
            case "CreateDatabase" -> createDatabase(request.path("DatabaseInput"));
            case "GetDatabase" ->
                JSON.createObjectNode()
                        .set("Database", database(request.path("Name").asText()));
            case "GetDatabases" -> getDatabases();
            case "DeleteDatabase" -> deleteDatabase(request.path("Name").asText());
            case "CreateTable" -> createTable(request.path("DatabaseName").asText(), request.path("TableInput"));
            case "UpdateTable" -> updateTable(request.path("DatabaseName").asText(), request.path("TableInput"));
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

    private ObjectNode updateTable(String databaseName, JsonNode input) {
        String db = lower(database(databaseName).path("Name").asText());
        ObjectNode old = table(db, required(input, "Name", "TableInput.Name"));
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
                .put("UpdateTime", now());
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
