package localaws.dynamodb;

import static localaws.http.Requests.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import localaws.dynamodb.attributes.DynamoJson;
import localaws.dynamodb.attributes.Values;
import localaws.dynamodb.expr.Condition;
import localaws.dynamodb.expr.Documents;
import localaws.dynamodb.expr.ExpressionContext;
import localaws.dynamodb.expr.Operand;
import localaws.dynamodb.expr.Path;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import localaws.http.Requests;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Scan and Query, on the table or on a secondary index: pages of at most Limit evaluated items and 1 MB, with
 * ExclusiveStartKey and LastEvaluatedKey, parallel scan segments, FilterExpression, ProjectionExpression and
 * Select COUNT.
 */
final class ReadOperations {
    private static final int MAX_PAGE_BYTES = 1024 * 1024;

    private final Tables tables;

    ReadOperations(Tables tables) {
        this.tables = tables;
    }

    /** What a request reads: the table's key or an index's, and which attributes an index projects. */
    private record Target(Table table, KeySchema key, JsonNode index) {
        boolean isIndex() {
            return index != null;
        }

        boolean hasIndexKeys(Map<String, AttributeValue> item) {
            return item.containsKey(key.hashName()) && (!key.hasRange() || item.containsKey(key.rangeName()));
        }

        Map<String, AttributeValue> projected(Map<String, AttributeValue> item) {
            if (index == null) {
                return item;
            }
            String type = index.path("Projection").path("ProjectionType").asText("ALL");
            if (type.equals("ALL")) {
                return item;
            }
            Map<String, AttributeValue> out = new java.util.LinkedHashMap<>();
            for (String name : item.keySet()) {
                boolean included = false;
                for (JsonNode n : index.path("Projection").path("NonKeyAttributes")) {
                    included |= n.asText().equals(name);
                }
                if (key.isKeyAttribute(name) || table.key.isKeyAttribute(name) || included) {
                    out.put(name, item.get(name));
                }
            }
            return out;
        }

        ItemKey position(Map<String, AttributeValue> item) {
            return table.key.keyOfItem(item);
        }
    }

    ObjectNode scan(JsonNode request) {
        ItemRequests.rejectLegacy(request);
        Target target = target(request);
        ExpressionContext ctx = ItemRequests.context(request);
        Condition filter = ItemRequests.condition(request, "FilterExpression", ctx);
        List<Path> projection = ItemRequests.projection(request, ctx);
        ctx.checkAllUsed();
        int total = Requests.integer(request, "TotalSegments", 1, 1_000_000, 1);
        int segment = Requests.integer(request, "Segment", 0, 999_999, 0);
        if (request.has("Segment") != request.has("TotalSegments") || segment >= total) {
            throw AwsServiceException.validation(
                    "Segment and TotalSegments go together, with 0 <= Segment <" + " TotalSegments");
        }
        Map<String, AttributeValue> start = startKey(request);
        Iterator<Map<String, AttributeValue>> source;
        if (target.isIndex()) {
            source = after(indexOrder(target, target.table().items().values()), target, start)
                    .iterator();
        } else {
            var items = target.table().items();
            source = (start == null ? items : items.tailMap(target.table().key.keyOfItem(start), false))
                    .values()
                    .iterator();
        }
        Iterator<Map<String, AttributeValue>> inSegment = total == 1
                ? source
                : new FilteringIterator(
                        source,
                        item -> Long.remainderUnsigned(
                                        Table.partitionHash(
                                                item.get(target.table().key.hashName())),
                                        total)
                                == segment);
        return page(request, target, inSegment, filter, projection);
    }

