package ddbstream;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;
import org.apache.camel.util.StringHelper;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The options of the {@code ddbstream} endpoint. Camel's {@code aws2-ddbstream} is the model for names; what it
 * lacks (durable checkpoints, shard lineage, leases) is what this consumer adds.
 */
@UriParams
public class DdbStreamConfiguration implements Cloneable {
    @UriPath(description = "The table whose stream is consumed")
    @Metadata(required = true)
    private String tableName;

    @UriParam(description = "The stream to consume; by default the table's latest stream (LatestStreamArn)")
    private String streamArn;

    @UriParam(
            defaultValue = "TRIM_HORIZON",
            description = "Where a consumer group that never read the table's stream starts: TRIM_HORIZON (all the"
                    + " stream holds, 24 hours) or LATEST (only new changes; closed shards are skipped). A shard's"
                    + " LATEST position is fixed the first time it is read: a restart, an expired iterator or a failed"
                    + " first batch resume from there. A new stream of the table (after it was turned off and on) is"
                    + " always read from its trim horizon.")
    private StartPosition startPosition = StartPosition.TRIM_HORIZON;

    @UriParam(
            defaultValue = "1000",
            description = "Records per GetRecords call (1 to 1000); one exchange, one checkpoint per call.")
    private int maxRecordsPerRequest = 1000;

    @UriParam(defaultValue = "8", description = "Shards read at once; open shards beyond this wait.")
    private int maxParallelShards = 8;

    @UriParam(
            defaultValue = "1s",
            javaType = "java.time.Duration",
            description = "Pause after a GetRecords call found an open shard empty.")
    private long idleDelay = 1000;

    @UriParam(
            defaultValue = "5s",
            javaType = "java.time.Duration",
            description = "How often DescribeStream looks for new shards (a finished shard triggers a look at once).")
    private long shardDiscoveryInterval = 5000;

    @UriParam(
            defaultValue = "dynamo-lake-checkpoints",
            description = "The DynamoDB table of checkpoints and leases (pk, sk, on demand). dynamo-lake sets it from"
                    + " checkpoint.table, which the views and the exports share.")
    private String checkpointTable = "dynamo-lake-checkpoints";

    @UriParam(
            defaultValue = "true",
            description = "Create the checkpoint table when it is missing. dynamo-lake sets it from"
                    + " checkpoint.create-table.")
    private boolean createCheckpointTable = true;

    @UriParam(
            defaultValue = "dynamo-lake",
            description = "Consumers of one group share checkpoints and leases; another group reads the same stream"
                    + " independently. dynamo-lake sets it from checkpoint.group.")
    private String checkpointGroup = "dynamo-lake";

    @UriParam(
            defaultValue = "20s",
            javaType = "java.time.Duration",
            description =
                    "How long a lease lasts without renewal: a standby takes over this long after the owner" + " dies.")
    private long leaseDuration = 20_000;

    @UriParam(
            defaultValue = "5s",
            javaType = "java.time.Duration",
            description = "How often the owner renews its leases, and a standby tries to take one over. Less than half"
                    + " of the lease duration: the owner acts under a lease only until the duration less one interval has"
                    + " passed since its last renewal.")
    private long leaseRenewInterval = 5_000;

    @UriParam(
            description = "The name this consumer holds its leases under; by default host name, process id and a"
                    + " random suffix.")
    private String workerId;

    @UriParam(
            defaultValue = "500ms",
            javaType = "java.time.Duration",
            description = "First wait before processing a failed batch again or calling a shard that refused a"
                    + " call again; doubles each time.")
    private long retryDelay = 500;

    @UriParam(defaultValue = "30s", javaType = "java.time.Duration", description = "The longest such wait.")
    private long maxRetryDelay = 30_000;

    @UriParam(
            defaultValue = "false",
            description = "After records were trimmed before they were read, or a shard vanished before it was read to"
                    + " its end (data loss), go on from the trim horizon (or with the shard's children). Off: the shard"
                    + " stops there, its children wait, and health stays DOWN.")
    private boolean resumeFromTrimHorizon;

    @UriParam(
            defaultValue = "false",
            description = "A stream whose StreamViewType has no new image (KEYS_ONLY, OLD_IMAGE) is refused at start"
                    + " with one line. true: it is read; envelopes of its inserts and updates hold only the keys and"
                    + " carry keysOnly set to true, and the views apply its deletes only, never replacing an item by its"
                    + " keys.")
    private boolean acceptMissingNewImage;

    @UriParam(
            defaultValue = "5m",
            javaType = "java.time.Duration",
            description = "A shard whose batch has kept failing this long turns readiness DOWN, naming the shard, the"
                    + " stream and the batch's sequence numbers, even while other shards go on; the batch is still"
                    + " processed again until it succeeds.")
    private long batchFailureTimeout = 300_000;

