package localaws.dynamodb;

import static localaws.dynamodb.ItemRequests.checkSize;
import static localaws.dynamodb.ItemRequests.condition;
import static localaws.dynamodb.ItemRequests.consumedCapacity;
import static localaws.dynamodb.ItemRequests.context;
import static localaws.dynamodb.ItemRequests.writeItem;
import static localaws.http.Requests.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import localaws.dynamodb.attributes.DynamoJson;
import localaws.dynamodb.attributes.Values;
import localaws.dynamodb.expr.Condition;
import localaws.dynamodb.expr.Documents;
import localaws.dynamodb.expr.ExpressionContext;
import localaws.dynamodb.expr.ExpressionParser;
import localaws.dynamodb.expr.Path;
import localaws.dynamodb.expr.Update;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** DynamoDB's item writes and point reads: PutItem, UpdateItem, DeleteItem, GetItem, BatchWriteItem, BatchGetItem. */
final class ItemOperations {
    private static final Set<String> PUT_RETURNS = Set.of("NONE", "ALL_OLD");
    private static final Set<String> UPDATE_RETURNS =
            Set.of("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW");

    private final Tables tables;
    private final Clock clock;

    ItemOperations(Tables tables, Clock clock) {
        this.tables = tables;
        this.clock = clock;
    }

    ObjectNode putItem(JsonNode request) {
        ItemRequests.rejectLegacy(request);
        Table table = tables.byNameOrArn(required(request, "TableName"));
        Map<String, AttributeValue> item = ItemRequests.item(request, "Item");
        ItemKey key = table.key.keyOfItem(item);
        checkSize(item);
        return replace(request, table, key, item, Math.max(1, Values.itemSize(item) / 1024.0));
    }

    /** PutItem and DeleteItem: check the condition, store the item (null deletes), return the old one if asked. */
    private ObjectNode replace(
            JsonNode request, Table table, ItemKey key, Map<String, AttributeValue> item, double units) {
        ExpressionContext ctx = context(request);
        Condition cond = condition(request, "ConditionExpression", ctx);
        ctx.checkAllUsed();
        String returns = ItemRequests.returnValues(request, PUT_RETURNS);
        Map<String, AttributeValue> old = table.write(() -> {
            Map<String, AttributeValue> before = table.get(key);
            check(cond, before, request);
            table.store(key, item, false, clock.instant());
            return before;
        });
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        if (returns.equals("ALL_OLD") && old != null) {
            writeItem(out, "Attributes", old);
        }
        consumedCapacity(request, out, table, units);
        return out;
    }

    ObjectNode updateItem(JsonNode request) {
        ItemRequests.rejectLegacy(request);
        Table table = tables.byNameOrArn(required(request, "TableName"));
        ItemKey key = table.key.keyOfKey(ItemRequests.item(request, "Key"));
        ExpressionContext ctx = context(request);
        String text = request.path("UpdateExpression").asText(null);
        Update update = text == null ? new Update(List.of()) : ExpressionParser.update(text, ctx);
        Condition cond = condition(request, "ConditionExpression", ctx);
        ctx.checkAllUsed();
        for (String attribute : update.touchedAttributes()) {
            if (table.key.isKeyAttribute(attribute)) {
                throw AwsServiceException.validation("One or more parameter values were invalid: Cannot update"
                        + " attribute " + attribute + ". This attribute is part of the key");
            }
        }
        String returns = ItemRequests.returnValues(request, UPDATE_RETURNS);
        Images images = table.write(() -> {
            Map<String, AttributeValue> before = table.get(key);
            check(cond, before, request);
            Map<String, AttributeValue> base = before != null ? before : table.key.keyAttributes(key);
            Map<String, AttributeValue> after = Values.normalizeItem(update.apply(base));
            checkSize(after);
            table.store(key, after, false, clock.instant());
            return new Images(before, after);
        });
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        Map<String, AttributeValue> returned = switch (returns) {
            case "ALL_OLD" -> images.before();
            case "ALL_NEW" -> images.after();
            case "UPDATED_OLD" -> only(images.before(), update.touchedAttributes());
            case "UPDATED_NEW" -> only(images.after(), update.touchedAttributes());
            default -> null;
        };
        if (returned != null && !returned.isEmpty()) {
            writeItem(out, "Attributes", returned);
        }
        consumedCapacity(request, out, table, 1);
        return out;
    }

    private record Images(Map<String, AttributeValue> before, Map<String, AttributeValue> after) {}

    private record Write(ItemKey key, Map<String, AttributeValue> item) {}

