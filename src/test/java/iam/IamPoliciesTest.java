package iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dynamolake.demo.DemoTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import testsupport.Apps;
import testsupport.AwsCallRecorder;
import testsupport.AwsCallRecorder.Call;
import testsupport.LocalStackExtension;
import testsupport.Ports;

/**
 * The IAM policies in docs/iam/ held against what the application really calls. The application runs end to end
 * with a role per side (assumed through the emulator's STS): the stream lands as deltas, an export becomes a
 * snapshot, the current view is built, readiness checks its dependencies, and the replica stops. Every AWS call it
 * sends on the wire is recorded with the access key it was signed with, which tells the role, so the side. Then:
 *
 * <ul>
 *   <li>every call is allowed by the policy of the side that made it, action and resource (and the one condition
 *       the policies use, s3:prefix);
 *   <li>no policy statement allows an action that no call needed on its resources;
 *   <li>assuming the roles is allowed by the runner's policy, and the export bucket's policy lets the source role
 *       write exactly what an export needs.
 * </ul>
 *
 * The lake role also holds lake-account-glue-policy.json: the application runs with glue.database, so it registers
 * the deltas' table in the emulator's Glue catalog (moved, as the table is there from a run before); and lake-account-iceberg-policy.json, as it commits the snapshot to the
 * Iceberg table of the Glue catalog (lake.catalog.type=glue, the default). Not held here: the KMS and Athena policies (docs/iam/*-kms-policy.json,
 * lake-account-athena-policy.json): the local stack encrypts nothing, and Athena's own calls to Glue and S3 on the
 * caller's behalf happen inside Athena, where no SDK interceptor sees them.
 */
class IamPoliciesTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TABLE = "iam-orders";
    private static final String ACCOUNT = "000000000000";
    private static final String REGION = "us-east-1";
    private static final String SOURCE_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/dynamo-lake-source";
    private static final String LAKE_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/dynamo-lake-lake";

    @Test
    void everyCallIsAllowedToItsSideAndEveryGrantIsUsed() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 11, 3600);
        demo.create();
        demo.seed(300, 0);
        int port = Ports.free();
        Main app = Apps.against(
                aws,
                TABLE,
                Map.ofEntries(
                        Map.entry("aws.source.role-arn", SOURCE_ROLE),
                        Map.entry("aws.source.external-id", "dynamo-lake-test"),
                        Map.entry("aws.lake.role-arn", LAKE_ROLE),
                        Map.entry("camel.management.port", Integer.toString(port)),
                        Map.entry("views.compaction-enabled", "true"),
                        Map.entry("views.compaction-delay", "1s"),
                        Map.entry("views.compaction-interval", "2s"),
                        Map.entry("views.keep", "1"),
                        Map.entry("snapshot.keep", "1"),
                        Map.entry("glue.database", "lake"),
                        // Past the stream's retention at once: a shard gone from the stream loses its checkpoint.
                        Map.entry("camel.component.ddbstream.stream-retention", "1ms"),
                        Map.entry("export.visibility-timeout", "30")));
        // A restart: the deltas' Glue table is there from the run before, and this start moves it (UpdateTable).
        try (var glue = aws.clients().glue()) {
            glue.createDatabase(b -> b.databaseInput(d -> d.name("lake")));
            glue.createTable(b -> b.databaseName("lake")
                    .tableInput(t -> t.name("iam_orders_deltas").storageDescriptor(sd -> sd.location("s3://old/"))));
        }
        AwsCallRecorder.start();
        List<Call> calls;
        try {
            app.start();
            var requester = app.getCamelContext()
                    .getRegistry()
                    .lookupByNameAndType("exportRequester", export.ExportRequester.class);
            // Two snapshots with snapshot.keep=1: publishing the second deletes the first.
            for (int round = 0; round < 2; round++) {
                String id = requester.request("test", Instant.now(), true).orElseThrow();
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(() ->
                                pointer("snapshots/").path("exportId").asText().equals(id));
                demo.change(50);
            }
            // Two view versions with views.keep=1: publishing the second deletes the first.
            long first = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> pointer("current/").path("version").asLong(), v -> v >= 1);
            demo.change(50);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> pointer("current/").path("version").asLong() > first);
            // Retention has run: one snapshot, and of the view only the files the published version names (a
            // patched version names the parts and tombstone files earlier versions wrote).
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> folders("snapshots/") == 1 && onlyNamedViewFiles());
            // A shard rolls over and, a day later, is gone from the stream: the checkpoint of its end is removed.
            var checkpoints = new ddbstream.checkpoint.CheckpointStore(aws.dynamoDb(), "dynamo-lake-checkpoints");
            String stream = aws.dynamoDb()
                    .describeTable(b -> b.tableName(TABLE))
                    .table()
                    .latestStreamArn();
            aws.stack().emulator().faults().rolloverShards(TABLE, false);
            List<String> closed =
                    aws.streams().describeStream(b -> b.streamArn(stream)).streamDescription().shards().stream()
                            .filter(s -> s.sequenceNumberRange().endingSequenceNumber() != null)
                            .map(s -> s.shardId())
                            .toList();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> closed.stream().allMatch(id -> {
                        var c = checkpoints.load("dynamo-lake", stream).get(id);
                        return c != null && c.shardEnd();
                    }));
            aws.stack().emulator().faults().trimAndForgetShards(TABLE);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> closed.stream().noneMatch(checkpoints.load("dynamo-lake", stream)::containsKey));
            HttpResponse<String> ready = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        } finally {
            app.stop();
            calls = AwsCallRecorder.stop();
        }

        var sts = aws.stack().emulator().sts();
        Map<String, List<Call>> bySide = new TreeMap<>();
        for (Call c : calls) {
            String side = sts.session(c.accessKeyId())
                    .map(s -> s.roleArn().equals(SOURCE_ROLE)
                            ? "source"
                            : s.roleArn().equals(LAKE_ROLE) ? "lake" : "?")
                    .orElse("base");
            bySide.computeIfAbsent(side, k -> new ArrayList<>()).add(c);
        }
        assertThat(bySide.keySet()).contains("source", "lake", "base").doesNotContain("?");
        // With base credentials the application only assumes its roles (the rest is this test's own set-up).
        List<Call> assumed = bySide.get("base").stream()
                .filter(c -> c.service().equalsIgnoreCase("sts"))
                .toList();
        assertThat(assumed)
                .extracting(Call::operation)
                .containsOnly("AssumeRole")
                .isNotEmpty();
        Map<String, Set<String>> report = new TreeMap<>();
        hold(
                policy("source-account-policy.json"),
                bySide.get("source"),
                "source",
                report,
                Map.of(
                        "ListStreams dynamodb:ListStreams",
                        "the stream consumer lists the table's streams only once it has read one (a start after the"
                                + " stream was turned off and on, a re-created stream noticed); ListStreams takes no"
                                + " resource, so the grant is on *; StreamRecreationTest calls it"));
        hold(
                policies(
                        "lake-account-policy.json",
                        "lake-account-glue-policy.json",
                        "lake-account-iceberg-policy.json"),
                bySide.get("lake"),
                "lake",
                report,
                Map.of(
                        "ExportWorkQueue sqs:ChangeMessageVisibility",
                        "Camel's SQS consumer extends a message's visibility while its file takes longer than half of"
                                + " export.visibility-timeout; the files here land faster",
                        "WriteTheLake s3:AbortMultipartUpload",
                        "a multipart upload or copy (objects from 256 MiB, lake.LakeStore) is aborted when a part"
                                + " fails; the objects here are small, LakeStoreMultipartTest holds the multipart paths"));
        hold(policy("runner-policy.json"), assumed, "runner", report, Map.of());
        System.out.println("Calls per side, as IAM actions: " + report);

        // The export bucket's policy gives the source role what ExportTableToPointInTime needs there, nothing more.
        JsonNode bucketPolicy =
                policy("export-bucket-policy.json").path("Statement").get(0);
        Set<String> granted = new TreeSet<>();
        bucketPolicy.path("Action").forEach(a -> granted.add(a.asText()));
        assertThat(granted)
                .isEqualTo(new TreeSet<>(
                        actions("DynamoDB", "ExportTableToPointInTime").subList(1, 4)));
        assertThat(bucketPolicy.path("Principal").path("AWS").asText()).isEqualTo(SOURCE_ROLE);
    }

    /** What the table of snapshots/ or current/ publishes. */
    private static JsonNode pointer(String folder) {
        testsupport.Lake lake = Apps.lake(aws, TABLE);
        return folder.startsWith("snapshots") ? lake.snapshot() : lake.currentView();
    }

    /** Whether the view's folders hold no Parquet file but those the published version names. */
    private static boolean onlyNamedViewFiles() {
        JsonNode state = pointer("current/");
        Set<String> named = new java.util.HashSet<>();
        state.path("parts").forEach(p -> named.add(p.path("key").asText()));
        state.path("deletes").forEach(p -> named.add(p.path("key").asText()));
        state.path("tombstones")
                .path("files")
                .forEach(p -> named.add(p.path("key").asText()));
        return Apps.lake(aws, TABLE).keys("current/").stream()
                .filter(k -> k.endsWith(".parquet"))
                .allMatch(named::contains);
    }

    /** The folders directly under a folder of the table (its pointer file and folders named _… aside). */
    private static long folders(String folder) {
        String base = "tables/" + TABLE + "/" + folder;
        return Apps.lake(aws, TABLE).keys(folder).stream()
                .map(k -> k.substring(base.length()))
                .filter(k -> k.contains("/"))
                .map(k -> k.substring(0, k.indexOf('/')))
                .filter(name -> !name.startsWith("_"))
                .distinct()
                .count();
    }

    /**
     * Every call allowed by the policy, every statement's every action used by some call on its resources (but
     * those named, with why this run does not need them); the actions each side used go into {@code report}.
     */
    private static void hold(
            JsonNode policy,
            List<Call> calls,
            String side,
            Map<String, Set<String>> report,
            Map<String, String> neededOnlyInLongerRuns) {
        Map<String, Boolean> used = new LinkedHashMap<>();
        List<JsonNode> statements = new ArrayList<>();
        policy.path("Statement").forEach(statements::add);
        for (JsonNode st : statements) {
            for (String action : list(st.path("Action"))) {
                used.put(st.path("Sid").asText() + " " + action, false);
            }
        }
        List<String> refused = new ArrayList<>();
        for (Call c : calls) {
            for (Request r : requests(c)) {
                report.computeIfAbsent(side, k -> new TreeSet<>()).add(r.action());
                boolean allowed = false;
                for (JsonNode st : statements) {
                    if (allows(st, r)) {
                        allowed = true;
                        for (String action : list(st.path("Action"))) {
                            if (wildcard(action, r.action(), true)) {
                                used.put(st.path("Sid").asText() + " " + action, true);
                            }
                        }
                    }
                }
                if (!allowed) {
                    refused.add(r + " (" + c.service() + " " + c.operation() + ")");
                }
            }
        }
        assertThat(refused)
                .as("calls of the %s side its policy does not allow", side)
                .isEmpty();
        assertThat(used.entrySet().stream()
                        .filter(e -> !e.getValue())
                        .map(Map.Entry::getKey)
                        .filter(g -> !neededOnlyInLongerRuns.containsKey(g)))
                .as("grants of the %s side's policy no call used", side)
                .isEmpty();
    }

    private static boolean allows(JsonNode st, Request r) {
        if (!st.path("Effect").asText().equals("Allow")) {
            return false;
        }
        boolean action = list(st.path("Action")).stream().anyMatch(a -> wildcard(a, r.action(), true));
        boolean resource = r.resource() == null
                || list(st.path("Resource")).stream().anyMatch(p -> wildcard(p, r.resource(), false));
        boolean condition = true;
        JsonNode like = st.path("Condition").path("StringLike");
        if (like.has("s3:prefix")) {
            condition = r.prefix() != null && wildcard(like.path("s3:prefix").asText(), r.prefix(), false);
        }
        return action && resource && condition;
    }

    /** One IAM request a call makes: its action, the resource ARN it acts on (null: not known), s3:prefix. */
    record Request(String action, String resource, String prefix) {}

    private static List<Request> requests(Call c) {
        Map<String, String> f = c.fields();
        if (f.containsKey("Keys")) {
            List<Request> out = new ArrayList<>();
            for (String key : f.get("Keys").split("\n")) {
                out.add(new Request("s3:DeleteObject", "arn:aws:s3:::" + f.get("Bucket") + "/" + key, null));
            }
            return out;
        }
        List<Request> out = new ArrayList<>();
        List<String> actions = actions(c.service(), c.operation());
        for (String action : actions) {
            String resource = null;
            String prefix = null;
            switch (action.substring(0, action.indexOf(':'))) {
                case "dynamodb" -> {
                    if (f.containsKey("TableArn")) {
                        resource = f.get("TableArn");
                    } else if (f.containsKey("TableName")) {
                        resource = "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + f.get("TableName");
                    } else if (f.containsKey("StreamArn")) {
                        resource = f.get("StreamArn");
                    } else if (f.containsKey("ExportArn")) {
                        resource = f.get("ExportArn");
                    }
                }
                case "s3" -> {
                    if (c.operation().equals("ExportTableToPointInTime")) {
                        resource = "arn:aws:s3:::" + f.get("S3Bucket") + "/" + f.getOrDefault("S3Prefix", "")
                                + "AWSDynamoDB/data";
                    } else if (c.operation().equals("CopyObject")
                            || c.operation().equals("UploadPartCopy")) {
                        resource = action.equals("s3:GetObject")
                                ? "arn:aws:s3:::" + f.get("SourceBucket") + "/" + f.get("SourceKey")
                                : "arn:aws:s3:::" + f.get("DestinationBucket") + "/" + f.get("DestinationKey");
                    } else if (action.equals("s3:ListBucket")) {
                        resource = "arn:aws:s3:::" + f.get("Bucket");
                        prefix = f.getOrDefault("Prefix", "");
                    } else {
                        resource = "arn:aws:s3:::" + f.get("Bucket") + "/" + f.get("Key");
                    }
                }
                case "sqs" -> {
                    String name = f.containsKey("QueueUrl")
                            ? f.get("QueueUrl").substring(f.get("QueueUrl").lastIndexOf('/') + 1)
                            : f.get("QueueName");
                    resource = "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + name;
                }
                case "firehose" ->
                    resource = "arn:aws:firehose:" + REGION + ":" + ACCOUNT + ":deliverystream/"
                            + f.get("DeliveryStreamName");
                case "sts" -> resource = f.get("RoleArn");
                case "glue" ->
                    // The database calls act on the database; the table calls on the table (GetTable names it Name).
                    resource = switch (c.operation()) {
                        case "GetDatabase" -> "arn:aws:glue:" + REGION + ":" + ACCOUNT + ":database/" + f.get("Name");
                        case "CreateDatabase" ->
                            "arn:aws:glue:" + REGION + ":" + ACCOUNT + ":database/" + f.get("GlueDatabase");
                        default ->
                            "arn:aws:glue:" + REGION + ":" + ACCOUNT + ":table/" + f.get("GlueDatabase") + "/"
                                    + f.getOrDefault("GlueTable", f.getOrDefault("Name", "*"));
                    };
                default -> resource = null;
            }
            out.add(new Request(action, resource, prefix));
        }
        return out;
    }

    /** The IAM actions one SDK operation needs (IAM's names where they differ from the API's). */
    static List<String> actions(String service, String operation) {
        String svc = service.toLowerCase(Locale.ROOT).replace(" ", "");
        if (svc.startsWith("dynamodb")) {
            return operation.equals("ExportTableToPointInTime")
                    ? List.of(
                            "dynamodb:ExportTableToPointInTime",
                            "s3:AbortMultipartUpload",
                            "s3:PutObject",
                            "s3:PutObjectAcl")
                    : List.of("dynamodb:" + operation);
        }
        if (svc.equals("s3")) {
            return switch (operation) {
                case "ListObjectsV2", "ListObjects", "HeadBucket" -> List.of("s3:ListBucket");
                case "HeadObject", "GetObject" -> List.of("s3:GetObject");
                case "DeleteObjects", "DeleteObject" -> List.of("s3:DeleteObject");
                case "CopyObject", "UploadPartCopy" -> List.of("s3:GetObject", "s3:PutObject");
                case "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "PutObject" ->
                    List.of("s3:PutObject");
                default -> List.of("s3:" + operation);
            };
        }
        if (svc.equals("sqs")) {
            return List.of("sqs:" + operation.replaceAll("Batch$", ""));
        }
        return List.of(svc + ":" + operation);
    }

    /** The statements of several policies, as one policy: what a role gets when all of them are attached. */
    private static JsonNode policies(String... files) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode all = JSON.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode statements = all.putArray("Statement");
        for (String file : files) {
            policy(file).path("Statement").forEach(statements::add);
        }
        return all;
    }

    private static JsonNode policy(String file) throws Exception {
        String text = Files.readString(Path.of("docs/iam", file))
                .replace("REGION", REGION)
                .replace("SOURCE_ACCOUNT", ACCOUNT)
                .replace("LAKE_ACCOUNT", ACCOUNT)
                .replace("CHECKPOINT_TABLE", "dynamo-lake-checkpoints")
                .replace("EXPORT_BUCKET", "dynamo-lake-exports")
                .replace("EXPORT_PREFIX", "exports/" + TABLE + "/")
                .replace("EXPORT_QUEUE", "dynamo-lake-export-files")
                .replace("LAKE_BUCKET", "dynamo-lake")
                .replace("LAKE_PREFIX", "tables/" + TABLE + "/")
                .replace("DELIVERY_STREAM", TABLE + "-deltas")
                .replace("GLUE_DATABASE", "lake")
                .replace("ICEBERG_NAMESPACE", "dynamo_lake")
                .replace("SOURCE_ROLE", "dynamo-lake-source")
                .replace("LAKE_ROLE", "dynamo-lake-lake")
                .replace("table/TABLE", "table/" + TABLE);
        return JSON.readTree(text);
    }

    private static List<String> list(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    /** IAM's matching: * any run of characters, ? one; actions ignore case. */
    static boolean wildcard(String pattern, String value, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            regex.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
                .matcher(value)
                .matches();
    }
}
