package testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ddbstream.StreamBatch;
import dynamolake.AwsClients;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * One replica of a stream shared by shard ({@code mode=shared}), in a process of its own, for the tests that kill or
 * pause replicas: it reads the table's stream through the local stack and appends each delivered record to a file as
 * one JSON line ({@code worker}, {@code at} (when it was delivered), {@code shard}, {@code seq}, {@code pk}, {@code v}),
 * written out before the batch's
 * checkpoint moves. Prints {@code CONSUMER READY} once its route runs; stops cleanly on SIGTERM.
 *
 * <p>Arguments: emulator, S3 and SQS endpoints, table, worker id, output file, lease duration and renew interval (ms).
 */
public final class SharedStreamConsumer {
    private SharedStreamConsumer() {}

    public static void main(String[] args) throws Exception {
        AwsClients clients =
                AwsClients.local(URI.create(args[0]), URI.create(args[1]), URI.create(args[2]), "us-east-1");
        String table = args[3];
        String worker = args[4];
        Path out = Path.of(args[5]);
        String uri = "ddbstream:" + table + "?mode=shared&checkpointGroup=g&workerId=" + worker
                + "&idleDelay=50&shardDiscoveryInterval=200&leaseDuration=" + args[6] + "&leaseRenewInterval="
                + args[7] + "&retryDelay=50&maxRetryDelay=1000&maxRecordsPerRequest=100";
        ObjectMapper json = new ObjectMapper();
        OutputStream file = new FileOutputStream(out.toFile(), true);
        CamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("dynamoDbClient", clients.dynamoDb());
        context.getRegistry().bind("dynamoDbStreamsClient", clients.dynamoDbStreams());
        context.getShutdownStrategy().setTimeout(10);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("replica-" + worker).process(e -> {
                    StreamBatch batch = e.getIn().getBody(StreamBatch.class);
                    StringBuilder lines = new StringBuilder();
                    String at = java.time.Instant.now().toString(); // microseconds, comparable across processes
                    for (Record r : batch.records()) {
                        ObjectNode line = json.createObjectNode();
                        line.put("worker", worker);
                        line.put("at", at);
                        line.put("shard", batch.shardId());
                        line.put("seq", r.dynamodb().sequenceNumber());
                        line.put("pk", r.dynamodb().keys().get("pk").s());
                        line.put(
                                "v",
                                Integer.parseInt(
                                        r.dynamodb().newImage().get("v").n()));
                        lines.append(json.writeValueAsString(line)).append('\n');
                    }
                    synchronized (file) {
                        file.write(lines.toString().getBytes(StandardCharsets.UTF_8));
                        file.flush();
                    }
                });
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            context.stop();
            stopped.countDown();
        }));
        context.start();
        System.out.println("CONSUMER READY " + worker);
        stopped.await();
    }
}