    ObjectNode query(JsonNode request) {
        ItemRequests.rejectLegacy(request);
        Target target = target(request);
        ExpressionContext ctx = ItemRequests.context(request);
        String keyText = request.path("KeyConditionExpression").asText(null);
        if (keyText == null) {
            throw AwsServiceException.validation("Either the KeyConditions or KeyConditionExpression parameter"
                    + " must be specified in the request.");
        }
        Condition keyCondition = ItemRequests.condition(request, "KeyConditionExpression", ctx);
        Condition filter = ItemRequests.condition(request, "FilterExpression", ctx);
        List<Path> projection = ItemRequests.projection(request, ctx);
        ctx.checkAllUsed();
        AttributeValue hash = partitionValue(keyCondition, target.key());
        List<Map<String, AttributeValue>> candidates = new ArrayList<>();
        if (target.isIndex()) {
            for (Map<String, AttributeValue> item : target.table().items().values()) {
                if (hash.equals(item.get(target.key().hashName()))) {
                    candidates.add(item);
                }
            }
            candidates = indexOrder(target, candidates);
        } else {
            for (var e :
                    target.table().items().tailMap(ItemKey.startOf(hash), true).entrySet()) {
                if (!e.getKey().hash().equals(hash)) {
                    break;
                }
                candidates.add(e.getValue());
            }
        }
        candidates.removeIf(item -> !keyCondition.test(item));
        if (!request.path("ScanIndexForward").asBoolean(true)) {
            Collections.reverse(candidates);
        }
        return page(
                request, target, after(candidates, target, startKey(request)).iterator(), filter, projection);
    }

    private ObjectNode page(
            JsonNode request,
            Target target,
            Iterator<Map<String, AttributeValue>> source,
            Condition filter,
            List<Path> projection) {
        int limit = Requests.integer(request, "Limit", 1, Integer.MAX_VALUE, Integer.MAX_VALUE);
        boolean countOnly = "COUNT".equals(request.path("Select").asText());
        ObjectNode out = AwsHttpServer.JSON.createObjectNode();
        ArrayNode items = countOnly ? null : out.putArray("Items");
        int scanned = 0;
        int count = 0;
        int bytes = 0;
        Map<String, AttributeValue> last = null;
        while (source.hasNext() && scanned < limit && bytes < MAX_PAGE_BYTES) {
            Map<String, AttributeValue> item = target.projected(source.next());
            scanned++;
            bytes += Values.itemSize(item);
            last = item;
            if (filter == null || filter.test(item)) {
                count++;
                if (items != null) {
                    items.addRawValue(new RawValue(
                            DynamoJson.toJson(projection == null ? item : Documents.project(item, projection))));
                }
            }
        }
        out.put("Count", count).put("ScannedCount", scanned);
        if (last != null && (scanned == limit || bytes >= MAX_PAGE_BYTES) && source.hasNext()) {
            ItemRequests.writeItem(out, "LastEvaluatedKey", lastEvaluatedKey(target, last));
        }
        ItemRequests.consumedCapacity(request, out, target.table(), Math.max(0.5, bytes / 8192.0));
        return out;
    }

    private static Map<String, AttributeValue> lastEvaluatedKey(Target target, Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key =
                new java.util.LinkedHashMap<>(target.table().key.keyAttributes(target.position(item)));
        if (target.isIndex()) {
            key.put(target.key().hashName(), item.get(target.key().hashName()));
            if (target.key().hasRange()) {
                key.put(target.key().rangeName(), item.get(target.key().rangeName()));
            }
        }
        return key;
    }

    private Target target(JsonNode request) {
        Table table = tables.byNameOrArn(required(request, "TableName"));
        String indexName = request.path("IndexName").asText(null);
        if (indexName == null) {
            return new Target(table, table.key, null);
        }
        Map<String, String> types = new HashMap<>();
        table.definition
                .path("AttributeDefinitions")
                .forEach(d -> types.put(
                        d.path("AttributeName").asText(),
                        d.path("AttributeType").asText()));
        for (String kind : List.of("GlobalSecondaryIndexes", "LocalSecondaryIndexes")) {
            for (JsonNode index : table.definition.path(kind)) {
                if (index.path("IndexName").asText().equals(indexName)) {
                    JsonNode ks = index.path("KeySchema");
                    String hash = ks.get(0).path("AttributeName").asText();
                    String range =
                            ks.size() > 1 ? ks.get(1).path("AttributeName").asText() : null;
                    return new Target(
                            table,
                            new KeySchema(hash, types.get(hash), range, range == null ? null : types.get(range)),
                            index);
                }
            }
        }
        throw AwsServiceException.validation("The table does not have the specified index: " + indexName);
    }

