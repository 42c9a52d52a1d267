package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;
import testsupport.LocalStackExtension;

/** Scan and Query through the AWS SDK against the emulator: pages, segments, filters, projections, indexes. */
class DynamoDbReadsConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "reads";
    private static final int CUSTOMERS = 10;
    private static final int ORDERS = 30;

    @BeforeAll
    static void table() {
        DynamoDbClient ddb = aws.dynamoDb();
        ddb.createTable(b -> b.tableName(TABLE)
                .billingMode("PAY_PER_REQUEST")
                .keySchema(
                        k -> k.attributeName("pk").keyType(KeyType.HASH),
                        k -> k.attributeName("sk").keyType(KeyType.RANGE))
                .attributeDefinitions(
                        a -> a.attributeName("pk").attributeType("S"),
                        a -> a.attributeName("sk").attributeType("N"),
                        a -> a.attributeName("status").attributeType("S"))
                .globalSecondaryIndexes(g -> g.indexName("by-status")
                        .keySchema(
                                k -> k.attributeName("status").keyType(KeyType.HASH),
                                k -> k.attributeName("sk").keyType(KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))));
        for (int c = 0; c < CUSTOMERS; c++) {
            for (int o = 0; o < ORDERS; o++) {
                Map<String, AttributeValue> item = item(
                        "pk",
                        s("c" + c),
                        "sk",
                        n(Integer.toString(o)),
                        "status",
                        s(o % 3 == 0 ? "NEW" : "DONE"),
                        "amount",
                        n(o + ".5"));
                ddb.putItem(b -> b.tableName(TABLE).item(item));
            }
        }
    }

    private DynamoDbClient ddb() {
        return aws.dynamoDb();
    }

    private static String key(Map<String, AttributeValue> item) {
        return item.get("pk").s() + "/" + item.get("sk").n();
    }

    @Test
    void scansEveryItemExactlyOnceAcrossPages() {
        List<String> keys = new ArrayList<>();
        int pages = 0;
        for (ScanResponse page : ddb().scanPaginator(b -> b.tableName(TABLE).limit(7))) {
            page.items().forEach(i -> keys.add(key(i)));
            pages++;
        }
        assertThat(keys).hasSize(CUSTOMERS * ORDERS).doesNotHaveDuplicates();
        assertThat(pages).isGreaterThanOrEqualTo(CUSTOMERS * ORDERS / 7);
    }

    @Test
    void parallelScanSegmentsSplitTheTableWithoutOverlap() {
        Set<String> union = new HashSet<>();
        int total = 0;
        for (int segment = 0; segment < 4; segment++) {
            int seg = segment;
            for (ScanResponse page : ddb().scanPaginator(b ->
                    b.tableName(TABLE).segment(seg).totalSegments(4).limit(50))) {
                page.items().forEach(i -> union.add(key(i)));
                total += page.count();
            }
        }
        assertThat(total).isEqualTo(CUSTOMERS * ORDERS);
        assertThat(union).hasSize(CUSTOMERS * ORDERS);
    }

    @Test
    void filtersAfterReadingAndCountsBoth() {
        ScanResponse r = ddb().scan(b -> b.tableName(TABLE)
                .limit(30)
                .filterExpression("#s = :new")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":new", s("NEW"))));
        assertThat(r.scannedCount()).isEqualTo(30);
        assertThat(r.count()).isEqualTo(10);
        assertThat(r.items()).allSatisfy(i -> assertThat(i.get("status")).isEqualTo(s("NEW")));
        assertThat(r.lastEvaluatedKey()).containsOnlyKeys("pk", "sk");
    }

    @Test
    void countsWithoutReturningItems() {
        ScanResponse r = ddb().scan(b -> b.tableName(TABLE).select(Select.COUNT));
        assertThat(r.count()).isEqualTo(CUSTOMERS * ORDERS);
        assertThat(r.hasItems()).isFalse();
    }

    @Test
    void projectsScannedItems() {
        ScanResponse r = ddb().scan(b -> b.tableName(TABLE).limit(1).projectionExpression("amount"));
        assertThat(r.items().get(0)).containsOnlyKeys("amount");
    }

    @Test
    void queriesOnePartitionInSortKeyOrder() {
        List<String> sks = new ArrayList<>();
        for (QueryResponse page : ddb().queryPaginator(b -> b.tableName(TABLE)
                .limit(4)
                .keyConditionExpression("pk = :c")
                .expressionAttributeValues(Map.of(":c", s("c3"))))) {
            page.items().forEach(i -> sks.add(i.get("sk").n()));
        }
        assertThat(sks).hasSize(ORDERS);
        assertThat(sks.stream().map(Integer::parseInt).toList())
                .as("numbers sort as numbers, 10 after 9")
                .isSorted();
    }

    @Test
    void queriesWithSortKeyConditionsBothWays() {
        QueryResponse between = ddb().query(b -> b.tableName(TABLE)
                .keyConditionExpression("pk = :c AND sk BETWEEN :lo AND :hi")
                .expressionAttributeValues(Map.of(":c", s("c1"), ":lo", n("5"), ":hi", n("9")))
                .scanIndexForward(false));
        assertThat(between.items()).extracting(i -> i.get("sk").n()).containsExactly("9", "8", "7", "6", "5");
        QueryResponse less = ddb().query(b -> b.tableName(TABLE)
                .keyConditionExpression("pk = :c AND sk < :v")
                .filterExpression("amount > :a")
                .expressionAttributeValues(Map.of(":c", s("c1"), ":v", n("3"), ":a", n("1"))));
        assertThat(less.items()).extracting(i -> i.get("sk").n()).containsExactly("1", "2");
        assertThat(less.scannedCount()).isEqualTo(3);
    }

    @Test
    void queriesASecondaryIndexWithItsProjection() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (QueryResponse page : ddb().queryPaginator(b -> b.tableName(TABLE)
                .indexName("by-status")
                .limit(7)
                .keyConditionExpression("#s = :new")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":new", s("NEW"))))) {
            items.addAll(page.items());
        }
        assertThat(items).hasSize(CUSTOMERS * ORDERS / 3);
        assertThat(items.get(0)).containsOnlyKeys("pk", "sk", "status");
    }

    @Test
    void rejectsKeyConditionsQueryCannotServe() {
        assertThatThrownBy(() -> ddb().query(b -> b.tableName(TABLE)
                        .keyConditionExpression("sk = :v")
                        .expressionAttributeValues(Map.of(":v", n("1")))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Query condition missed key schema element: pk");
        assertThatThrownBy(() -> ddb().query(b -> b.tableName(TABLE)
                        .keyConditionExpression("pk = :c OR sk = :v")
                        .expressionAttributeValues(Map.of(":c", s("c1"), ":v", n("1")))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("Query key condition not supported");
        assertThatThrownBy(() -> ddb().query(b -> b.tableName(TABLE)
                        .indexName("nope")
                        .keyConditionExpression("pk = :c")
                        .expressionAttributeValues(Map.of(":c", s("c1")))))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("does not have the specified index");
    }

    @Test
    void pagesStopAtOneMegabyte() {
        createTable(ddb(), "reads-big", null, null);
        String payload = "x".repeat(300 * 1024);
        for (int i = 0; i < 8; i++) {
            int n = i;
            ddb().putItem(b -> b.tableName("reads-big").item(item("pk", s("big-" + n), "p", s(payload))));
        }
        ScanResponse first = ddb().scan(b -> b.tableName("reads-big"));
        assertThat(first.count()).as("1 MB holds four items of 300 KB").isEqualTo(4);
        assertThat(first.hasLastEvaluatedKey()).isTrue();
    }
}
