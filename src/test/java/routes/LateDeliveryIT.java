package routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import ddbstream.checkpoint.CheckpointStore;
import dynamolake.demo.DemoItems;
import dynamolake.demo.DemoTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import lake.IcebergCurrentTable;
import lake.LakeLayout;
import lake.LakeStore;
import lease.Lease;
import org.apache.camel.main.Main;
import org.apache.camel.util.TimeUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import testsupport.Apps;
import testsupport.Deliveries;
import testsupport.DemoOrders;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.Ports;
import testsupport.TrinoServer;
import testsupport.ViewProbe;
import views.DeltaSource;
import views.ViewBuilder;
import views.ViewCatalog;
import views.ViewLock;
import views.Views;

/**
 * The current view and the view as of a time under the deliveries Firehose and operators really make: a change
 * delivered again after its key was deleted, a change older than the snapshot delivered again, an object landing
 * hours after its hour, a change made before T landing in a folder hours after T; and a build that lost
 * its lease while it ran. Each run's view is compared with a Scan of the table. One stack and one application; the
 * tests build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LateDeliveryIT {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "late-orders";

    @TempDir
    static Path downloads;

    private static DemoTable demo;
    private static Main app;
    private static Lake lake;
    private static ViewProbe probe;
    private static Views views;
    private static Deliveries deliveries;

    @BeforeAll
    static void start() throws Exception {
        demo = new DemoTable(aws.dynamoDb(), TABLE, 23, 1);
        demo.create();
        demo.seed(300, 0);
        // The lake's defaults but for a short replay margin (the test's changes are seconds apart) and as-of lag.
        app = Apps.against(
                aws, TABLE, Map.of("views.buckets", "4", "views.replay-margin", "2s", "views.as-of-lag", "2s"));
        app.start();
        lake = Apps.lake(aws, TABLE);
        probe = new ViewProbe(aws, TABLE, downloads);
        deliveries = new Deliveries(aws, TABLE);
        views = app.getCamelContext().getRegistry().lookupByNameAndType("viewBuilder", Views.class);
        probe.exportSnapshot(app);
        probe.awaitDeltasLanded();
        assertThat(views.compact()).isPresent();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.stop();
        }
    }

    @Test
    @Order(1)
    void aDeletedKeyStaysDeletedWhenAnOlderChangeOfItIsDeliveredAgain() throws Exception {
        Map<String, AttributeValue> key = DemoItems.key(7);
        deliveries.set(key, "status", "PACKED");
        probe.awaitDeltasLanded();
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(key));
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(views.compact()).isPresent();
        assertThat(currentView()).isEqualTo(table);

        // Firehose delivers the update again, after the delete has been applied.
        deliveries.redeliver(deliveries.changesOf(key, "MODIFY"), LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(views.compact()).as("the redelivered object is read").isPresent();
        assertThat(currentView())
                .doesNotContainKey(DemoOrders.key(Deliveries.plain(key)))
                .isEqualTo(table);
        assertThat(lake.currentView().path("tombstones").path("count").asLong())
                .as("tombstones kept")
                .isPositive();

        assertThat(views.rebuild()).isPresent();
        assertThat(currentView()).isEqualTo(table);
    }

    @Test
    @Order(2)
    void aChangeOlderThanTheSnapshotDeliveredAgainChangesNothing() throws Exception {
        Map<String, AttributeValue> updated = DemoItems.key(11);
        Map<String, AttributeValue> deleted = DemoItems.key(12);
        deliveries.set(updated, "status", "FIRST");
        deliveries.set(deleted, "status", "GONE-SOON");
        probe.awaitDeltasLanded();
        deliveries.set(updated, "status", "SECOND");
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(deleted));
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        List<String> old =
                new ArrayList<>(deliveries.changesOf(updated, "MODIFY").subList(0, 1));
        old.addAll(deliveries.changesOf(deleted, "MODIFY"));
        assertThat(old).hasSize(2);

        // A new snapshot, taken after the replay margin: it holds SECOND and not the deleted key.
        DemoOrders.awaitClockPast(Instant.now().plusSeconds(3));
        probe.exportSnapshot(app);
        assertThat(views.compact().orElseThrow().mode()).isEqualTo("full");
        assertThat(currentView()).isEqualTo(table);

        deliveries.redeliver(old, LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(views.compact()).isPresent();
        Map<String, JsonNode> view = currentView();
        assertThat(view.get(DemoOrders.key(Deliveries.plain(updated)))
                        .path("status")
                        .asText())
                .isEqualTo("SECOND");
        assertThat(view)
                .doesNotContainKey(DemoOrders.key(Deliveries.plain(deleted)))
                .isEqualTo(table);
    }

    @Test
    @Order(3)
    void aKeyDeletedWrittenAgainAndDeletedAgainOverManyRunsEndsAsTheTableIs() throws Exception {
        Map<String, AttributeValue> key = DemoItems.key(150);
        String viewKey = DemoOrders.key(Deliveries.plain(key));
        Map<String, AttributeValue> item = aws.dynamoDb()
                .getItem(b -> b.tableName(TABLE).key(key).consistentRead(true))
                .item();
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(key));
        assertThat(compactAndRead()).doesNotContainKey(viewKey);

        // Written again: the tombstone of the delete stays in its file, older than the key's row now.
        aws.dynamoDb().putItem(b -> b.tableName(TABLE).item(item));
        assertThat(compactAndRead()).containsKey(viewKey);
        // The delete delivered again is older than that row and changes nothing.
        deliveries.redeliver(deliveries.changesOf(key, "REMOVE"), LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(compactAndRead()).containsKey(viewKey);

        // Deleted again: two tombstone files name the key now. Its insert delivered again is older than the newer.
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(key));
        assertThat(compactAndRead()).doesNotContainKey(viewKey);
        deliveries.redeliver(deliveries.changesOf(key, "INSERT"), LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(compactAndRead()).doesNotContainKey(viewKey);

        // Another key deleted in each run: every run adds a tombstone file until there are as many as a version
        // names, and the next run merges them into one.
        aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(DemoItems.key(170)));
        int most = 0;
        int files = 0;
        for (int i = 0; i <= ViewBuilder.MAX_TOMBSTONE_FILES; i++) {
            assertThat(compactAndRead()).doesNotContainKey(viewKey);
            files = lake.currentView().path("tombstones").path("files").size();
            most = Math.max(most, files);
            Map<String, AttributeValue> other = DemoItems.key(151 + i);
            aws.dynamoDb().deleteItem(b -> b.tableName(TABLE).key(other));
        }
        assertThat(most).as("tombstone files a version named at most").isEqualTo(ViewBuilder.MAX_TOMBSTONE_FILES);
        assertThat(lake.currentView().path("bucketing").asText())
                .as("a release that reads one tombstone file only does not take the state as one it can patch")
                .isNotIn("iceberg-bucket", "iceberg-bucket+position-deletes");
        assertThat(files).as("tombstone files after they were merged").isLessThan(most);

        // Every change of the key delivered again after the merge: it stays deleted.
        List<String> again = new ArrayList<>(deliveries.changesOf(key, "INSERT"));
        again.addAll(deliveries.changesOf(key, "REMOVE"));
        assertThat(again).as("the insert and both deletes").hasSizeGreaterThanOrEqualTo(3);
        deliveries.redeliver(again, LakeLayout.hourFolder("deltas/", Instant.now()));
        assertThat(compactAndRead()).doesNotContainKey(viewKey);
        assertThat(views.rebuild()).isPresent();
        assertThat(currentView()).isEqualTo(probe.awaitDeltasLanded());
    }

    /** Waits for the table's changes to land, runs the view and checks it holds what the table holds. */
    private static Map<String, JsonNode> compactAndRead() throws Exception {
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(views.compact()).isPresent();
        Map<String, JsonNode> view = currentView();
        assertThat(view).isEqualTo(table);
        return view;
    }

    @Test
    @Order(4)
    void anObjectLandingHoursLateInItsHourFolderIsApplied() throws Exception {
        // Compaction three hours from now, with the application's settings.
        ViewBuilder later = builder(Clock.offset(Clock.systemUTC(), Duration.ofHours(3)), ViewLock.NONE, "late");
        later.compact();
        Map<String, AttributeValue> key = DemoItems.key(21);
        deliveries.set(key, "status", "DELIVERED-LATE");
        // Firehose files the object under the hour its records arrived (now), and only manages to write it now:
        // for that compaction it lands three hours late, in a folder three hours old.
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(later.compact()).as("the late object is read").isPresent();
        assertThat(currentView()).isEqualTo(table);
        assertThat(currentView()
                        .get(DemoOrders.key(Deliveries.plain(key)))
                        .path("status")
                        .asText())
                .isEqualTo("DELIVERED-LATE");
    }

    /**
     * An operator repairs an object the view already applied by writing it again under the same key, now holding a
     * change that was lost: the next run applies it (an object is remembered by its key and its ETag).
     */
    @Test
    @Order(7)
    void aBuildThatLostItsLeaseLeavesTheVersionTheNewHolderPublishedAsItWas() throws Exception {
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), property("checkpoint.table"));
        String group = property("checkpoint.group");
        // A replica that checks its lease finds it lost before it writes anything.
        assertThat(raceForTheSameVersion(
                        ViewLock.lease(
                                store.leases(),
                                group,
                                TABLE,
                                "paused-replica",
                                Duration.ofSeconds(30),
                                Clock.systemUTC()),
                        "paused",
                        44))
                .isInstanceOf(Views.LostLockException.class)
                .hasMessageContaining("lost the lease");

        // One whose pause falls after its last check writes its own folder, and the table refuses its commit of a
        // number it holds: it expires nothing.
        assertThat(raceForTheSameVersion(ViewLock.NONE, "unchecked", 46))
                .isInstanceOf(Views.LostLockException.class)
                .hasMessageContaining("another builder was first");
        JsonNode winner = lake.currentView();
        String winnersFolder = winner.path("location").asText().substring("s3://dynamo-lake/".length());
        assertThat(lake.keys("current/"))
                .as("the unchecked replica's folder of the same version, named by nothing")
                .anyMatch(k -> k.contains(String.format(
                                "/current/%08d-", winner.path("version").asLong()))
                        && !k.startsWith(winnersFolder));

        deliveries.set(DemoItems.key(45), "status", "AFTER-THE-RACE");
        Map<String, JsonNode> now = probe.awaitDeltasLanded();
        assertThat(views.compact()).as("the application's replica builds on").isPresent();
        assertThat(currentView()).isEqualTo(now);
    }

    /**
     * Builds with {@code pausedLock} while another replica, once this build planned its version, takes the lease,
     * builds the same version number with one more change (of item {@code changed}) and publishes it. Checks that the
     * other's version is the published one, its files as it wrote them; returns what this build threw.
     */
    private static Throwable raceForTheSameVersion(ViewLock pausedLock, String work, int changed) throws Exception {
        deliveries.set(DemoItems.key(changed - 1), "status", "PLANNED-BY-BOTH");
        probe.awaitDeltasLanded();
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), property("checkpoint.table"));
        String group = property("checkpoint.group");
        ViewCatalog catalog = app.getCamelContext().getRegistry().lookupByNameAndType("viewCatalog", ViewCatalog.class);
        // The other replica takes the lease once this one's has run out (its clock is past the lease's end).
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(31));
        ViewBuilder other = builder(
                later,
                ViewLock.lease(store.leases(), group, TABLE, "other-replica", Duration.ofSeconds(30), later),
                work + "-other");
        long[] published = new long[1];
        // This replica plans its version; then it pauses, its lease runs out, and meanwhile the other replica
        // builds the same version number with one more change, and publishes it.
        ViewCatalog pausedAfterPlanning = new ViewCatalog() {
            @Override
            public boolean register(Version version) {
                return catalog.register(version);
            }

            @Override
            public long publishedVersion() {
                long before = catalog.publishedVersion();
                try {
                    deliveries.set(DemoItems.key(changed), "status", "ONLY-IN-THE-OTHERS");
                    probe.awaitDeltasLanded();
                    published[0] = other.compact().orElseThrow().version();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return before;
            }

            @Override
            public Optional<String> publishedState() {
                return catalog.publishedState();
            }

            @Override
            public java.util.List<String> keptStates() {
                return catalog.keptStates();
            }

            @Override
            public Optional<String> publishedSnapshot() {
                return catalog.publishedSnapshot();
            }
        };
        ViewBuilder paused = builder(Clock.systemUTC(), pausedLock, work, pausedAfterPlanning);

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(paused::compact);
        JsonNode pointer = lake.currentView();
        assertThat(pointer.path("version").asLong())
                .as("the other replica published the version both planned")
                .isEqualTo(published[0]);
        // Its files are as it wrote them, and the view is the table.
        assertThat(currentView()).isEqualTo(probe.awaitDeltasLanded());
        var table = IcebergTables.load(aws, "late_orders_current");
        assertThat(IcebergTables.dataFiles(table)).isEqualTo(IcebergTables.partUris(pointer));
        try (var tasks = table.newScan().planFiles()) {
            for (var t : tasks) {
                String key = t.file().location().substring("s3://dynamo-lake/".length());
                assertThat(aws.s3()
                                .headObject(b -> b.bucket("dynamo-lake").key(key))
                                .contentLength())
                        .as("the size of %s", key)
                        .isEqualTo(t.file().fileSizeInBytes());
            }
        }
        return thrown;
    }

    @Test
    @Order(8)
    void anObjectWrittenAgainUnderItsKeyIsAppliedAgain() throws Exception {
        Map<String, AttributeValue> first = DemoItems.key(27);
        deliveries.set(first, "status", "REPAIRED-OBJECT");
        probe.awaitDeltasLanded();
        assertThat(views.compact()).isPresent();
        String repaired =
                deliveries.objectsWith(first, "MODIFY", "REPAIRED-OBJECT").get(0);

        Map<String, AttributeValue> lost = DemoItems.key(28);
        deliveries.set(lost, "status", "LOST-THEN-REPAIRED");
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> !deliveries
                        .objectsWith(lost, "MODIFY", "LOST-THEN-REPAIRED")
                        .isEmpty());
        List<String> lines = new java.util.ArrayList<>();
        for (String object : deliveries.objectsWith(lost, "MODIFY", "LOST-THEN-REPAIRED")) {
            lines.add(aws.s3()
                    .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(object))
                    .asUtf8String()
                    .strip());
            aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(object));
        }
        String held = aws.s3()
                .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(repaired))
                .asUtf8String();
        aws.s3()
                .putObject(
                        b -> b.bucket("dynamo-lake").key(repaired),
                        RequestBody.fromString(held.strip() + "\n" + String.join("\n", lines) + "\n"));

        assertThat(views.compact()).as("the object written again is read").isPresent();
        assertThat(currentView()).isEqualTo(probe.awaitDeltasLanded());
        assertThat(currentView()
                        .get(DemoOrders.key(Deliveries.plain(lost)))
                        .path("status")
                        .asText())
                .isEqualTo("LOST-THEN-REPAIRED");
    }

    /**
     * An object that did not land (Firehose gave up, or it went to a backup prefix) is copied back by an operator two
     * days later, into the hour folder it was written for: far past views.late-window, after the snapshot. The next
     * run applies it: a run lists every object since the snapshot's floor and applies those modified since its last
     * listing.
     */
    @Test
    @Order(9) // last of the builds: its runs are two days ahead, and their pointer says so
    void anObjectCopiedBackDaysLaterIntoItsOldFolderIsApplied() throws Exception {
        Map<String, AttributeValue> key = DemoItems.key(25);
        deliveries.set(key, "status", "COPIED-BACK");
        probe.awaitDeltasLanded();
        Map<String, byte[]> held = new java.util.LinkedHashMap<>();
        for (String object : deliveries.objectsWith(key, "MODIFY", "COPIED-BACK")) {
            held.put(
                    object,
                    aws.s3()
                            .getObjectAsBytes(b -> b.bucket("dynamo-lake").key(object))
                            .asByteArray());
            aws.s3().deleteObject(b -> b.bucket("dynamo-lake").key(object));
        }
        // Another change lands meanwhile, and a run two days on applies it.
        Map<String, AttributeValue> other = DemoItems.key(26);
        deliveries.set(other, "status", "BEFORE-THE-COPY");
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> !deliveries
                        .objectsWith(other, "MODIFY", "BEFORE-THE-COPY")
                        .isEmpty());
        Instant twoDaysOn = Instant.now().plus(Duration.ofDays(2));
        assertThat(builder(Clock.fixed(twoDaysOn, ZoneOffset.UTC), ViewLock.NONE, "copied-back")
                        .compact())
                .isPresent();
        assertThat(currentView()
                        .get(DemoOrders.key(Deliveries.plain(key)))
                        .path("status")
                        .asText())
                .as("the change is not in the lake yet")
                .isNotEqualTo("COPIED-BACK");

        // Copied back a minute after that run: S3 stamps the copy with its own time (S3Proxy keeps a file's mtime).
        for (var e : held.entrySet()) {
            aws.s3().putObject(b -> b.bucket("dynamo-lake").key(e.getKey()), RequestBody.fromBytes(e.getValue()));
            Files.setLastModifiedTime(
                    aws.dataDir().resolve("dynamo-lake").resolve(e.getKey()),
                    FileTime.from(twoDaysOn.plus(Duration.ofMinutes(1))));
        }
        assertThat(builder(
                                Clock.fixed(twoDaysOn.plus(Duration.ofMinutes(2)), ZoneOffset.UTC),
                                ViewLock.NONE,
                                "copied-back-next")
                        .compact())
                .as("the copied-back object is read")
                .isPresent();
        assertThat(currentView()).isEqualTo(probe.awaitDeltasLanded());
        assertThat(currentView()
                        .get(DemoOrders.key(Deliveries.plain(key)))
                        .path("status")
                        .asText())
                .isEqualTo("COPIED-BACK");
    }

    @Test
    @Order(5)
    void theViewAsOfTHoldsAChangeMadeBeforeTThatLandedHoursAfterT() throws Exception {
        Map<String, AttributeValue> key = DemoItems.key(31);
        deliveries.set(key, "status", "BEFORE-T");
        Map<String, JsonNode> then = probe.awaitDeltasLanded();
        Instant second = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant t = second.plusMillis(500);
        DemoOrders.awaitClockPast(second.plusSeconds(1));
        deliveries.set(key, "status", "AFTER-T");
        probe.awaitDeltasLanded();
        // The consumer was stopped for hours: the change made before T reached Firehose three hours after T.
        String later = LakeLayout.hourFolder("deltas/", t.plus(3, ChronoUnit.HOURS));
        for (String object : deliveries.objectsWith(key, "MODIFY", "BEFORE-T")) {
            deliveries.move(object, later);
        }
        DemoOrders.awaitClockPast(t.plusSeconds(3)); // views.as-of-lag

        Views.Result result = views.asOf(t);
        String folder = result.location().substring("s3://dynamo-lake/".length());
        assertThat(probe.items(folder)).isEqualTo(then);
    }

    @Test
    @Order(6)
    void aBuildThatLostItsLeaseWhileItRanPublishesNothing() throws Exception {
        deliveries.set(DemoItems.key(41), "status", "FENCED");
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        JsonNode before = lake.currentView();
        CheckpointStore store = new CheckpointStore(aws.dynamoDb(), property("checkpoint.table"));
        String group = property("checkpoint.group");
        ViewLock real = ViewLock.lease(
                store.leases(), group, TABLE, "paused-replica", Duration.ofSeconds(30), Clock.systemUTC());
        Optional<Lease>[] thief = new Optional[1];
        // The build pauses right after taking the lease, longer than the lease lasts: another replica takes it.
        ViewLock pausedAfterAcquiring = () -> {
            Optional<ViewLock.Held> held = real.tryAcquire();
            thief[0] = store.leases()
                    .acquire(
                            group,
                            "views|" + TABLE,
                            "other-replica",
                            Duration.ofSeconds(30),
                            Instant.now().plusSeconds(31));
            return held;
        };
        ViewBuilder paused = builder(Clock.systemUTC(), pausedAfterAcquiring, "paused");

        assertThatThrownBy(paused::compact)
                .isInstanceOf(Views.LostLockException.class)
                .hasMessageContaining("lost the lease")
                .hasMessageContaining("publishes nothing");
        assertThat(thief[0]).as("the other replica took the lease").isPresent();
        assertThat(lake.currentView()).isEqualTo(before);

        store.leases().release(group, "views|" + TABLE, thief[0].get());
        assertThat(views.compact()).isPresent();
        assertThat(currentView()).isEqualTo(table);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    @Test
    @Order(10) // after every delivery above
    void anIndependentEngineReadsTheCurrentViewByNameAsTheTableIs() throws Exception {
        Path jdk = TrinoServer.javaOrSkip();
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        assertThat(currentView()).isEqualTo(table);
        JsonNode pointer = lake.currentView();
        int buckets = pointer.path("buckets").asInt();
        assertThat(IcebergTables.dataFiles(IcebergTables.load(aws, "late_orders_current")))
                .as("the files the table's current commit reads")
                .isEqualTo(IcebergTables.partUris(pointer));
        try (TrinoServer trino = TrinoServer.start(
                jdk,
                Ports.free(),
                aws.stack().emulatorEndpoint(),
                aws.stack().s3Endpoint(),
                Files.createDirectories(downloads.resolve("trino")))) {
            // Trino's Iceberg connector finds late_orders_current by name in the Glue catalog: exactly a Scan of the
            // table after the redeliveries, late objects and copies above, typed totals to the last digit.
            String current = TrinoServer.ICEBERG_CATALOG + ".dynamo_lake.late_orders_current";
            Map<String, JsonNode> read = new java.util.HashMap<>();
            Map<Integer, Long> perBucket = new java.util.TreeMap<>();
            var bucketOf = org.apache.iceberg.transforms.Transforms.bucket(buckets)
                    .bind(org.apache.iceberg.types.Types.StringType.get());
            int typed = 0;
            for (List<String> row : trino.rows("SELECT _item, CAST(total AS varchar), _key FROM " + current)) {
                JsonNode item = Lake.JSON.readTree(row.get(0));
                assertThat(read.put(DemoOrders.key(item), item))
                        .as("a key twice")
                        .isNull();
                if (row.get(1) != null && item.path("total").isNumber()) {
                    assertThat(new java.math.BigDecimal(row.get(1)))
                            .as("the typed total of %s, to the last digit", DemoOrders.key(item))
                            .isEqualByComparingTo(item.path("total").decimalValue());
                    typed++;
                }
                perBucket.merge(bucketOf.apply(row.get(2)), 1L, Long::sum);
            }
            assertThat(read)
                    .as("deleted keys stay deleted whatever was delivered again")
                    .doesNotContainKeys(
                            DemoOrders.key(Deliveries.plain(DemoItems.key(7))),
                            DemoOrders.key(Deliveries.plain(DemoItems.key(12))))
                    .isEqualTo(table);
            assertThat(typed).as("typed totals compared").isGreaterThan(table.size() / 2);

            // Every row lies in the partition of its key's bucket, as Trino computes it for the same key (the
            // partitions' record counts would count the rows position deletes remove too).
            Map<String, Integer> partitionOf = new java.util.HashMap<>();
            for (List<String> row : trino.rows("SELECT file_path, CAST(partition._key_bucket AS varchar) FROM"
                    + " iceberg.dynamo_lake.\"late_orders_current$files\" WHERE content = 0")) {
                partitionOf.put(row.get(0), Integer.parseInt(row.get(1)));
            }
            Map<Integer, Long> partitions = new java.util.TreeMap<>();
            for (List<String> row : trino.rows("SELECT \"$path\", _key FROM " + current)) {
                partitions.merge(partitionOf.get(row.get(0)), 1L, Long::sum);
                assertThat(partitionOf.get(row.get(0)))
                        .as("the partition of the file of %s", row.get(1))
                        .isEqualTo(bucketOf.apply(row.get(1)));
            }
            assertThat(partitions).isEqualTo(perBucket);
            assertThat(pointer.path("deletes"))
                    .as("the table Trino read has position deletes: rows later changes replaced")
                    .isNotEmpty();

            // A key's lookup, and time travel to the commit before in Trino's (and Athena's) syntax.
            String someKey =
                    trino.rows("SELECT min(_key) FROM " + current).get(0).get(0);
            assertThat(trino.rows("SELECT count(*) FROM " + current + " WHERE _key = '" + someKey + "'"))
                    .containsExactly(List.of("1"));
            // Iceberg's summary counts the parts' rows, and apart the rows position deletes remove.
            List<List<String>> commits = trino.rows("SELECT CAST(snapshot_id AS varchar), CAST(CAST(summary"
                    + "['total-records'] AS bigint) - CAST(coalesce(summary['total-position-deletes'], '0') AS bigint)"
                    + " AS varchar) FROM iceberg.dynamo_lake.\"late_orders_current$snapshots\" ORDER BY committed_at");
            assertThat(commits).hasSizeGreaterThan(1);
            assertThat(trino.rows("SELECT count(*) FROM " + current + " FOR VERSION AS OF "
                            + commits.get(0).get(0)))
                    .containsExactly(List.of(commits.get(0).get(1)));
        }
    }

    @Test
    @Order(11) // after every delivery above, with the commits they made
    void sparkReadsBothTablesByNameAndTravelsBackInItsOwnSyntax() throws Exception {
        Map<String, JsonNode> table = probe.awaitDeltasLanded();
        org.apache.iceberg.Table current = IcebergTables.load(aws, "late_orders_current");
        org.apache.iceberg.Table snapshot = IcebergTables.load(aws, "late_orders_snapshot");
        List<org.apache.iceberg.Snapshot> commits = new ArrayList<>();
        current.snapshots().forEach(commits::add);
        assertThat(commits).as("the view's commits (views.keep)").hasSizeGreaterThan(1);
        // The commit before the newest, as the application's own reader of a version's state reads it.
        org.apache.iceberg.Snapshot before = commits.get(commits.size() - 2);
        Map<String, JsonNode> then = probe.view(Lake.JSON.readTree(lake.bytes(
                before.summary().get(IcebergCurrentTable.VIEW_STATE).substring("s3://dynamo-lake/".length()))));
        assertThat(then).as("the commit before holds another table").isNotEqualTo(table);
        String justBeforeTheNewest = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                .withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(current.currentSnapshot().timestampMillis() - 1));

        // README's Spark: Iceberg's runtime and AWS bundle, the Glue catalog, both tables by name.
        String items = "SELECT _item, CAST(total AS STRING) AS total FROM lake.dynamo_lake.";
        List<List<JsonNode>> answers = testsupport.SparkSql.run(
                aws.stack().emulatorEndpoint(),
                aws.stack().s3Endpoint(),
                downloads.resolve("spark"),
                items + "late_orders_current",
                items + "late_orders_current VERSION AS OF " + before.snapshotId(),
                items + "late_orders_current TIMESTAMP AS OF '" + justBeforeTheNewest + "'",
                items + "late_orders_snapshot",
                "SELECT summary['dynamo-lake.export-id'] AS export FROM lake.dynamo_lake.late_orders_snapshot.snapshots"
                        + " ORDER BY committed_at");

        // The current view: exactly a Scan of the table after every redelivery above, typed totals to the last digit.
        assertThat(itemsWithTypedTotals(answers.get(0), "late_orders_current"))
                .as("the current view as Spark reads it")
                .isEqualTo(table);
        // Time travel in Spark's syntax, to the commit before by its id and by a time between the two.
        assertThat(itemsWithTypedTotals(answers.get(1), "late_orders_current VERSION AS OF"))
                .isEqualTo(then);
        assertThat(itemsWithTypedTotals(answers.get(2), "late_orders_current TIMESTAMP AS OF"))
                .isEqualTo(then);

        // The snapshot's parts carry the table's field ids: Spark finds their columns by id, typed ones included, and
        // reads what the published parts hold.
        Map<String, JsonNode> exported = itemsWithTypedTotals(answers.get(3), "late_orders_snapshot");
        Set<String> folders = new java.util.TreeSet<>();
        for (String uri : IcebergTables.dataFiles(snapshot)) {
            String key = uri.substring("s3://dynamo-lake/".length());
            folders.add(key.substring(0, key.lastIndexOf('/') + 1));
        }
        assertThat(folders).as("the snapshot's parts lie in one folder").hasSize(1);
        assertThat(exported).isEqualTo(probe.items(folders.iterator().next()));
        assertThat(answers.get(4))
                .extracting(row -> row.path("export").asText())
                .isEqualTo(IcebergTables.exports(snapshot));
    }

    /** The rows' items by key; each row's typed total is its item's total, to the last digit. */
    private static Map<String, JsonNode> itemsWithTypedTotals(List<JsonNode> rows, String what) throws Exception {
        Map<String, JsonNode> items = new java.util.HashMap<>();
        int typed = 0;
        for (JsonNode row : rows) {
            JsonNode item = Lake.JSON.readTree(row.path("_item").asText());
            assertThat(items.put(DemoOrders.key(item), item))
                    .as("a key twice in " + what)
                    .isNull();
            if (item.path("total").isNumber()) {
                assertThat(row.path("total").isTextual())
                        .as("the typed total of %s in %s", DemoOrders.key(item), what)
                        .isTrue();
                assertThat(new java.math.BigDecimal(row.path("total").asText()))
                        .as("the typed total of %s in %s, to the last digit", DemoOrders.key(item), what)
                        .isEqualByComparingTo(item.path("total").decimalValue());
                typed++;
            }
        }
        assertThat(typed).as("typed totals compared in " + what).isGreaterThan(rows.size() / 2);
        return items;
    }

    /**
     * A second builder of the same lake with the application's view settings and catalog, its own clock and lock.
     */
    private static ViewBuilder builder(Clock clock, ViewLock lock, String work) throws Exception {
        return builder(
                clock,
                lock,
                work,
                app.getCamelContext().getRegistry().lookupByNameAndType("viewCatalog", ViewCatalog.class));
    }

    private static ViewBuilder builder(Clock clock, ViewLock lock, String work, ViewCatalog catalog) throws Exception {
        return new ViewBuilder(
                new LakeStore(aws.s3(), "dynamo-lake"),
                new LakeLayout("tables/" + TABLE + "/"),
                TABLE,
                new ViewBuilder.Options(
                        Integer.parseInt(property("views.buckets")),
                        Integer.parseInt(property("views.keep")),
                        TimeUtils.toDuration(property("views.replay-margin")),
                        TimeUtils.toDuration(property("views.late-window")),
                        "256MB",
                        2,
                        Files.createDirectories(downloads.resolve(work)),
                        "ZSTD",
                        8 << 20,
                        512L << 20,
                        500,
                        TimeUtils.toDuration(property("views.as-of-lag")),
                        Integer.parseInt(property("views.max-patches")),
                        Integer.parseInt(property("views.max-deleted-percent"))),
                clock,
                lock,
                catalog,
                DeltaSource.STREAM);
    }

    private static String property(String name) {
        return app.getCamelContext().resolvePropertyPlaceholders("{{" + name + "}}");
    }

    private static Map<String, JsonNode> currentView() throws Exception {
        return probe.view(lake.currentView());
    }
}
