package testsupport;

import ddbstream.StreamBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.camel.builder.RouteBuilder;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * A route that collects what a {@code ddbstream} endpoint delivers, as a flow's last step would; batches the test's
 * {@link #failWhen} predicate picks fail instead (the exchange throws), so the consumer processes them again.
 *
 * <pre>{@code
 * BatchCollector c = new BatchCollector("ddbstream:orders?checkpointGroup=g1");
 * CamelContext context = Contexts.started(aws, c);
 * await().until(() -> c.records().size() >= 100);
 * }</pre>
 */
public final class BatchCollector extends RouteBuilder {
    private final List<StreamBatch> batches = new CopyOnWriteArrayList<>();
    private final List<StreamBatch> failed = new CopyOnWriteArrayList<>();
    private final String uri;
    private volatile Predicate<StreamBatch> failWhen = b -> false;

    public BatchCollector(String uri) {
        this.uri = uri;
    }

    @Override
    public void configure() {
        from(uri).routeId("collect").process(e -> {
            StreamBatch batch = e.getIn().getBody(StreamBatch.class);
            if (failWhen.test(batch)) {
                failed.add(batch);
                throw new IllegalStateException("the test fails this batch");
            }
            batches.add(batch);
        });
    }

    /**
     * Runs a consumer on {@code uri} until it has delivered {@code records} records (within {@code within}), then
     * stops it: the group's checkpoints are then after them. Returns what it collected.
     */
    public static BatchCollector consumeThenStop(LocalStackExtension aws, String uri, int records, Duration within)
            throws Exception {
        BatchCollector collector = new BatchCollector(uri);
        org.apache.camel.CamelContext context = Contexts.started(aws, collector);
        try {
            org.awaitility.Awaitility.await()
                    .atMost(within)
                    .until(() -> collector.records().size() >= records);
        } finally {
            context.stop();
        }
        return collector;
    }

    /** From now on, batches matching the predicate fail. */
    public BatchCollector failWhen(Predicate<StreamBatch> predicate) {
        this.failWhen = predicate;
        return this;
    }

    /** The batches that completed, in the order they did. */
    public List<StreamBatch> batches() {
        return List.copyOf(batches);
    }

    /** Every attempt that the predicate failed. */
    public List<StreamBatch> failed() {
        return List.copyOf(failed);
    }

    /** The records of the batches that completed, in delivery order. */
    public List<Record> records() {
        List<Record> out = new ArrayList<>();
        batches.forEach(b -> out.addAll(b.records()));
        return out;
    }
}
