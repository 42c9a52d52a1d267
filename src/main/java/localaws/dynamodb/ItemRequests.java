package localaws.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import localaws.dynamodb.attributes.DynamoJson;
import localaws.dynamodb.attributes.Values;
import localaws.dynamodb.expr.Condition;
import localaws.dynamodb.expr.ExpressionContext;
import localaws.dynamodb.expr.ExpressionParser;
import localaws.dynamodb.expr.Path;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Reading items, keys and expressions out of DynamoDB item requests, and writing items into responses. */
final class ItemRequests {
    private static final Set<String> LEGACY =
            Set.of("Expected", "AttributeUpdates", "ConditionalOperator", "KeyConditions", "QueryFilter", "ScanFilter");

    private ItemRequests() {}

    /** An item parameter, checked and trimmed as DynamoDB stores it. */
    static Map<String, AttributeValue> item(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || !node.isObject()) {
            throw AwsServiceException.validation("1 validation error detected: Value null at '"
                    + Character.toLowerCase(field.charAt(0)) + field.substring(1)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return normalizedItem(node);
    }

    /** An object of attributes such as ExclusiveStartKey or one of BatchGetItem's Keys, as DynamoDB stores it. */
    static Map<String, AttributeValue> normalizedItem(JsonNode node) {
        return Values.normalizeItem(DynamoJson.readItem(node));
    }

    /** Rejects the legacy parameters the emulator does not implement, naming their replacement. */
    static void rejectLegacy(JsonNode request) {
        for (String field : LEGACY) {
            if (request.has(field)) {
                throw AwsServiceException.validation("The local emulator does not implement the legacy parameter "
                        + field + "; use ConditionExpression, UpdateExpression, KeyConditionExpression or"
                        + " FilterExpression");
            }
        }
    }

    /** The request's ExpressionAttributeNames and ExpressionAttributeValues. */
    static ExpressionContext context(JsonNode request) {
        Map<String, String> names = new LinkedHashMap<>();
        request.path("ExpressionAttributeNames")
                .fields()
                .forEachRemaining(e -> names.put(e.getKey(), e.getValue().asText()));
        JsonNode v = request.get("ExpressionAttributeValues");
        return new ExpressionContext(names, v == null || v.isNull() ? Map.of() : expressionValues(v));
    }

    private static Map<String, AttributeValue> expressionValues(JsonNode values) {
        if (!values.isObject()) {
            return DynamoJson.readItem(values); // fails as DynamoDB does for a value that is not a map
        }
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            try {
                out.put(e.getKey(), Values.normalize(DynamoJson.readValue(e.getValue())));
            } catch (AwsServiceException x) {
                if (!x.errorCode().equals("ValidationException")) {
                    throw x;
                }
                throw AwsServiceException.validation("ExpressionAttributeValues contains invalid value: "
                        + x.getMessage() + " for key " + e.getKey());
            }
        }
        return out;
    }

    /** The parsed condition of a field such as ConditionExpression, or null when the request has none. */
    static Condition condition(JsonNode request, String field, ExpressionContext ctx) {
        String text = request.path(field).asText(null);
        return text == null ? null : ExpressionParser.condition(text, field, ctx);
    }

    /** The paths of ProjectionExpression, or null when the request has none. */
    static List<Path> projection(JsonNode request, ExpressionContext ctx) {
        String text = request.path("ProjectionExpression").asText(null);
        return text == null ? null : ExpressionParser.projection(text, ctx);
    }

    static String returnValues(JsonNode request, Set<String> allowed) {
        String value = request.path("ReturnValues").asText("NONE");
        if (!allowed.contains(value)) {
            throw AwsServiceException.validation(
                    "ReturnValues " + value + " is not valid for this operation;" + " expected one of " + allowed);
        }
        return value;
    }

    /** Writes an item into a response as DynamoDB JSON. */
    static void writeItem(ObjectNode out, String field, Map<String, AttributeValue> item) {
        out.putRawValue(field, new RawValue(DynamoJson.toJson(item)));
    }

    static void consumedCapacity(JsonNode request, ObjectNode out, Table table, double units) {
        String mode = request.path("ReturnConsumedCapacity").asText("NONE");
        if (!mode.equals("NONE")) {
            out.putObject("ConsumedCapacity").put("TableName", table.name).put("CapacityUnits", units);
        }
    }

    /** Fails an item over 400 KB with DynamoDB's message. */
    static void checkSize(Map<String, AttributeValue> item) {
        if (Values.itemSize(item) > Values.MAX_ITEM_BYTES) {
            throw AwsServiceException.validation("Item size has exceeded the maximum allowed size");
        }
    }
}