    private static List<Map<String, AttributeValue>> indexOrder(
            Target target, Iterable<Map<String, AttributeValue>> items) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : items) {
            if (target.hasIndexKeys(item)) {
                out.add(item);
            }
        }
        Comparator<Map<String, AttributeValue>> byIndex = (a, b) -> Values.compare(
                a.get(target.key().hashName()), b.get(target.key().hashName()));
        if (target.key().hasRange()) {
            byIndex = byIndex.thenComparing((a, b) -> Values.compare(
                    a.get(target.key().rangeName()), b.get(target.key().rangeName())));
        }
        out.sort(byIndex.thenComparing(target::position));
        return out;
    }

    private static List<Map<String, AttributeValue>> after(
            List<Map<String, AttributeValue>> ordered, Target target, Map<String, AttributeValue> start) {
        if (start == null) {
            return ordered;
        }
        ItemKey startKey = target.table().key.keyOfItem(start);
        for (int i = 0; i < ordered.size(); i++) {
            if (target.position(ordered.get(i)).equals(startKey)) {
                return ordered.subList(i + 1, ordered.size());
            }
        }
        throw AwsServiceException.validation(
                "The provided starting key is invalid: it names no item of this" + " read");
    }

    private static Map<String, AttributeValue> startKey(JsonNode request) {
        JsonNode node = request.get("ExclusiveStartKey");
        return node == null ? null : ItemRequests.normalizedItem(node);
    }

    /** The partition key value of a key condition, after checking the condition has the shape Query allows. */
    private static AttributeValue partitionValue(Condition keyCondition, KeySchema key) {
        List<Condition> parts = new ArrayList<>();
        flatten(keyCondition, parts);
        AttributeValue hash = null;
        for (Condition c : parts) {
            if (c instanceof Condition.Compare cmp
                    && cmp.op().equals("=")
                    && isPath(cmp.left(), key.hashName())
                    && cmp.right() instanceof Operand.Literal l
                    && hash == null) {
                hash = l.value();
            } else if (!isRangeCondition(c, key)) {
                throw AwsServiceException.validation("Query key condition not supported");
            }
        }
        if (hash == null) {
            throw AwsServiceException.validation("Query condition missed key schema element: " + key.hashName());
        }
        if (parts.size() > 2) {
            throw AwsServiceException.validation("Query key condition not supported");
        }
        return hash;
    }

    private static void flatten(Condition c, List<Condition> out) {
        if (c instanceof Condition.And and) {
            flatten(and.left(), out);
            flatten(and.right(), out);
        } else {
            out.add(c);
        }
    }

    private static boolean isRangeCondition(Condition c, KeySchema key) {
        if (!key.hasRange()) {
            return false;
        }
        if (c instanceof Condition.Compare cmp) {
            return !cmp.op().equals("<>") && isPath(cmp.left(), key.rangeName());
        }
        if (c instanceof Condition.Between b) {
            return isPath(b.value(), key.rangeName());
        }
        return c instanceof Condition.BeginsWith bw && isPath(bw.value(), key.rangeName());
    }

    private static boolean isPath(Operand o, String name) {
        return o instanceof Operand.PathOperand p
                && p.path().isTopLevel()
                && p.path().head().equals(name);
    }

    /** An iterator that skips the items a predicate rejects. */
    private static final class FilteringIterator implements Iterator<Map<String, AttributeValue>> {
        private final Iterator<Map<String, AttributeValue>> source;
        private final java.util.function.Predicate<Map<String, AttributeValue>> keep;
        private Map<String, AttributeValue> next;

        FilteringIterator(
                Iterator<Map<String, AttributeValue>> source,
                java.util.function.Predicate<Map<String, AttributeValue>> keep) {
            this.source = source;
            this.keep = keep;
        }

        @Override
        public boolean hasNext() {
            while (next == null && source.hasNext()) {
                Map<String, AttributeValue> candidate = source.next();
                if (keep.test(candidate)) {
                    next = candidate;
                }
            }
            return next != null;
        }

        @Override
        public Map<String, AttributeValue> next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            Map<String, AttributeValue> out = next;
            next = null;
            return out;
        }
    }
}
