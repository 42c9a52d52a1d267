package bench;

import dynamolake.AwsClients;
import dynamolake.demo.DemoItems;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import item.DeltaEnvelopes;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import routes.StreamToFirehoseRoute;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import testsupport.Fixtures;
import testsupport.JavaProcess;
import testsupport.StackProcess;

/**
 * Stream → Firehose throughput on the local stack: dynamo-lake's route (the ddbstream consumer) against Camel's own
 * aws2-ddbstream consumer reading the same stream into the same Firehose, in one run; then the time from a write to
 * its object in the lake; then the heap of this JVM (run it at -Xmx256m) while it works through the backlog.
 *
 * <pre>./mvnw -q -Pbench test-compile exec:exec -Dbench.records=1000000</pre>
 */
public final class StreamThroughputBenchmark {
    private static final String TABLE = "bench";
    /** Small items (4 attributes) instead of the demo's orders (about 1 KB, nested, every type). */
    private static final boolean SMALL = "small".equals(System.getProperty("bench.items"));

    private final URI emulator;
    private final URI s3;
    private final URI sqs;
    private final AwsClients clients;

    private final JavaProcess stack;

    private StreamThroughputBenchmark(URI emulator, URI s3, URI sqs, JavaProcess stack) {
        this.stack = stack;
        this.emulator = emulator;
        this.s3 = s3;
        this.sqs = sqs;
        this.clients = AwsClients.local(emulator, s3, sqs, "us-east-1");
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path dir = Files.createTempDirectory("dynamo-lake-bench-");
        List<String> jvm = new ArrayList<>(List.of("-Xmx6g"));
        if (System.getProperty("bench.stackJfr") != null) {
            jvm.add("-XX:StartFlightRecording=dumponexit=true,filename=" + System.getProperty("bench.stackJfr"));
        }
        try (StackProcess running = StackProcess.start(
                dir,
                jvm,
                "--local.stream.rollover-records=25000",
                "--local.stream.split-on-rollover=true",
                "--local.stream.max-open-shards=4")) {
            new StreamThroughputBenchmark(running.emulator(), running.s3(), running.sqs(), running.process())
                    .run(records);
            running.process().stop(Duration.ofSeconds(60));
        }
    }

    private void run(int records) throws Exception {
        System.out.printf(
                "JVM max heap %d MB, %d cores; %d records of %s in the stream%n",
                Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors(),
                records,
                SMALL ? "small items (4 attributes)" : "demo orders (about 1 KB, nested, every type)");
        try (var s3Client = clients.s3();
                var firehose = clients.firehose();
                var ddb = clients.dynamoDb()) {
            s3Client.createBucket(b -> b.bucket("dynamo-lake"));
            firehose.createDeliveryStream(b -> b.deliveryStreamName("bench-deltas")
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::dynamo-lake")
                            .roleARN("arn:aws:iam::000000000000:role/r")
                            .prefix("tables/bench/deltas/")
                            .bufferingHints(h -> h.intervalInSeconds(1).sizeInMBs(64))));
            Fixtures.createTable(ddb, TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
            long loadStart = System.nanoTime();
            load(ddb, records);
            System.out.printf("loaded %d changes into the stream in %.1f s%n", records, seconds(loadStart));
        }
        // A pass of each first, unmeasured: the figures below are of code the JIT has compiled, not of its warm-up.
        bareSdkLoop(records);
        dynamoLake(records, "single", 1, null, "warm-up");
        Run bare = bareSdkLoop(records);
        List<Run> runs = new ArrayList<>();
        runs.add(dynamoLake(records, "single", 1, null, ""));
        for (int replicas = 1; replicas <= Integer.getInteger("bench.replicas", 3); replicas++) {
            runs.add(dynamoLake(records, "shared", replicas, null, ""));
        }
        HeapWatch heap = new HeapWatch();
        dynamoLake(records, "single", 1, heap, "heap");
        List<Run> camel = Boolean.parseBoolean(System.getProperty("bench.camel", "true"))
                ? List.of(camelAws2DdbStream(
                        records,
                        Duration.ofSeconds(
                                Math.max(60, (long) (records / runs.get(0).perSecond()) * 3))))
                : List.of();
        System.out.printf("%nstream -> Firehose accepted (%d records; CPU-seconds per 100,000 records):%n", records);
        System.out.printf("  %-34s %12s %14s %14s%n", "reader", "records/s", "application", "local stack");
        for (Run r : concat(List.of(bare), runs, camel)) {
            System.out.printf(
                    "  %-34s %,12.0f %14.2f %14.2f%n",
                    r.name(), r.perSecond(), r.cpuPer100k(r.appCpu()), r.cpuPer100k(r.stackCpu()));
        }
        System.out.printf(
                "live heap (after full GC, every 2 s) while dynamo-lake read the backlog: min %d MB, max %d MB (of %d MB)%n",
                heap.min >> 20, heap.max >> 20, Runtime.getRuntime().maxMemory() >> 20);
    }