    private static Map<String, AttributeValue> only(Map<String, AttributeValue> item, Set<String> names) {
        if (item == null) {
            return null;
        }
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        for (String n : names) {
            if (item.containsKey(n)) {
                out.put(n, item.get(n));
            }
        }
        return out;
    }

    ObjectNode deleteItem(JsonNode request) {
        ItemRequests.rejectLegacy(request);
        Table table = tables.byNameOrArn(required(request, "TableName"));
        ItemKey key = table.key.keyOfKey(ItemRequests.item(request, "Key"));
        return replace(request, table, key, null, 1);
    }

    ObjectNode getItem(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        ItemKey key = table.key.keyOfKey(ItemRequests.item(request, "Key"));
        ExpressionContext ctx = context(request);
        List<Path> projection = ItemRequests.projection(request, ctx);
        ctx.checkAllUsed();
        Map<String, AttributeValue> item = table.get(key);
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        if (item != null) {
            writeItem(out, "Item", projection == null ? item : Documents.project(item, projection));
        }
        consumedCapacity(request, out, table, 0.5);
        return out;
    }

    private static void check(Condition cond, Map<String, AttributeValue> before, JsonNode request) {
        if (cond != null && !cond.test(before == null ? Map.of() : before)) {
            AwsServiceException e =
                    AwsServiceException.badRequest("ConditionalCheckFailedException", "The conditional request failed");
            if (before != null
                    && "ALL_OLD"
                            .equals(request.path("ReturnValuesOnConditionCheckFailure")
                                    .asText())) {
                e = e.withItem(json(DynamoJson.toJson(before)));
            }
            throw e;
        }
    }

    private static JsonNode json(String text) {
        try {
            return AwsHttpServer.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    ObjectNode batchWriteItem(JsonNode request) {
        JsonNode requestItems = request.path("RequestItems");
        int total = 0;
        for (JsonNode writes : requestItems) {
            total += writes.size();
        }
        if (total == 0 || total > 25) {
            throw AwsServiceException.validation(
                    total == 0
                            ? "The batch write request list for a table cannot be" + " null or empty"
                            : "Too many items requested for the BatchWriteItem call");
        }
        requestItems.fields().forEachRemaining(e -> writeAll(tables.byNameOrArn(e.getKey()), e.getValue()));
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        out.putObject("UnprocessedItems");
        return out;
    }

    private void writeAll(Table table, JsonNode writes) {
        Set<ItemKey> seen = new HashSet<>();
        List<Write> planned = new ArrayList<>();
        for (JsonNode w : writes) {
            Write write;
            if (w.has("PutRequest")) {
                Map<String, AttributeValue> item = ItemRequests.item(w.get("PutRequest"), "Item");
                checkSize(item);
                write = new Write(table.key.keyOfItem(item), item);
            } else if (w.has("DeleteRequest")) {
                write = new Write(table.key.keyOfKey(ItemRequests.item(w.get("DeleteRequest"), "Key")), null);
            } else {
                throw AwsServiceException.validation("A write request needs a PutRequest or a DeleteRequest");
            }
            if (!seen.add(write.key())) {
                throw AwsServiceException.validation("Provided list of item keys contains duplicates");
            }
            planned.add(write);
        }
        table.write(() -> {
            for (Write w : planned) {
                table.store(w.key(), w.item(), false, clock.instant());
            }
            return null;
        });
    }

    ObjectNode batchGetItem(JsonNode request) {
        JsonNode requestItems = request.path("RequestItems");
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ObjectNode responses = out.putObject("Responses");
        int total = 0;
        for (var it = requestItems.fields(); it.hasNext(); ) {
            var e = it.next();
            Table table = tables.byNameOrArn(e.getKey());
            ExpressionContext ctx = context(e.getValue());
            List<Path> projection = ItemRequests.projection(e.getValue(), ctx);
            ctx.checkAllUsed();
            ArrayNode items = responses.putArray(e.getKey());
            for (JsonNode k : e.getValue().path("Keys")) {
                if (++total > 100) {
                    throw AwsServiceException.validation("Too many items requested for the BatchGetItem call");
                }
                Map<String, AttributeValue> item = table.get(table.key.keyOfKey(ItemRequests.normalizedItem(k)));
                if (item != null) {
                    items.addRawValue(new RawValue(
                            DynamoJson.toJson(projection == null ? item : Documents.project(item, projection))));
                }
            }
        }
        out.putObject("UnprocessedKeys");
        return out;
    }
}