    @UriParam(
            label = "advanced",
            defaultValue = "5s",
            javaType = "java.time.Duration",
            description = "Clock difference allowed between the stream's record times and the time a shard's first"
                    + " LATEST iterator was taken: a LATEST start resumed before its first record (a restart, an"
                    + " expired iterator) reads the records created from that much before.")
    private long latestClockTolerance = 5_000;

    @UriParam(
            defaultValue = "shared",
            enums = "single,shared",
            description = "shared: a lease per shard in the checkpoint table spreads the shards over every replica"
                    + " (one alone reads them all), each shard read by one at a time and a child only after its"
                    + " parent's end. single: one replica (picked by cluster.leader-election) reads every shard, the"
                    + " others stand by. A replica of one mode waits as a healthy standby while one of the other reads,"
                    + " so a rolling update switches the mode.")
    private String mode = "shared";

    @UriParam(
            label = "advanced",
            defaultValue = "24h",
            javaType = "java.time.Duration",
            description = "How long the stream keeps a record (24 hours on DynamoDB Streams; set it to a local stack's"
                    + " own retention). The checkpoint of a shard read to its end is removed once the stream no longer"
                    + " lists the shard, its children have started and its end is older than this; a finished"
                    + " stream's checkpoints are removed when the next stream is taken up. So a week of shard rollovers"
                    + " grows neither the checkpoint table nor the application's memory.")
    private long streamRetention = 86_400_000;

    @UriParam(label = "advanced", description = "The DynamoDB Streams client")
    @Metadata(autowired = true)
    private DynamoDbStreamsClient dynamoDbStreamsClient;

    @UriParam(label = "advanced", description = "The DynamoDB client for the table (DescribeTable)")
    @Metadata(autowired = true)
    private DynamoDbClient dynamoDbClient;

    @UriParam(
            label = "advanced",
            description = "The DynamoDB client for the checkpoint table, when it lives in another account than the"
                    + " table (its role); by default the table's client")
    private DynamoDbClient checkpointDynamoDbClient;

