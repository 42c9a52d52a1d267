package export;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Where each export of the table stands, durably, in the application's state table (the checkpoint table): one item
 * per export with its phase and the data files done in each phase. Files are recorded as members of string sets, so
 * a redelivered message counts once, and the worker that completes a phase learns it from the set's size.
 *
 * <pre>
 * EXPORTING → (all files discovered) → CONVERTING → (all parts written) → PUBLISHED
 *          ↘ FAILED (export failed, a file failed its checksum or count)
 * </pre>
 */
public final class ExportProgress {
    /** The phases of an export. */
    public enum Phase {
        EXPORTING,
        DISCOVERING,
        CONVERTING,
        PUBLISHED,
        FAILED,
        /** Published once, then deleted by retention after newer snapshots. */
        EXPIRED
    }

    /** One export as recorded. */
    public record Entry(
            String exportId,
            String exportArn,
            Phase phase,
            boolean incremental,
            Instant fromTime,
            Instant exportTime,
            List<String> keys,
            Instant requestedAt,
            int files,
            long items,
            Set<Integer> discoveredFiles,
            Set<Integer> convertedFiles,
            String failure) {
        public int discovered() {
            return discoveredFiles.size();
        }

        public int converted() {
            return convertedFiles.size();
        }

        /** Whether workers still have to act on it. */
        public boolean inFlight() {
            return phase == Phase.EXPORTING || phase == Phase.DISCOVERING || phase == Phase.CONVERTING;
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final String pk;

    public ExportProgress(DynamoDbClient dynamoDb, String stateTable, String group, String sourceTable) {
        this.dynamoDb = dynamoDb;
        this.table = stateTable;
        this.pk = group + "|export|" + sourceTable;
    }

    private Map<String, AttributeValue> key(String exportId) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(exportId));
    }

