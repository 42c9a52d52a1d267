package routes;

import org.apache.camel.builder.RouteBuilder;

/**
 * Stream deltas: every change of the table's stream, as a delta envelope, into the lake through Firehose.
 * consume a batch → map to envelopes → write oversized envelopes and dead letters to the lake → send to Firehose
 * (resending refused entries) → the consumer checkpoints when the exchange completes.
 */
public class StreamToFirehoseRoute extends RouteBuilder {
    @Override
    public void configure() {
        // ddbstream:<table>, or master:stream:ddbstream:<table> where a Kubernetes Lease picks the reader.
        var election = getContext()
                .getRegistry()
                .lookupByNameAndType("leaderElection", dynamolake.ClusterConfiguration.LeaderElection.class);
        from(election != null ? election.streamUri() : "ddbstream:{{table.name}}")
                .routeId("ddb-stream-to-firehose")
                .routeDescription("Lands every change of the table's stream in the lake's deltas through Firehose")
                .bean("deltaMapper", "map")
                .id("map-envelopes")
                .setProperty("deltas", body())
                .split(simple("${exchangeProperty.deltas.lakeObjects}"))
                .stopOnException()
                .to("direct:write-lake-object")
                .id("write-overflow-and-dead-letters")
                .end()
                .split(simple("${exchangeProperty.deltas.firehoseBatches}"))
                .stopOnException()
                .to("direct:firehose-put-record-batch")
                .id("send-to-firehose");

        from("direct:firehose-put-record-batch")
                .routeId("firehose-put-record-batch")
                .routeDescription("Sends one batch to Firehose and resends the entries it refused until all are in")
                .setProperty("batch", body())
                .loopDoWhile(simple("${exchangeProperty.batch.pending}"))
                .setBody(simple("${exchangeProperty.batch.request('{{firehose.delivery-stream}}')}"))
                .to("aws2-kinesis-firehose:{{firehose.delivery-stream}}?operation=sendBatchRecord")
                .id("put-record-batch")
                .bean("deltaMapper", "accept(${exchangeProperty.batch}, ${body})")
                .id("keep-refused-entries")
                .delay(simple("${exchangeProperty.batch.backoffMillis}"))
                .id("back-off-before-resend");

        from("direct:write-lake-object")
                .routeId("lake-object-writer")
                .routeDescription("Writes an oversized envelope or a dead letter straight into the lake")
                .bean("lakeStore", "putBytes(${body.key}, ${body.content})")
                .id("put-lake-object");
    }
}