    /** A copy for one endpoint, so that its URI options do not change the component's defaults. */
    public DdbStreamConfiguration copy() {
        try {
            return (DdbStreamConfiguration) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    /**
     * Checks the options together.
     *
     * @throws IllegalArgumentException naming the option and what it must be
     */
    public void validate() {
        if (tableName == null || tableName.isBlank()) {
            throw new IllegalArgumentException("tableName: the ddbstream endpoint needs a table, ddbstream:<table>");
        }
        if (maxRecordsPerRequest < 1 || maxRecordsPerRequest > 1000) {
            throw invalid("maxRecordsPerRequest", "a whole number from 1 to 1000", maxRecordsPerRequest);
        }
        if (!"single".equals(mode) && !"shared".equals(mode)) {
            throw invalid("mode", "single or shared", mode);
        }
        if (maxParallelShards < 1 || maxParallelShards > 1000) {
            throw invalid("maxParallelShards", "a whole number from 1 to 1000", maxParallelShards);
        }
        Map<String, Long> positive = new LinkedHashMap<>();
        positive.put("idleDelay", idleDelay);
        positive.put("shardDiscoveryInterval", shardDiscoveryInterval);
        positive.put("retryDelay", retryDelay);
        positive.put("maxRetryDelay", maxRetryDelay);
        positive.put("batchFailureTimeout", batchFailureTimeout);
        positive.put("streamRetention", streamRetention);
        positive.put("leaseDuration", leaseDuration);
        positive.put("leaseRenewInterval", leaseRenewInterval);
        positive.forEach((option, millis) -> {
            if (millis <= 0) {
                throw invalid(option, "a positive duration such as 500ms, 30s or 15m", millis + " ms");
            }
        });
        if (latestClockTolerance < 0) {
            throw invalid("latestClockTolerance", "a duration of zero or more", latestClockTolerance + " ms");
        }
        if (2 * leaseRenewInterval >= leaseDuration) {
            // The lease is safe to act under until its duration less one interval has passed since the last
            // renewal; the next renewal comes one interval (and its own latency) after the last.
            throw invalid(
                    "leaseRenewInterval",
                    "less than half of leaseDuration (" + leaseDuration + " ms)",
                    leaseRenewInterval + " ms");
        }
    }

    /**
     * A value that does not fit, named as an endpoint option and as the component's property, for example {@code
     * maxRecordsPerRequest (camel.component.ddbstream.max-records-per-request): expected a whole number from 1 to
     * 1000, was 0}.
     */
    private static InvalidOptionException invalid(String option, String expected, Object was) {
        String property = "camel.component.ddbstream." + StringHelper.camelCaseToDash(option);
        return new InvalidOptionException(option + " (" + property + "): expected " + expected + ", was '" + was + "'");
    }

    public String getTableName() {
        return tableName;
    }

    public void setTableName(String tableName) {
        this.tableName = tableName;
    }

    public String getStreamArn() {
        return streamArn;
    }

    public void setStreamArn(String streamArn) {
        this.streamArn = streamArn;
    }

    public StartPosition getStartPosition() {
        return startPosition;
    }

    public void setStartPosition(StartPosition startPosition) {
        this.startPosition = startPosition;
    }

    public int getMaxRecordsPerRequest() {
        return maxRecordsPerRequest;
    }

    public void setMaxRecordsPerRequest(int maxRecordsPerRequest) {
        this.maxRecordsPerRequest = maxRecordsPerRequest;
    }

    public int getMaxParallelShards() {
        return maxParallelShards;
    }

    public void setMaxParallelShards(int maxParallelShards) {
        this.maxParallelShards = maxParallelShards;
    }

    public long getIdleDelay() {
        return idleDelay;
    }

    public void setIdleDelay(long idleDelay) {
        this.idleDelay = idleDelay;
    }

    public long getShardDiscoveryInterval() {
        return shardDiscoveryInterval;
    }

    public void setShardDiscoveryInterval(long shardDiscoveryInterval) {
        this.shardDiscoveryInterval = shardDiscoveryInterval;
    }

    public String getCheckpointTable() {
        return checkpointTable;
    }

    public void setCheckpointTable(String checkpointTable) {
        this.checkpointTable = checkpointTable;
    }

    public boolean isCreateCheckpointTable() {
        return createCheckpointTable;
    }

    public void setCreateCheckpointTable(boolean createCheckpointTable) {
        this.createCheckpointTable = createCheckpointTable;
    }

    public String getCheckpointGroup() {
        return checkpointGroup;
    }

    public void setCheckpointGroup(String checkpointGroup) {
        this.checkpointGroup = checkpointGroup;
    }

    public String getMode() {
        return mode;
    }

    public void setMode(String mode) {
        this.mode = mode;
    }

    /** True when the consumers of the group share the stream by shard. */
    public boolean isShared() {
        return "shared".equals(mode);
    }

    public long getStreamRetention() {
        return streamRetention;
    }

    public void setStreamRetention(long streamRetention) {
        this.streamRetention = streamRetention;
    }

    public long getLeaseDuration() {
        return leaseDuration;
    }

    public void setLeaseDuration(long leaseDuration) {
        this.leaseDuration = leaseDuration;
    }

    public long getLeaseRenewInterval() {
        return leaseRenewInterval;
    }

    public void setLeaseRenewInterval(long leaseRenewInterval) {
        this.leaseRenewInterval = leaseRenewInterval;
    }

    public String getWorkerId() {
        return workerId;
    }

    public void setWorkerId(String workerId) {
        this.workerId = workerId;
    }

    public long getRetryDelay() {
        return retryDelay;
    }

    public void setRetryDelay(long retryDelay) {
        this.retryDelay = retryDelay;
    }

    public long getMaxRetryDelay() {
        return maxRetryDelay;
    }

    public void setMaxRetryDelay(long maxRetryDelay) {
        this.maxRetryDelay = maxRetryDelay;
    }

    public boolean isResumeFromTrimHorizon() {
        return resumeFromTrimHorizon;
    }

    public void setResumeFromTrimHorizon(boolean resumeFromTrimHorizon) {
        this.resumeFromTrimHorizon = resumeFromTrimHorizon;
    }

    public boolean isAcceptMissingNewImage() {
        return acceptMissingNewImage;
    }

    public void setAcceptMissingNewImage(boolean acceptMissingNewImage) {
        this.acceptMissingNewImage = acceptMissingNewImage;
    }

    public long getBatchFailureTimeout() {
        return batchFailureTimeout;
    }

    public void setBatchFailureTimeout(long batchFailureTimeout) {
        this.batchFailureTimeout = batchFailureTimeout;
    }

    public long getLatestClockTolerance() {
        return latestClockTolerance;
    }

    public void setLatestClockTolerance(long latestClockTolerance) {
        this.latestClockTolerance = latestClockTolerance;
    }

    public DynamoDbStreamsClient getDynamoDbStreamsClient() {
        return dynamoDbStreamsClient;
    }

    public void setDynamoDbStreamsClient(DynamoDbStreamsClient dynamoDbStreamsClient) {
        this.dynamoDbStreamsClient = dynamoDbStreamsClient;
    }

    public DynamoDbClient getDynamoDbClient() {
        return dynamoDbClient;
    }

    public void setDynamoDbClient(DynamoDbClient dynamoDbClient) {
        this.dynamoDbClient = dynamoDbClient;
    }

    /** The checkpoint table's client: {@link #setCheckpointDynamoDbClient}'s, or the table's. */
    public DynamoDbClient getCheckpointDynamoDbClient() {
        return checkpointDynamoDbClient != null ? checkpointDynamoDbClient : dynamoDbClient;
    }

    public void setCheckpointDynamoDbClient(DynamoDbClient checkpointDynamoDbClient) {
        this.checkpointDynamoDbClient = checkpointDynamoDbClient;
    }
}
