package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.awkwardItem;
import static testsupport.Fixtures.createTable;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import item.AttributeValues;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import localaws.export.ExportSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExportConflictException;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.InvalidExportTimeException;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryUnavailableException;
import software.amazon.awssdk.services.s3.model.S3Object;
import testsupport.LocalStackExtension;

/** ExportTableToPointInTime, DescribeExport and ListExports through the AWS SDK, reading what lands in S3Proxy. */
class ExportConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension(
            s -> s.withExports(new ExportSettings(40, Duration.ZERO, Duration.ofHours(24), ".md5")));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "exports";

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket(BUCKET));
    }

    private DynamoDbClient ddb() {
        return aws.dynamoDb();
    }

    private String tableWithPitr(String name) {
        createTable(ddb(), name, null, null);
        ddb().updateContinuousBackups(b ->
                b.tableName(name).pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true)));
        return ddb().describeTable(b -> b.tableName(name)).table().tableArn();
    }

    private ExportDescription exportAndWait(ExportTableToPointInTimeRequest request) {
        String arn = ddb().exportTableToPointInTime(request).exportDescription().exportArn();
        return await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> ddb().describeExport(b -> b.exportArn(arn)).exportDescription(),
                        d -> d.exportStatus() != ExportStatus.IN_PROGRESS);
    }

    private static ExportTableToPointInTimeRequest.Builder full(String tableArn, String prefix) {
        return ExportTableToPointInTimeRequest.builder()
                .tableArn(tableArn)
                .s3Bucket(BUCKET)
                .s3Prefix(prefix);
    }

    /** Waits until the clock has moved past the instant, so writes and export times fall on distinct moments. */
    private static Instant tick() {
        Instant t = Instant.now();
        await().until(() -> Instant.now().isAfter(t.plusMillis(3)));
        return Instant.ofEpochMilli(Instant.now().toEpochMilli());
    }

    private byte[] object(String key) {
        return aws.s3().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    private List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        aws.s3().listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .forEach(keys::add);
        return keys;
    }

    private List<JsonNode> dataLines(ExportDescription d) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        String manifest = new String(object(manifestFilesKey(d)), StandardCharsets.UTF_8);
        for (String entry : manifest.split("\n")) {
            JsonNode file = JSON.readTree(entry);
            try (InputStream in = new GZIPInputStream(
                    new ByteArrayInputStream(object(file.get("dataFileS3Key").asText())))) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isEmpty()) {
                        lines.add(JSON.readTree(line));
                    }
                }
            }
        }
        return lines;
    }

    private String manifestFilesKey(ExportDescription d) throws IOException {
        return JSON.readTree(object(d.exportManifest()))
                .get("manifestFilesS3Key")
                .asText();
    }

    @Test
    void exportingWithoutPointInTimeRecoveryIsRefused() {
        createTable(ddb(), "export-nopitr", null, null);
        String arn =
                ddb().describeTable(b -> b.tableName("export-nopitr")).table().tableArn();
        assertThatThrownBy(() -> ddb().exportTableToPointInTime(full(arn, "x").build()))
                .isInstanceOf(PointInTimeRecoveryUnavailableException.class);
    }

    @Test
    void aFullExportIsWrittenInAwsLayoutWithMatchingManifests() throws Exception {
        String arn = tableWithPitr("export-full");
        for (int i = 0; i < 100; i++) {
            int v = i;
            ddb().putItem(b -> b.tableName("export-full").item(item("pk", s("k" + v), "n", n("1.50"))));
        }
        ExportDescription d = exportAndWait(full(arn, "full/run1").build());
        assertThat(d.exportStatus()).isEqualTo(ExportStatus.COMPLETED);
        assertThat(d.itemCount()).isEqualTo(100);
        assertThat(d.exportType()).isEqualTo(ExportType.FULL_EXPORT);
        String id = d.exportArn().substring(d.exportArn().lastIndexOf('/') + 1);
        assertThat(d.exportArn()).isEqualTo(arn + "/export/" + id);
        String base = "full/run1/AWSDynamoDB/" + id + "/";
        assertThat(d.exportManifest()).isEqualTo(base + "manifest-summary.json");
        assertThat(keys(base))
                .contains(
                        base + "_started",
                        base + "manifest-summary.json",
                        base + "manifest-summary.md5",
                        base + "manifest-files.json",
                        base + "manifest-files.md5")
                .filteredOn(k -> k.startsWith(base + "data/"))
                .hasSize(3)
                .allSatisfy(k -> assertThat(k).matches(".*/data/[a-z0-9]{26}\\.json\\.gz"));

        JsonNode summary = JSON.readTree(object(base + "manifest-summary.json"));
        assertThat(summary.get("version").asText()).isEqualTo("2020-06-30");
        assertThat(summary.get("itemCount").asLong()).isEqualTo(100);
        assertThat(summary.get("exportArn").asText()).isEqualTo(d.exportArn());
        assertThat(summary.get("outputFormat").asText()).isEqualTo("DYNAMODB_JSON");
        assertThat(summary.get("s3Prefix").asText()).isEqualTo("full/run1");
        assertThat(new String(object(base + "manifest-summary.md5"), StandardCharsets.UTF_8))
                .isEqualTo(HexFormat.of().formatHex(md5(object(base + "manifest-summary.json"))));

        long counted = 0;
        for (String entry : new String(object(base + "manifest-files.json"), StandardCharsets.UTF_8).split("\n")) {
            JsonNode file = JSON.readTree(entry);
            byte[] gz = object(file.get("dataFileS3Key").asText());
            assertThat(file.get("md5Checksum").asText())
                    .isEqualTo(Base64.getEncoder().encodeToString(md5(gz)));
            assertThat(file.get("etag").asText()).isEqualTo(HexFormat.of().formatHex(md5(gz)));
            counted += file.get("itemCount").asLong();
        }
        assertThat(counted).isEqualTo(100);

        Map<String, Map<String, AttributeValue>> exported = new HashMap<>();
        for (JsonNode line : dataLines(d)) {
            Map<String, AttributeValue> item = AttributeValues.fromTree(line.get("Item"), "Item");
            exported.put(item.get("pk").s(), item);
        }
        Map<String, Map<String, AttributeValue>> scanned = new HashMap<>();
        ddb().scanPaginator(b -> b.tableName("export-full"))
                .items()
                .forEach(i -> scanned.put(i.get("pk").s(), i));
        assertThat(exported).isEqualTo(scanned);
    }

    @Test
    void dataLinesCarryEveryTypeAsDynamoDbJson() throws Exception {
        // The expected line is written by hand from AWS's format, so no converter of this project stands between.
        String arn = tableWithPitr("export-types");
        ddb().putItem(b -> b.tableName("export-types").item(awkwardItem("a")));
        ExportDescription d = exportAndWait(full(arn, "types").build());
        String tiny = "0." + "0".repeat(129) + "1";
        assertThat(dataLines(d))
                .containsExactly(JSON.readTree("{\"Item\":{\"pk\":{\"S\":\"a\"},\"empty\":{\"S\":\"\"},"
                        + "\"digits\":{\"N\":\"12345678901234567890123456789012345678\"},"
                        + "\"tiny\":{\"N\":\"" + tiny + "\"},\"negativeZero\":{\"N\":\"0\"},"
                        + "\"padded\":{\"N\":\"100.5\"},\"bytes\":{\"B\":\"/wD+\"},\"yes\":{\"BOOL\":true},"
                        + "\"nothing\":{\"NULL\":true},\"strings\":{\"SS\":[\"b\",\"a\"]},"
                        + "\"numbers\":{\"NS\":[\"10\",\"2.5\"]},\"binaries\":{\"BS\":[\"Ag==\",\"AQ==\"]},"
                        + "\"list\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},{\"L\":[]}]},"
                        + "\"tags\":{\"M\":{\"S\":{\"M\":{\"S\":{\"S\":\"x\"}}},\"NULL\":{\"S\":\"not null\"}}}}}"));
    }

    @Test
    void anExportAtAPastTimeSeesTheTableAsItWasThen() throws Exception {
        String arn = tableWithPitr("export-past");
        ddb().putItem(b -> b.tableName("export-past").item(item("pk", s("kept"), "v", n("1"))));
        ddb().putItem(b -> b.tableName("export-past").item(item("pk", s("deleted-later"))));
        Instant then = tick();
        tick();
        ddb().putItem(b -> b.tableName("export-past").item(item("pk", s("kept"), "v", n("2"))));
        ddb().deleteItem(b -> b.tableName("export-past").key(item("pk", s("deleted-later"))));
        ddb().putItem(b -> b.tableName("export-past").item(item("pk", s("added-later"))));
        ExportDescription d = exportAndWait(full(arn, "past").exportTime(then).build());
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (JsonNode line : dataLines(d)) {
            items.add(AttributeValues.fromTree(line.get("Item"), "Item"));
        }
        assertThat(items).containsExactlyInAnyOrder(item("pk", s("kept"), "v", n("1")), item("pk", s("deleted-later")));
        assertThat(d.exportTime()).isEqualTo(then);
    }

    @Test
    void anEmptyTableExportsOneEmptyDataFile() throws Exception {
        String arn = tableWithPitr("export-empty");
        ExportDescription d = exportAndWait(full(arn, "empty").build());
        assertThat(d.itemCount()).isZero();
        String manifest = new String(object(manifestFilesKey(d)), StandardCharsets.UTF_8);
        assertThat(manifest.strip().split("\n"))
                .singleElement()
                .satisfies(line ->
                        assertThat(JSON.readTree(line).get("itemCount").asInt()).isZero());
    }

    @Test
    void theSameClientTokenNeverStartsASecondExport() {
        String arn = tableWithPitr("export-token");
        String first = ddb().exportTableToPointInTime(
                        full(arn, "token").clientToken("t-1").build())
                .exportDescription()
                .exportArn();
        String again = ddb().exportTableToPointInTime(
                        full(arn, "token").clientToken("t-1").build())
                .exportDescription()
                .exportArn();
        assertThat(again).isEqualTo(first);
        assertThatThrownBy(() -> ddb().exportTableToPointInTime(
                                full(arn, "other-prefix").clientToken("t-1").build()))
                .isInstanceOf(ExportConflictException.class);
    }

    @Test
    void anIncrementalExportHoldsTheNetChangeOfEachItem() throws Exception {
        String arn = tableWithPitr("export-incremental");
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("updated"), "v", n("1"))));
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("deleted"), "v", n("1"))));
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("untouched"))));
        Instant from = tick();
        tick();
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("inserted"), "v", n("1"))));
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("updated"), "v", n("2"))));
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("updated"), "v", n("3"))));
        ddb().deleteItem(b -> b.tableName("export-incremental").key(item("pk", s("deleted"))));
        Instant to = tick();
        tick();
        ddb().putItem(b -> b.tableName("export-incremental").item(item("pk", s("after-window"))));
        ExportDescription d = exportAndWait(full(arn, "incremental")
                .exportType(ExportType.INCREMENTAL_EXPORT)
                .incrementalExportSpecification(sp ->
                        sp.exportFromTime(from).exportToTime(to).exportViewType(ExportViewType.NEW_AND_OLD_IMAGES))
                .build());
        assertThat(d.exportStatus()).isEqualTo(ExportStatus.COMPLETED);
        Map<String, JsonNode> byKey = new HashMap<>();
        for (JsonNode line : dataLines(d)) {
            byKey.put(line.get("Keys").get("pk").get("S").asText(), line);
        }
        assertThat(byKey).containsOnlyKeys("inserted", "updated", "deleted");
        assertThat(byKey.get("inserted").has("OldImage")).isFalse();
        assertThat(byKey.get("inserted").get("NewImage").get("v").get("N").asText())
                .isEqualTo("1");
        assertThat(byKey.get("updated").get("OldImage").get("v").get("N").asText())
                .isEqualTo("1");
        assertThat(byKey.get("updated").get("NewImage").get("v").get("N").asText())
                .isEqualTo("3");
        assertThat(byKey.get("deleted").has("NewImage")).isFalse();
        assertThat(byKey.get("deleted").get("OldImage").get("v").get("N").asText())
                .isEqualTo("1");
        long micros = Long.parseLong(byKey.get("updated")
                .get("Metadata")
                .get("WriteTimestampMicros")
                .get("N")
                .asText());
        assertThat(Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000))
                .isBetween(from, to);
        JsonNode summary = JSON.readTree(object(d.exportManifest()));
        assertThat(summary.get("version").asText()).isEqualTo("2023-08-01");
        assertThat(summary.get("exportType").asText()).isEqualTo("INCREMENTAL_EXPORT");
        assertThat(summary.get("outputView").asText()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(summary.get("itemCount").asInt()).isEqualTo(3);
    }

    @Test
    void exportTimesOutsideTheRecoveryWindowAreInvalid() {
        String arn = tableWithPitr("export-times");
        assertThatThrownBy(() -> ddb().exportTableToPointInTime(full(arn, "t")
                        .exportTime(Instant.now().plusSeconds(3600))
                        .build()))
                .isInstanceOf(InvalidExportTimeException.class);
        assertThatThrownBy(() -> ddb().exportTableToPointInTime(full(arn, "t")
                        .exportTime(Instant.now().minusSeconds(3600))
                        .build()))
                .as("before point-in-time recovery was turned on")
                .isInstanceOf(InvalidExportTimeException.class);
        assertThatThrownBy(() -> ddb().exportTableToPointInTime(
                                full(arn, "t").exportFormat(ExportFormat.ION).build()))
                .isInstanceOf(DynamoDbException.class)
                .hasMessageContaining("DYNAMODB_JSON only");
    }

    @Test
    void aFailedExportReportsAwsFailureCodeAndMessage() {
        String arn = tableWithPitr("export-fails");
        aws.stack().emulator().faults().failNextExport("S3AccessDenied", "Access Denied");
        ExportDescription d = exportAndWait(full(arn, "fails").build());
        assertThat(d.exportStatus()).isEqualTo(ExportStatus.FAILED);
        assertThat(d.failureCode()).isEqualTo("S3AccessDenied");
        assertThat(d.failureMessage()).isEqualTo("Access Denied");
        assertThat(keys("fails/"))
                .as("no manifest, so no reader takes it for finished")
                .noneMatch(k -> k.endsWith("manifest-summary.json"));
    }

    @Test
    void anExportIntoAMissingBucketFails() {
        String arn = tableWithPitr("export-nobucket");
        ExportDescription d = exportAndWait(ExportTableToPointInTimeRequest.builder()
                .tableArn(arn)
                .s3Bucket("no-such-bucket")
                .build());
        assertThat(d.exportStatus()).isEqualTo(ExportStatus.FAILED);
        assertThat(d.failureCode()).isEqualTo("S3NoSuchBucket");
    }

    @Test
    void listsExportsPageByPageAndDescribesOnlyKnownOnes() {
        String arn = tableWithPitr("export-list");
        for (int i = 0; i < 3; i++) {
            ddb().exportTableToPointInTime(full(arn, "list/" + i).build());
        }
        var page = ddb().listExports(b -> b.tableArn(arn).maxResults(2));
        assertThat(page.exportSummaries()).hasSize(2);
        assertThat(page.nextToken()).isNotNull();
        var rest = ddb().listExports(b -> b.tableArn(arn).maxResults(2).nextToken(page.nextToken()));
        assertThat(rest.exportSummaries()).hasSize(1);
        assertThat(rest.nextToken()).isNull();
        assertThatThrownBy(() -> ddb().describeExport(b -> b.exportArn(arn + "/export/01234567890123-deadbeef")))
                .isInstanceOf(ExportNotFoundException.class);
    }

    private static byte[] md5(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("MD5").digest(bytes);
    }
}
