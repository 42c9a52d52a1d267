package routes;

import org.apache.camel.builder.RouteBuilder;

/**
 * Snapshots: the table exported by DynamoDB, landed in the lake as Parquet and published atomically.
 * <pre>
 * ddb-export-on-start   once at start: a full export when the lake has no published snapshot
 * ddb-export-schedule   every export.check-interval: an export (export.type, full or incremental) when
 *                       export.interval has passed since the last one recorded; or at the times of export.cron
 *                       (Quartz, UTC)
 * ddb-export-watch      every export.check-interval: DescribeExport; a finished export's files onto the queue
 * ddb-export-to-lake    the queue, export.concurrency at a time: one data file → discover, convert (Parquet)
 *                       or land-deltas; the file that completes discovery writes the schema and queues the
 *                       CONVERT tasks, the one that completes conversion publishes the snapshot, the last
 *                       deltas publish the incremental export
 * </pre>
 * A failed task leaves its message on the queue, to be taken again after the visibility timeout (by any replica);
 * after five receives the queue moves it to its dead-letter queue.
 */
public class SnapshotRoutes extends RouteBuilder {
    /** Set by a step: whether the task's file was the export's last for that step, so the next step runs. */
    static final String EVERY_FILE_DONE = "DynamoLakeEveryFileDone";

    @Override
    public void configure() {
        from("timer:export-on-start?repeatCount=1&delay={{export.on-start-delay}}")
                .routeId("ddb-export-on-start")
                .routeDescription("Starts a full export at once when the lake has no published snapshot")
                .autoStartup("{{export.on-start}}")
                .bean("exportRequester", "onStart")
                .id("export-if-no-snapshot");

        String cron = getContext()
                .getPropertiesComponent()
                .resolveProperty("export.cron")
                .map(String::trim)
                .orElse("");
        // The interval is counted from the last export recorded, not from this process's start: replicas that restart
        // more often than export.interval still export on schedule.
        from(cron.isEmpty()
                        ? "timer:export-schedule?delay={{export.check-interval}}&period={{export.check-interval}}"
                        : "quartz:dynamo-lake/export-schedule?trigger.timeZone=UTC&cron=" + cron.replace(' ', '+'))
                .routeId("ddb-export-schedule")
                .routeDescription(
                        cron.isEmpty()
                                ? "Starts an export of the table once export.interval has passed since the last one"
                                : "Starts an export of the table at the times of export.cron (" + cron + ", UTC)")
                .autoStartup("{{export.schedule-enabled}}")
                .bean("exportRequester", cron.isEmpty() ? "onTick" : "onSchedule")
                .id("request-export");

        from("timer:export-watch?delay={{export.check-interval}}&period={{export.check-interval}}")
                .routeId("ddb-export-watch")
                .routeDescription("Polls DescribeExport and queues the data files of finished exports")
                .bean("exportWatcher", "poll")
                .id("describe-exports");

        @SuppressWarnings("unchecked")
        java.util.function.Supplier<String> queueUrl =
                getContext().getRegistry().lookupByNameAndType("exportQueueUrl", java.util.function.Supplier.class);
        from("aws2-sqs:{{export.queue}}?autoCreateQueue=false&concurrentConsumers={{export.concurrency}}"
                        + (queueUrl == null ? "" : "&queueUrl=RAW(" + queueUrl.get() + ")")
                        + "&maxMessagesPerPoll=1&waitTimeSeconds=5&greedy=true"
                        + "&visibilityTimeout={{export.visibility-timeout}}&extendMessageVisibility=true")
                .routeId("ddb-export-to-lake")
                .routeDescription("Lands one export data file per message: schema discovery, Parquet part or deltas;"
                        + " the file that completes a step starts the next")
                // The message is a small task; the data file streams from S3 inside the step, never through Camel.
                .streamCache("false")
                .bean("exportFileWorker", "accept(${body})")
                .id("read-task")
                .filter(body().isNotNull())
                .id("export-in-flight")
                .choice()
                .id("step")
                .when(simple("${body.step} == 'DISCOVER'"))
                .setHeader(EVERY_FILE_DONE)
                .method("exportDiscovery", "discover")
                .id("discover")
                .filter(header(EVERY_FILE_DONE))
                .id("every-file-discovered")
                .bean("exportDiscovery", "finish")
                .id("schema-and-convert-tasks")
                .endChoice()
                .when(simple("${body.step} == 'CONVERT'"))
                .setHeader(EVERY_FILE_DONE)
                .method("exportConversion", "convert")
                .id("convert")
                .filter(header(EVERY_FILE_DONE))
                .id("every-part-written")
                .bean("exportConversion", "publish")
                .id("publish-snapshot")
                .endChoice()
                .when(simple("${body.step} == 'DELTAS'"))
                .setHeader(EVERY_FILE_DONE)
                .method("exportDeltas", "land")
                .id("land-deltas")
                .filter(header(EVERY_FILE_DONE))
                .id("every-file-landed")
                .bean("exportDeltas", "publish")
                .id("publish-deltas")
                .end();
    }
}