    @SafeVarargs
    private static List<Run> concat(List<Run>... lists) {
        List<Run> all = new ArrayList<>();
        for (List<Run> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    /** One reader's figures: records read, seconds, and CPU-seconds of this JVM and of the local stack's. */
    record Run(String name, long records, double seconds, double appCpu, double stackCpu) {
        double perSecond() {
            return records / seconds;
        }

        double cpuPer100k(double cpu) {
            return records == 0 ? Double.NaN : cpu * 100_000 / records;
        }
    }

    /**
     * The most any consumer can read from this stack: the AWS SDK's GetRecords over every shard at once (eight at a
     * time, as dynamo-lake reads them), the records discarded, no order kept, nothing checkpointed.
     */
    private Run bareSdkLoop(int records) throws Exception {
        AtomicLong read = new AtomicLong();
        try (var ddb = clients.dynamoDb();
                var streams = clients.dynamoDbStreams()) {
            String arn = ddb.describeTable(b -> b.tableName(TABLE)).table().latestStreamArn();
            List<software.amazon.awssdk.services.dynamodb.model.Shard> shards = new ArrayList<>();
            String last = null;
            do {
                String from = last;
                var d = streams.describeStream(b -> b.streamArn(arn).exclusiveStartShardId(from))
                        .streamDescription();
                shards.addAll(d.shards());
                last = d.lastEvaluatedShardId();
            } while (last != null);
            Duration stackCpu = stack.cpu();
            long ownCpu = ownCpuNanos();
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            for (var shard : shards) {
                pool.execute(() -> {
                    String it = streams.getShardIterator(b -> b.streamArn(arn)
                                    .shardId(shard.shardId())
                                    .shardIteratorType(
                                            software.amazon.awssdk.services.dynamodb.model.ShardIteratorType
                                                    .TRIM_HORIZON))
                            .shardIterator();
                    int empty = 0;
                    while (it != null && empty < 3) {
                        String current = it;
                        var r = streams.getRecords(b -> b.shardIterator(current).limit(1000));
                        read.addAndGet(r.records().size());
                        empty = r.records().isEmpty() ? empty + 1 : 0;
                        it = r.nextShardIterator();
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
            return new Run(
                    "bare AWS SDK GetRecords loop",
                    read.get(),
                    seconds(start),
                    (ownCpuNanos() - ownCpu) / 1e9,
                    stack.cpu().minus(stackCpu).toMillis() / 1e3);
        }
    }

    private static void load(DynamoDbClient ddb, int records) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        int perThread = records / 4;
        for (int t = 0; t < 4; t++) {
            int first = t * perThread;
            int last = t == 3 ? records : first + perThread;
            pool.execute(() -> {
                DemoItems items = new DemoItems(first);
                List<WriteRequest> batch = new ArrayList<>();
                for (int i = first; i < last; i++) {
                    Map<String, AttributeValue> item = SMALL
                            ? new java.util.HashMap<>(Map.of(
                                    "status", AttributeValue.fromS("NEW"),
                                    "total", AttributeValue.fromN(i + ".25"),
                                    "version", AttributeValue.fromN("1")))
                            : items.order(i);
                    item.put("pk", AttributeValue.fromS("order-" + i));
                    batch.add(
                            WriteRequest.builder().putRequest(p -> p.item(item)).build());
                    if (batch.size() == 25 || i == last - 1) {
                        List<WriteRequest> requests = List.copyOf(batch);
                        ddb.batchWriteItem(b -> b.requestItems(Map.of(TABLE, requests)));
                        batch.clear();
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
    }

    /**
     * dynamo-lake's route as the application runs it, in one or more replicas (Camel contexts of this JVM) of one
     * checkpoint group of its own, so each run reads the whole backlog from its start. With a heap watch, the run
     * samples the live heap (full collections, which cost CPU: that run's figures are not printed).
     */
    private Run dynamoLake(int records, String mode, int replicas, HeapWatch heap, String pass) throws Exception {
        String group = "bench-" + mode + "-" + replicas + "-" + pass;
        List<CamelContext> contexts = new ArrayList<>();
        List<MeterRegistry> registries = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            MeterRegistry meters = new SimpleMeterRegistry();
            contexts.add(replica(mode, group, meters));
            registries.add(meters);
        }
        long start = System.nanoTime();
        jdk.jfr.Recording recording = null;
        if (System.getProperty("bench.jfr") != null && pass.isEmpty() && replicas == 1 && mode.equals("single")) {
            recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.setDestination(Path.of(System.getProperty("bench.jfr")));
            recording.start();
        }
        Duration stackCpu = stack.cpu();
        long ownCpu = ownCpuNanos();
        for (CamelContext c : contexts) {
            c.start();
        }
        Awaitility.await()
                .atMost(Duration.ofHours(1))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (heap != null) {
                        heap.sample();
                    }
                    return registries.stream()
                                    .mapToDouble(m -> m.find("dynamolake.stream.records")
                                            .counter()
                                            .count())
                                    .sum()
                            >= records;
                });
        Run run = new Run(
                "dynamo-lake, " + mode + ", " + replicas + (replicas == 1 ? " replica" : " replicas"),
                records,
                seconds(start),
                (ownCpuNanos() - ownCpu) / 1e9,
                stack.cpu().minus(stackCpu).toMillis() / 1e3);
        if (recording != null) {
            recording.stop();
            recording.close();
        }
        System.out.printf(
                "%s: %d records in %.1f s; CPU: application %.1f s, local stack %.1f s%n",
                run.name(), records, run.seconds(), run.appCpu(), run.stackCpu());
        if (heap != null) {
            latency(contexts.get(0));
        }
        for (CamelContext c : contexts) {
            c.stop();
        }
        return run;
    }

    private CamelContext replica(String mode, String group, MeterRegistry meters) throws Exception {
        CamelContext context = context();
        Properties props = new Properties();
        // The application's defaults first, so a setting added later has its value here too.
        try (var in = StreamThroughputBenchmark.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        props.putAll(Map.of(
                "table.name",
                TABLE,
                "lake.bucket",
                "dynamo-lake",
                "lake.prefix",
                "tables/bench/",
                "firehose.delivery-stream",
                "bench-deltas",
                "firehose.max-attempts",
                "50",
                "firehose.pack-records",
                System.getProperty("bench.pack", "true"),
                "aws.retry.max-attempts",
                "9",
                "aws.retry.delay",
                "100",
                "aws.retry.max-delay",
                "2000"));
        props.putAll(Map.of(
                "camel.component.ddbstream.start-position",
                "TRIM_HORIZON",
                "camel.component.ddbstream.max-records-per-request",
                "1000",
                "camel.component.ddbstream.max-parallel-shards",
                "8",
                "camel.component.ddbstream.idle-delay",
                "200ms",
                "camel.component.ddbstream.shard-discovery-interval",
                "1s",
                "camel.component.ddbstream.retry-delay",
                "200ms",
                "camel.component.ddbstream.max-retry-delay",
                "5s",
                "camel.component.ddbstream.resume-from-trim-horizon",
                "false"));
        props.putAll(Map.of(
                "checkpoint.table",
                "dynamo-lake-checkpoints",
                "checkpoint.group",
                group,
                "checkpoint.create-table",
                "true",
                "camel.component.ddbstream.lease-duration",
                "20s",
                "camel.component.ddbstream.lease-renew-interval",
                "5s",
                "camel.component.ddbstream.mode",
                mode));
        context.getPropertiesComponent().setInitialProperties(props);
        context.getRegistry().bind("meterRegistry", meters);
        new dynamolake.DeltaConfiguration().configure(context);
        // What Camel Main does for camel.component.ddbstream.*, with the component's generated configurer.
        var component = context.getComponent("ddbstream", ddbstream.DdbStreamComponent.class);
        String prefix = "camel.component.ddbstream.";
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                org.apache.camel.support.PropertyBindingSupport.build()
                        .withConfigurer(component.getComponentPropertyConfigurer())
                        .withIgnoreCase(true)
                        .withMandatory(true)
                        .bind(context, component, key.substring(prefix.length()).replace("-", ""), props.get(key));
            }
        }

        context.addRoutes(new StreamToFirehoseRoute());
        return context;
    }

    /** With the consumer caught up: from one write to its envelope in an object of the lake. */
    private void latency(CamelContext context) throws Exception {
        try (var ddb = clients.dynamoDb();
                var s3Client = clients.s3()) {
            // Deliver what the backlog left in Firehose's buffer, so the marker lands in an object of its own.
            new localaws.LocalAwsAdminClient(emulator).flushFirehose();
            String key = "latency-" + System.nanoTime();
            Instant written = Instant.now();
            ddb.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(key))));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> s3Client
                            .listObjectsV2Paginator(b -> b.bucket("dynamo-lake").prefix("tables/bench/deltas/"))
                            .contents()
                            .stream()
                            .filter(o -> !o.lastModified()
                                    .isBefore(written.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
                            .filter(o -> o.size() < 1_000_000)
                            .anyMatch(o -> s3Client.getObjectAsBytes(
                                            b -> b.bucket("dynamo-lake").key(o.key()))
                                    .asUtf8String()
                                    .contains(key)));
            System.out.printf(
                    "write -> object in the lake: %d ms (Firehose buffer interval 1 s)%n",
                    Duration.between(written, Instant.now()).toMillis());
        }
    }

    /** Camel's aws2-ddbstream reading the same stream, same mapping, same Firehose, in batches of 500. */
    private Run camelAws2DdbStream(int records, Duration limit) throws Exception {
        CamelContext context = context();
        AtomicLong sent = new AtomicLong();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("aws2-ddbstream:" + TABLE + "?streamIteratorType=FROM_START&maxResultsPerRequest=1000"
                                + "&delay=0&greedy=true")
                        .routeId("camel-aws2-ddbstream")
                        .process(e -> {
                            Record r = e.getIn().getBody(Record.class);
                            e.getIn()
                                    .setBody(software.amazon.awssdk.services.firehose.model.Record.builder()
                                            .data(SdkBytes.fromUtf8String(
                                                    DeltaEnvelopes.fromRecord(r, TABLE, "?")
                                                                    .toJson() + "\n"))
                                            .build());
                        })
                        .aggregate(
                                constant(true),
                                new org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy())
                        .completionSize(500)
                        .completionTimeout(500)
                        .to("aws2-kinesis-firehose:bench-deltas?operation=sendBatchRecord")
                        .process(e -> sent.addAndGet(
                                e.getIn().getBody(PutRecordBatchResponse.class).requestResponses().stream()
                                        .filter(x -> x.errorCode() == null)
                                        .count()));
            }
        });
        Duration stackCpu = stack.cpu();
        long ownCpu = ownCpuNanos();
        long start = System.nanoTime();
        context.start();
        try {
            Awaitility.await()
                    .atMost(limit)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> sent.get() >= records);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.printf(
                    "camel aws2-ddbstream: stopped after %.0f s with %d of %d records sent%n",
                    seconds(start), sent.get(), records);
        }
        double elapsed = seconds(start);
        Run run = new Run(
                "camel aws2-ddbstream" + (sent.get() < records ? " (stuck)" : ""),
                sent.get(),
                elapsed,
                (ownCpuNanos() - ownCpu) / 1e9,
                stack.cpu().minus(stackCpu).toMillis() / 1e3);
        context.stop();
        System.out.printf("camel aws2-ddbstream: %d records in %.1f s%n", sent.get(), elapsed);
        return run;
    }

    private CamelContext context() {
        CamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("dynamoDbClient", clients.dynamoDb());
        context.getRegistry().bind("dynamoDbStreamsClient", clients.dynamoDbStreams());
        context.getRegistry().bind("firehoseClient", clients.firehose());
        context.getRegistry().bind("s3Client", clients.s3());
        return context;
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * The live heap: every two seconds a full collection, then the heap in use. What survives a full collection is
     * what the application really keeps while it works through the backlog.
     */
    static final class HeapWatch {
        long min = Long.MAX_VALUE;
        long max;
        private long last;

        void sample() {
            long now = System.nanoTime();
            if (now - last < 2_000_000_000L) {
                return;
            }
            last = now;
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            min = Math.min(min, used);
            max = Math.max(max, used);
        }
    }
}