    /** Records a requested export (idempotent: the same export id is recorded once). */
    public void requested(
            String exportId,
            String exportArn,
            boolean incremental,
            Instant fromTime,
            Instant exportTime,
            List<String> keys,
            Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(pk));
        item.put("sk", AttributeValue.fromS(exportId));
        item.put("exportArn", AttributeValue.fromS(exportArn));
        item.put("phase", AttributeValue.fromS(Phase.EXPORTING.name()));
        item.put("incremental", AttributeValue.fromBool(incremental));
        item.put("exportTime", millis(exportTime));
        item.put(
                "keys",
                AttributeValue.fromL(keys.stream().map(AttributeValue::fromS).toList()));
        item.put("requestedAt", millis(now));
        if (fromTime != null) {
            item.put("fromTime", millis(fromTime));
        }
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(sk)"));
        } catch (ConditionalCheckFailedException e) {
            // a retried trigger of the same export
        }
    }

    /**
     * The export's files are known and queued: records their number and moves EXPORTING to {@code phase}. A worker
     * that was quicker may have moved it further already; that is kept.
     */
    public void started(String exportId, Phase phase, int files, long items) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(exportId))
                    .updateExpression("SET phase = :p, files = :f, #items = :i")
                    .conditionExpression("phase = :exporting")
                    .expressionAttributeNames(Map.of("#items", "items"))
                    .expressionAttributeValues(Map.of(
                            ":p", AttributeValue.fromS(phase.name()),
                            ":f", AttributeValue.fromN(Integer.toString(files)),
                            ":i", AttributeValue.fromN(Long.toString(items)),
                            ":exporting", AttributeValue.fromS(Phase.EXPORTING.name()))));
        } catch (ConditionalCheckFailedException e) {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(exportId))
                    .updateExpression("SET files = :f, #items = :i")
                    .expressionAttributeNames(Map.of("#items", "items"))
                    .expressionAttributeValues(Map.of(
                            ":f", AttributeValue.fromN(Integer.toString(files)),
                            ":i", AttributeValue.fromN(Long.toString(items)))));
        }
    }

    /**
     * Records a data file (by its place in the manifest) done in a phase; returns how many distinct files are done in
     * it now. Recording the same file again changes nothing.
     *
     * @param set {@code discovered} or {@code converted}
     */
    public int fileDone(String exportId, String set, int fileIndex) {
        var out = dynamoDb.updateItem(b -> b.tableName(table)
                .key(key(exportId))
                .updateExpression("ADD #set :file")
                .expressionAttributeNames(Map.of("#set", set))
                .expressionAttributeValues(Map.of(":file", AttributeValue.fromNs(List.of(Integer.toString(fileIndex)))))
                .returnValues(ReturnValue.UPDATED_NEW));
        return out.attributes().get(set).ns().size();
    }

    /**
     * The moment the export was first published: set by the first publisher, returned unchanged to any later one,
     * so publishing again writes the same record ({@code _published.json}).
     */
    public Instant publishedAt(String exportId, Instant now) {
        var out = dynamoDb.updateItem(b -> b.tableName(table)
                .key(key(exportId))
                .updateExpression("SET publishedAt = if_not_exists(publishedAt, :now)")
                .expressionAttributeValues(Map.of(":now", millis(now)))
                .returnValues(ReturnValue.UPDATED_NEW));
        return Instant.ofEpochMilli(
                Long.parseLong(out.attributes().get("publishedAt").n()));
    }

    /** Moves the export to {@code to} if it is in one of {@code from}; false when it was not (another worker won). */
    public boolean advance(String exportId, Phase to, Phase... from) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":to", AttributeValue.fromS(to.name()));
        List<String> conditions = new ArrayList<>();
        for (int i = 0; i < from.length; i++) {
            values.put(":from" + i, AttributeValue.fromS(from[i].name()));
            conditions.add("phase = :from" + i);
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(exportId))
                    .updateExpression("SET phase = :to")
                    .conditionExpression(String.join(" OR ", conditions))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Marks an export that is still in flight failed, with the reason; it will never be published. A published
     * export stays published.
     */
    public boolean failed(String exportId, String reason) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(exportId))
                    .updateExpression("SET phase = :failed, failure = :why")
                    .conditionExpression("phase = :e OR phase = :d OR phase = :c")
                    .expressionAttributeValues(Map.of(
                            ":failed", AttributeValue.fromS(Phase.FAILED.name()),
                            ":why", AttributeValue.fromS(reason),
                            ":e", AttributeValue.fromS(Phase.EXPORTING.name()),
                            ":d", AttributeValue.fromS(Phase.DISCOVERING.name()),
                            ":c", AttributeValue.fromS(Phase.CONVERTING.name()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    public Optional<Entry> get(String exportId) {
        var item = dynamoDb.getItem(b -> b.tableName(table).key(key(exportId)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(entry(item));
    }

    /** Every export of the table, oldest first. */
    public List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk))))
                .items()
                .forEach(i -> out.add(entry(i)));
        out.sort(java.util.Comparator.comparing(Entry::requestedAt));
        return out;
    }

    private static Entry entry(Map<String, AttributeValue> i) {
        Map<String, AttributeValue> m = new HashMap<>(i);
        return new Entry(
                m.get("sk").s(),
                m.get("exportArn").s(),
                Phase.valueOf(m.get("phase").s()),
                m.get("incremental").bool(),
                m.containsKey("fromTime")
                        ? Instant.ofEpochMilli(Long.parseLong(m.get("fromTime").n()))
                        : null,
                Instant.ofEpochMilli(Long.parseLong(m.get("exportTime").n())),
                m.containsKey("keys")
                        ? m.get("keys").l().stream().map(AttributeValue::s).toList()
                        : List.of(),
                Instant.ofEpochMilli(Long.parseLong(m.get("requestedAt").n())),
                m.containsKey("files") ? Integer.parseInt(m.get("files").n()) : 0,
                m.containsKey("items") ? Long.parseLong(m.get("items").n()) : 0,
                indexes(m.get("discovered")),
                indexes(m.get("converted")),
                m.containsKey("failure") ? m.get("failure").s() : null);
    }

    private static Set<Integer> indexes(AttributeValue set) {
        return set == null ? Set.of() : set.ns().stream().map(Integer::valueOf).collect(Collectors.toUnmodifiableSet());
    }

    private static AttributeValue millis(Instant t) {
        return AttributeValue.fromN(Long.toString(t.toEpochMilli()));
    }
}
