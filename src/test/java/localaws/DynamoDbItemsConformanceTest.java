package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.awkwardItem;
import static testsupport.Fixtures.awkwardItemAsStored;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.l;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.ns;
import static testsupport.Fixtures.s;
import static testsupport.Fixtures.ss;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import testsupport.LocalStackExtension;

/** DynamoDB's item operations and expressions through the AWS SDK against the emulator. */
class DynamoDbItemsConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "items";

    @BeforeAll
    static void table() {
        createTable(aws.dynamoDb(), TABLE, null, null);
    }

    private DynamoDbClient ddb() {
        return aws.dynamoDb();
    }

    private Map<String, AttributeValue> get(String pk) {
        return ddb().getItem(b -> b.tableName(TABLE).key(item("pk", s(pk)))).item();
    }

    private void put(Map<String, AttributeValue> item) {
        ddb().putItem(b -> b.tableName(TABLE).item(item));
    }

    private static void assertValidation(Throwable e, String message) {
        assertThat(e).isInstanceOf(DynamoDbException.class);
        assertThat(((DynamoDbException) e).awsErrorDetails().errorCode()).isEqualTo("ValidationException");
        assertThat(e).hasMessageContaining(message);
    }

    @Test
    void storesNumbersTrimmedAsDynamoDbDoes() {
        put(item(
                "pk",
                s("numbers"),
                "a",
                n("2.0"),
                "b",
                n("0100"),
                "c",
                ns("1.50", "2"),
                "d",
                n("12345678901234567890123456789012345678")));
        assertThat(get("numbers"))
                .isEqualTo(item(
                        "pk",
                        s("numbers"),
                        "a",
                        n("2"),
                        "b",
                        n("100"),
                        "c",
                        ns("1.5", "2"),
                        "d",
                        n("12345678901234567890123456789012345678")));
    }

    @Test
    void storesEveryTypeAsDynamoDbDoes() {
        put(awkwardItem("awkward"));
        assertThat(get("awkward")).isEqualTo(awkwardItemAsStored("awkward"));
    }

    @Test
    void refusesInvalidValuesInDynamoDbsWords() {
        assertThatThrownBy(() -> put(item("pk", s("bad"), "n", n("1E126"))))
                .satisfies(e -> assertValidation(
                        e, "Number overflow. Attempting to store a number with magnitude larger than supported range"));
        assertThatThrownBy(() -> put(item("pk", s("bad"), "n", n("x"))))
                .satisfies(e -> assertValidation(e, "The parameter cannot be converted to a numeric value: x"));
        assertThatThrownBy(() -> put(item("pk", s("bad"), "m", m("set", ns("1", "1.0")))))
                .satisfies(e -> assertValidation(e, "Input collection contains duplicates"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE)
                        .item(item("pk", s("bad")))
                        .conditionExpression("a <> :v")
                        .expressionAttributeValues(Map.of(":v", n("1E-131")))))
                .satisfies(e -> assertValidation(
                        e,
                        "ExpressionAttributeValues contains invalid value: Number underflow. Attempting to store a"
                                + " number with magnitude smaller than supported range for key :v"));
    }

    @Test
    void returnsTheOldItemWhenAsked() {
        put(item("pk", s("old"), "v", n("1")));
        var out = ddb().putItem(b ->
                b.tableName(TABLE).item(item("pk", s("old"), "v", n("2"))).returnValues(ReturnValue.ALL_OLD));
        assertThat(out.attributes()).isEqualTo(item("pk", s("old"), "v", n("1")));
    }

    @Test
    void aFailedConditionIsConditionalCheckFailedWithTheItemWhenAsked() {
        put(item("pk", s("cond"), "v", n("5")));
        assertThatThrownBy(() -> ddb().putItem(b ->
                        b.tableName(TABLE).item(item("pk", s("cond"))).conditionExpression("attribute_not_exists(pk)")))
                .isInstanceOf(ConditionalCheckFailedException.class);
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE)
                        .item(item("pk", s("cond")))
                        .conditionExpression("#v < :max")
                        .expressionAttributeNames(Map.of("#v", "v"))
                        .expressionAttributeValues(Map.of(":max", n("3")))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)))
                .isInstanceOfSatisfying(
                        ConditionalCheckFailedException.class,
                        e -> assertThat(e.item()).isEqualTo(item("pk", s("cond"), "v", n("5"))));
        ddb().putItem(b -> b.tableName(TABLE)
                .item(item("pk", s("cond"), "v", n("6")))
                .conditionExpression("(#v BETWEEN :lo AND :hi) AND NOT contains(#v, :x) OR attribute_exists(nope)")
                .expressionAttributeNames(Map.of("#v", "v"))
                .expressionAttributeValues(Map.of(":lo", n("1"), ":hi", n("9"), ":x", s("q"))));
        assertThat(get("cond").get("v")).isEqualTo(n("6"));
    }

    @Test
    void evaluatesComparisonsInAndFunctions() {
        put(item("pk", s("fn"), "name", s("dynamo"), "tags", ss("a", "b"), "list", l(n("1"), s("x"))));
        String[] holding = {
            "begins_with(#n, :d)",
            "contains(tags, :a)",
            "contains(#l, :one)",
            "size(#n) = :six",
            "attribute_type(tags, :ss)",
            "#n IN (:z, :dyn)",
            "#n <> :z",
            "size(tags) > :one"
        };
        for (String condition : holding) {
            ddb().putItem(b -> b.tableName(TABLE)
                    .item(get("fn"))
                    .conditionExpression(condition)
                    .expressionAttributeNames(used(condition, Map.of("#n", "name", "#l", "list")))
                    .expressionAttributeValues(used(
                            condition,
                            Map.of(
                                    ":d",
                                    s("dyn"),
                                    ":a",
                                    s("a"),
                                    ":one",
                                    n("1"),
                                    ":six",
                                    n("6"),
                                    ":ss",
                                    s("SS"),
                                    ":z",
                                    s("z"),
                                    ":dyn",
                                    s("dynamo")))));
        }
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE)
                        .item(get("fn"))
                        .conditionExpression("#n > :one")
                        .expressionAttributeNames(Map.of("#n", "name"))
                        .expressionAttributeValues(Map.of(":one", n("1")))))
                .as("a string is never greater than a number: different types compare false")
                .isInstanceOf(ConditionalCheckFailedException.class);
    }

    private static <V> Map<String, V> used(String expression, Map<String, V> all) {
        Map<String, V> out = new java.util.HashMap<>();
        all.forEach((k, v) -> {
            if (expression.matches(".*" + k + "\\b.*")) {
                out.put(k, v);
            }
        });
        return out.isEmpty() ? null : out;
    }

    @Test
    void updatesTopLevelAndNestedPaths() {
        put(item(
                "pk",
                s("upd"),
                "count",
                n("1"),
                "tags",
                ss("a"),
                "doc",
                m("inner", m("x", n("1"), "list", l(s("a"), s("b"), s("c"))))));
        var out = ddb().updateItem(b -> b.tableName(TABLE)
                .key(item("pk", s("upd")))
                .updateExpression("SET doc.inner.x = doc.inner.x + :two, doc.inner.list[1] = :bee,"
                        + " created = if_not_exists(created, :now), hist = list_append(if_not_exists(hist, :empty),"
                        + " :one) REMOVE doc.inner.list[0] ADD #c :two, tags :more DELETE gone :more")
                .expressionAttributeNames(Map.of("#c", "count"))
                .expressionAttributeValues(Map.of(
                        ":two", n("2"), ":bee", s("B"), ":now", s("t0"), ":empty", l(), ":one", l(n("1")), ":more",
                        ss("b")))
                .returnValues(ReturnValue.ALL_NEW));
        assertThat(out.attributes())
                .isEqualTo(item(
                        "pk",
                        s("upd"),
                        "count",
                        n("3"),
                        "tags",
                        ss("a", "b"),
                        "doc",
                        m("inner", m("x", n("3"), "list", l(s("B"), s("c")))),
                        "created",
                        s("t0"),
                        "hist",
                        l(n("1"))));
    }

    @Test
    void updateCreatesTheItemWhenMissing() {
        ddb().updateItem(b -> b.tableName(TABLE)
                .key(item("pk", s("upsert")))
                .updateExpression("ADD hits :one")
                .expressionAttributeValues(Map.of(":one", n("1"))));
        assertThat(get("upsert")).isEqualTo(item("pk", s("upsert"), "hits", n("1")));
    }

    @Test
    void returnsOnlyTheUpdatedAttributesWhenAsked() {
        put(item("pk", s("ret"), "a", n("1"), "b", n("1")));
        var out = ddb().updateItem(b -> b.tableName(TABLE)
                .key(item("pk", s("ret")))
                .updateExpression("SET a = :v")
                .expressionAttributeValues(Map.of(":v", n("9")))
                .returnValues(ReturnValue.UPDATED_OLD));
        assertThat(out.attributes()).isEqualTo(item("a", n("1")));
    }

    @Test
    void deletingTheLastMemberOfASetRemovesTheAttribute() {
        put(item("pk", s("del"), "tags", ss("a")));
        ddb().updateItem(b -> b.tableName(TABLE)
                .key(item("pk", s("del")))
                .updateExpression("DELETE tags :a")
                .expressionAttributeValues(Map.of(":a", ss("a"))));
        assertThat(get("del")).isEqualTo(item("pk", s("del")));
    }

    @Test
    void rejectsWhatDynamoDbRejects() {
        put(item("pk", s("rej"), "s", s("text")));
        assertThatThrownBy(() -> ddb().updateItem(b -> b.tableName(TABLE)
                        .key(item("pk", s("rej")))
                        .updateExpression("SET pk = :v")
                        .expressionAttributeValues(Map.of(":v", s("x")))))
                .satisfies(e -> assertValidation(e, "This attribute is part of the key"));
        assertThatThrownBy(() -> ddb().updateItem(b -> b.tableName(TABLE)
                        .key(item("pk", s("rej")))
                        .updateExpression("SET s = s + :one")
                        .expressionAttributeValues(Map.of(":one", n("1")))))
                .satisfies(e -> assertValidation(e, "incorrect data type"));
        assertThatThrownBy(() -> ddb().updateItem(b -> b.tableName(TABLE)
                        .key(item("pk", s("rej")))
                        .updateExpression("SET a.b = :v")
                        .expressionAttributeValues(Map.of(":v", s("x")))))
                .satisfies(e -> assertValidation(e, "document path provided in the update expression is invalid"));
        assertThatThrownBy(() -> ddb().updateItem(b -> b.tableName(TABLE)
                        .key(item("pk", s("rej")))
                        .updateExpression("SET a = :v, a = :w")
                        .expressionAttributeValues(Map.of(":v", s("x"), ":w", s("y")))))
                .satisfies(e -> assertValidation(e, "Two document paths overlap"));
        assertThatThrownBy(() -> ddb().putItem(b ->
                        b.tableName(TABLE).item(item("pk", s("rej"))).conditionExpression("a = :undefined")))
                .satisfies(e -> assertValidation(e, "attribute value: :undefined"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE)
                        .item(item("pk", s("rej")))
                        .conditionExpression("a = :v")
                        .expressionAttributeValues(Map.of(":v", s("x"), ":extra", s("y")))))
                .satisfies(e -> assertValidation(e, "unused in expressions: keys: {:extra}"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE)
                        .item(item("pk", s("rej")))
                        .conditionExpression("a = = :v")
                        .expressionAttributeValues(Map.of(":v", s("x")))))
                .satisfies(e -> assertValidation(e, "Syntax error"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE).item(item("pk", s("")))))
                .satisfies(e -> assertValidation(e, "cannot contain an empty string value"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE).item(item("pk", s("rej"), "set", ss("a", "a")))))
                .satisfies(e -> assertValidation(e, "duplicates"));
        assertThatThrownBy(() -> ddb().putItem(b -> b.tableName(TABLE).item(item("nokey", s("x")))))
                .satisfies(e -> assertValidation(e, "Missing the key pk"));
        assertThatThrownBy(() -> ddb().getItem(b -> b.tableName(TABLE).key(item("pk", s("x"), "other", s("y")))))
                .satisfies(e -> assertValidation(e, "does not match the schema"));
    }

    @Test
    void rejectsItemsOver400Kilobytes() {
        String big = "x".repeat(400 * 1024);
        assertThatThrownBy(() -> put(item("pk", s("big"), "payload", s(big))))
                .satisfies(e -> assertValidation(e, "Item size has exceeded the maximum allowed size"));
        put(item("pk", s("almost"), "payload", s("x".repeat(399 * 1024))));
        assertThat(get("almost")).isNotEmpty();
    }

    @Test
    void deletesAndReturnsTheOldItem() {
        put(item("pk", s("gone"), "v", n("1")));
        var out = ddb().deleteItem(
                        b -> b.tableName(TABLE).key(item("pk", s("gone"))).returnValues(ReturnValue.ALL_OLD));
        assertThat(out.attributes()).containsEntry("v", n("1"));
        assertThat(ddb().getItem(b -> b.tableName(TABLE).key(item("pk", s("gone"))))
                        .hasItem())
                .isFalse();
    }

    @Test
    void projectsAttributesOnGet() {
        put(item("pk", s("proj"), "a", n("1"), "m", m("x", n("2"), "y", n("3")), "c", n("4")));
        var out =
                ddb().getItem(b -> b.tableName(TABLE).key(item("pk", s("proj"))).projectionExpression("a, m.y"));
        assertThat(out.item()).isEqualTo(item("a", n("1"), "m", m("y", n("3"))));
    }

    @Test
    void writesAndReadsInBatches() {
        List<WriteRequest> writes = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            int n = i;
            writes.add(WriteRequest.builder()
                    .putRequest(p -> p.item(item("pk", s("batch-" + n))))
                    .build());
        }
        assertThat(ddb().batchWriteItem(b -> b.requestItems(Map.of(TABLE, writes)))
                        .unprocessedItems())
                .isEmpty();
        var got = ddb().batchGetItem(b -> b.requestItems(Map.of(
                TABLE,
                software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder()
                        .keys(item("pk", s("batch-0")), item("pk", s("batch-24")), item("pk", s("batch-missing")))
                        .build())));
        assertThat(got.responses().get(TABLE)).hasSize(2);
        List<WriteRequest> tooMany = new ArrayList<>(writes);
        tooMany.add(WriteRequest.builder()
                .deleteRequest(d -> d.key(item("pk", s("batch-25"))))
                .build());
        assertThatThrownBy(() -> ddb().batchWriteItem(b -> b.requestItems(Map.of(TABLE, tooMany))))
                .satisfies(e -> assertValidation(e, "Too many items"));
        List<WriteRequest> duplicates = List.of(
                writes.get(0),
                WriteRequest.builder()
                        .deleteRequest(d -> d.key(item("pk", s("batch-0"))))
                        .build());
        assertThatThrownBy(() -> ddb().batchWriteItem(b -> b.requestItems(Map.of(TABLE, duplicates))))
                .satisfies(e -> assertValidation(e, "contains duplicates"));
    }
}
