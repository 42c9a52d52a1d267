package localaws.dynamodb;

import static localaws.http.Requests.epochSeconds;
import static localaws.http.Requests.required;
import static localaws.http.Requests.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import localaws.http.Requests;
import localaws.streams.Stream;
import localaws.streams.StreamStore;

/**
 * DynamoDB's control plane for tables: create, describe, list, update (streams, billing), delete, time to live
 * and point-in-time recovery.
 */
final class TableOperations {
    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
    private static final Set<String> VIEW_TYPES = Set.of("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES");

    private final Tables tables;
    private final StreamStore streams;
    private final Clock clock;
    private final String region;
    private final String account;
    private final Duration pitrWindow;

    TableOperations(
            Tables tables, StreamStore streams, Clock clock, String region, String account, Duration pitrWindow) {
        this.tables = tables;
        this.streams = streams;
        this.clock = clock;
        this.region = region;
        this.account = account;
        this.pitrWindow = pitrWindow;
    }

    ObjectNode createTable(JsonNode request) {
        String name = required(request, "TableName");
        if (!TABLE_NAME.matcher(name).matches()) {
            throw AwsServiceException.validation("1 validation error detected: Value '" + name + "' at 'tableName'"
                    + " failed to satisfy constraint: Member must satisfy regular expression pattern:"
                    + " [a-zA-Z0-9_.-]+ and have length between 3 and 255");
        }
        Map<String, String> types = attributeTypes(request);
        KeySchema key = keySchema(request.path("KeySchema"), types, "KeySchema");
        Set<String> used = new HashSet<>(List.of(key.hashName()));
        if (key.hasRange()) {
            used.add(key.rangeName());
        }
        for (String indexes : List.of("GlobalSecondaryIndexes", "LocalSecondaryIndexes")) {
            for (JsonNode index : request.path(indexes)) {
                KeySchema k = keySchema(index.path("KeySchema"), types, indexes + ".KeySchema");
                used.add(k.hashName());
                if (k.hasRange()) {
                    used.add(k.rangeName());
                }
            }
        }
        if (!used.equals(types.keySet())) {
            throw AwsServiceException.validation("One or more parameter values were invalid: Number of attributes in"
                    + " KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
        }
        checkBilling(request);
        Instant now = clock.instant();
        ObjectNode definition = request.deepCopy();
        Table table = new Table(
                name,
                "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name,
                UUID.randomUUID().toString(),
                now,
                key,
                definition);
        JsonNode spec = request.path("StreamSpecification");
        tables.add(table);
        if (spec.path("StreamEnabled").asBoolean(false)) {
            enableStream(table, spec, now);
        }
        if (request.path("DeletionProtectionEnabled").asBoolean(false)) {
            definition.put("DeletionProtectionEnabled", true);
        }
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.set("TableDescription", describe(table, "CREATING"));
        return out;
    }

    private static Map<String, String> attributeTypes(JsonNode request) {
        Map<String, String> types = new HashMap<>();
        for (JsonNode d : request.path("AttributeDefinitions")) {
            String type = d.path("AttributeType").asText();
            if (!Set.of("S", "N", "B").contains(type)) {
                throw AwsServiceException.validation("1 validation error detected: Value '" + type
                        + "' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member"
                        + " must satisfy enum value set: [B, N, S]");
            }
            types.put(d.path("AttributeName").asText(), type);
        }
        return types;
    }

    private static KeySchema keySchema(JsonNode schema, Map<String, String> types, String where) {
        if (!schema.isArray()
                || schema.size() < 1
                || schema.size() > 2
                || !"HASH".equals(schema.get(0).path("KeyType").asText())
                || (schema.size() == 2
                        && !"RANGE".equals(schema.get(1).path("KeyType").asText()))) {
            throw AwsServiceException.validation("Invalid " + where + ": the first element must be the HASH key and"
                    + " the optional second the RANGE key");
        }
        String hash = schema.get(0).path("AttributeName").asText();
        String range = schema.size() == 2 ? schema.get(1).path("AttributeName").asText() : null;
        for (String attribute : range == null ? List.of(hash) : List.of(hash, range)) {
            if (!types.containsKey(attribute)) {
                throw AwsServiceException.validation("One or more parameter values were invalid: Some index key"
                        + " attributes are not defined in AttributeDefinitions. Keys: [" + attribute + "]");
            }
        }
        return new KeySchema(hash, types.get(hash), range, range == null ? null : types.get(range));
    }

    private static void checkBilling(JsonNode request) {
        String mode = request.path("BillingMode").asText("PROVISIONED");
        JsonNode throughput = request.get("ProvisionedThroughput");
        if (mode.equals("PROVISIONED")
                && (throughput == null
                        || !throughput.has("ReadCapacityUnits")
                        || !throughput.has("WriteCapacityUnits"))) {
            throw AwsServiceException.validation("One or more parameter values were invalid: ReadCapacityUnits and"
                    + " WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        }
        if (mode.equals("PAY_PER_REQUEST") && throughput != null) {
            throw AwsServiceException.validation("One or more parameter values were invalid: Neither"
                    + " ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is"
                    + " PAY_PER_REQUEST");
        }
    }

    private void enableStream(Table table, JsonNode spec, Instant now) {
        String view = spec.path("StreamViewType").asText(null);
        if (view == null || !VIEW_TYPES.contains(view)) {
            throw AwsServiceException.validation("One or more parameter values were invalid: StreamViewType is"
                    + " required when StreamEnabled is true and must be one of " + VIEW_TYPES);
        }
        Stream current = table.stream();
        if (current != null && current.isEnabled()) {
            throw AwsServiceException.validation("Table already has an enabled stream: " + current.arn());
        }
        table.stream(streams.create(table.name, table.keySchemaJson(), view, now));
    }

    ObjectNode describeTable(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.set("Table", describe(table, "ACTIVE"));
        return out;
    }

    ObjectNode listTables(JsonNode request) {
        int limit = Requests.integer(request, "Limit", 1, 100, 100);
        List<String> names = tables.names(text(request, "ExclusiveStartTableName"));
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode list = out.putArray("TableNames");
        names.stream().limit(limit).forEach(list::add);
        if (names.size() > limit) {
            out.put("LastEvaluatedTableName", names.get(limit - 1));
        }
        return out;
    }

    ObjectNode deleteTable(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        if (table.definition.path("DeletionProtectionEnabled").asBoolean(false)) {
            throw AwsServiceException.validation("Resource cannot be deleted as it is currently protected against"
                    + " deletion. Disable deletion protection first.");
        }
        tables.remove(table.name);
        if (table.stream() != null) {
            table.stream().disable(clock.instant());
        }
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.set("TableDescription", describe(table, "DELETING"));
        return out;
    }

    ObjectNode updateTable(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        Instant now = clock.instant();
        JsonNode spec = request.get("StreamSpecification");
        if (spec != null) {
            if (spec.path("StreamEnabled").asBoolean(false)) {
                enableStream(table, spec, now);
            } else if (table.stream() != null && table.stream().isEnabled()) {
                table.stream().disable(now);
            } else {
                throw AwsServiceException.validation("Table " + table.name + " has no enabled stream to disable");
            }
        }
        for (String field : List.of("BillingMode", "ProvisionedThroughput", "DeletionProtectionEnabled")) {
            if (request.has(field)) {
                table.definition.set(field, request.get(field));
            }
        }
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.set("TableDescription", describe(table, "UPDATING"));
        return out;
    }

    ObjectNode describe(Table t, String status) {
        ObjectNode d = AwsHttpServer.JSON.createObjectNode();
        d.put("TableName", t.name)
                .put("TableArn", t.arn)
                .put("TableId", t.id)
                .put("TableStatus", status)
                .put("CreationDateTime", epochSeconds(t.created))
                .put("ItemCount", t.itemCount())
                .put("TableSizeBytes", t.sizeBytes());
        d.set("KeySchema", t.definition.get("KeySchema"));
        d.set("AttributeDefinitions", t.definition.get("AttributeDefinitions"));
        String mode = t.definition.path("BillingMode").asText("PROVISIONED");
        d.putObject("BillingModeSummary").put("BillingMode", mode);
        JsonNode throughput = t.definition.path("ProvisionedThroughput");
        d.putObject("ProvisionedThroughput")
                .put("NumberOfDecreasesToday", 0)
                .put("ReadCapacityUnits", throughput.path("ReadCapacityUnits").asLong(0))
                .put("WriteCapacityUnits", throughput.path("WriteCapacityUnits").asLong(0));
        Stream s = t.stream();
        if (s != null) {
            ObjectNode spec = d.putObject("StreamSpecification").put("StreamEnabled", s.isEnabled());
            if (s.isEnabled()) {
                spec.put("StreamViewType", s.viewType());
            }
            d.put("LatestStreamArn", s.arn());
            d.put("LatestStreamLabel", s.arn().substring(s.arn().lastIndexOf('/') + 1));
        }
        for (String indexes : List.of("GlobalSecondaryIndexes", "LocalSecondaryIndexes")) {
            if (t.definition.has(indexes)) {
                ArrayNode list = d.putArray(indexes);
                for (JsonNode index : t.definition.get(indexes)) {
                    ObjectNode copy = index.deepCopy();
                    copy.put(
                            "IndexArn",
                            t.arn + "/index/" + index.path("IndexName").asText());
                    copy.put("IndexStatus", "ACTIVE").put("ItemCount", 0).put("IndexSizeBytes", 0);
                    list.add(copy);
                }
            }
        }
        d.put(
                "DeletionProtectionEnabled",
                t.definition.path("DeletionProtectionEnabled").asBoolean(false));
        return d;
    }

    ObjectNode updateTimeToLive(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        JsonNode spec = request.path("TimeToLiveSpecification");
        String attribute = spec.path("AttributeName").asText(null);
        boolean enabled = spec.path("Enabled").asBoolean(false);
        if (attribute == null) {
            throw AwsServiceException.validation("TimeToLiveSpecification.AttributeName is required");
        }
        if (enabled == (table.ttlAttribute() != null)) {
            throw AwsServiceException.validation("TimeToLive is already " + (enabled ? "enabled" : "disabled"));
        }
        table.ttlAttribute(enabled ? attribute : null);
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.putObject("TimeToLiveSpecification").put("AttributeName", attribute).put("Enabled", enabled);
        return out;
    }

    ObjectNode describeTimeToLive(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ObjectNode d = out.putObject("TimeToLiveDescription");
        if (table.ttlAttribute() != null) {
            d.put("TimeToLiveStatus", "ENABLED").put("AttributeName", table.ttlAttribute());
        } else {
            d.put("TimeToLiveStatus", "DISABLED");
        }
        return out;
    }

    ObjectNode updateContinuousBackups(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        JsonNode spec = request.path("PointInTimeRecoverySpecification");
        if (!spec.has("PointInTimeRecoveryEnabled")) {
            throw AwsServiceException.validation(
                    "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled is" + " required");
        }
        table.pitr(spec.get("PointInTimeRecoveryEnabled").asBoolean(), clock.instant());
        return continuousBackups(table);
    }

    ObjectNode describeContinuousBackups(JsonNode request) {
        return continuousBackups(tables.byNameOrArn(required(request, "TableName")));
    }

    private ObjectNode continuousBackups(Table table) {
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ObjectNode d = out.putObject("ContinuousBackupsDescription").put("ContinuousBackupsStatus", "ENABLED");
        ObjectNode pitr = d.putObject("PointInTimeRecoveryDescription");
        Instant since = table.pitrSince();
        if (since == null) {
            pitr.put("PointInTimeRecoveryStatus", "DISABLED");
        } else {
            Instant now = clock.instant();
            Instant earliest = since.isAfter(now.minus(pitrWindow)) ? since : now.minus(pitrWindow);
            pitr.put("PointInTimeRecoveryStatus", "ENABLED")
                    .put("RecoveryPeriodInDays", Math.max(1, pitrWindow.toDays()))
                    .put("EarliestRestorableDateTime", epochSeconds(earliest))
                    .put("LatestRestorableDateTime", epochSeconds(now));
        }
        return out;
    }
}
