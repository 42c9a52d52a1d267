package ddbstream;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;
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
            description = "Where a consumer group without checkpoints starts:"
                    + " TRIM_HORIZON (everything the stream holds) or LATEST (only new records)")
    private StartPosition startPosition = StartPosition.TRIM_HORIZON;

    @UriParam(
            defaultValue = "1000",
            description = "Records asked for per GetRecords call (1 to 1000): one exchange" + " per call")
    private int maxRecordsPerRequest = 1000;

    @UriParam(defaultValue = "8", description = "Shards read at the same time; open shards beyond this wait")
    private int maxParallelShards = 8;

    @UriParam(
            defaultValue = "1000",
            description = "Milliseconds to wait after a GetRecords call found an open shard" + " empty")
    private long idleDelay = 1000;

    @UriParam(defaultValue = "5000", description = "Milliseconds between DescribeStream calls that find new shards")
    private long shardDiscoveryInterval = 5000;

    @UriParam(
            defaultValue = "dynamo-lake-checkpoints",
            description = "The DynamoDB table holding checkpoints and" + " the lease")
    private String checkpointTable = "dynamo-lake-checkpoints";

    @UriParam(defaultValue = "true", description = "Create the checkpoint table when it does not exist")
    private boolean createCheckpointTable = true;

    @UriParam(
            defaultValue = "dynamo-lake",
            description = "The consumer group: consumers of one group share"
                    + " checkpoints and one lease; another group reads the same stream independently")
    private String checkpointGroup = "dynamo-lake";

    @UriParam(
            defaultValue = "20000",
            description = "Milliseconds a lease lasts without renewal: how long a standby"
                    + " waits before taking over from a consumer that died")
    private long leaseDuration = 20_000;

    @UriParam(
            defaultValue = "5000",
            description =
                    "Milliseconds between lease renewals, and between a standby's" + " attempts to take the lease")
    private long leaseRenewInterval = 5_000;

    @UriParam(
            description = "The name this consumer holds the lease under; by default host name, process id and a"
                    + " random suffix")
    private String workerId;

    @UriParam(
            defaultValue = "500",
            description = "Milliseconds before the first retry of a failed batch or a"
                    + " throttled call; doubles up to maxRetryDelay")
    private long retryDelay = 500;

    @UriParam(defaultValue = "30000", description = "The longest wait between retries, in milliseconds")
    private long maxRetryDelay = 30_000;

    @UriParam(
            defaultValue = "false",
            description = "After records were trimmed before they were read (data loss),"
                    + " go on from the trim horizon. Off by default: the shard stops and the health check stays DOWN until"
                    + " someone decides")
    private boolean resumeFromTrimHorizon;

    @UriParam(
            defaultValue = "false",
            description = "Read a stream whose StreamViewType carries no new image (KEYS_ONLY, OLD_IMAGE). Off by"
                    + " default: such a stream is refused, as the lake cannot hold the items' values from it. On:"
                    + " envelopes of such records say keysOnly, and views apply their deletes only")
    private boolean acceptMissingNewImage;

    @UriParam(
            defaultValue = "300000",
            description = "Milliseconds one shard's batch may keep failing before the health check turns DOWN naming"
                    + " the shard and the batch's sequence numbers (the batch is still processed again until it"
                    + " succeeds)")
    private long batchFailureTimeout = 300_000;

    @UriParam(
            label = "advanced",
            defaultValue = "5000",
            description = "Milliseconds of clock difference allowed between the stream's record times and the time its"
                    + " first LATEST iterator was taken: a LATEST start resumed before its first record (a restart, an"
                    + " expired iterator) reads the records created from that much before")
    private long latestClockTolerance = 5_000;

    @UriParam(
            defaultValue = "shared",
            enums = "single,shared",
            description = "How the consumers of one group share the stream: shared (a lease per shard in the"
                    + " checkpoint table: the shards are spread over every consumer, each read by one at a time, a"
                    + " child only after its parent's end; one consumer alone reads them all) or single (one holds the"
                    + " stream's lease and reads every shard, the others stand by). The modes hand the stream over"
                    + " to each other: a consumer of one waits while one of the other reads")
    private String mode = "shared";

    @UriParam(
            label = "advanced",
            defaultValue = "86400000",
            description = "Milliseconds the stream keeps a record (24 hours on AWS; a local stack's own setting"
                    + " elsewhere): the checkpoint of a shard read to its end is removed once the stream no longer lists"
                    + " the shard, its children have started, and its end is older than this")
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
    void validate() {
        if (tableName == null || tableName.isBlank()) {
            throw new IllegalArgumentException("tableName: the ddbstream endpoint needs a table, ddbstream:<table>");
        }
        if (maxRecordsPerRequest < 1 || maxRecordsPerRequest > 1000) {
            throw new IllegalArgumentException("maxRecordsPerRequest: must be 1 to 1000, was " + maxRecordsPerRequest);
        }
        if (!"single".equals(mode) && !"shared".equals(mode)) {
            throw new IllegalArgumentException("mode: single or shared, was " + mode);
        }
        if (maxParallelShards < 1) {
            throw new IllegalArgumentException("maxParallelShards: must be at least 1, was " + maxParallelShards);
        }
        if (2 * leaseRenewInterval >= leaseDuration) {
            // The lease is safe to act under until its duration less one interval has passed since the last
            // renewal; the next renewal comes one interval (and its own latency) after the last.
            throw new IllegalArgumentException("leaseRenewInterval (" + leaseRenewInterval + " ms) must be shorter"
                    + " than half of leaseDuration (" + leaseDuration + " ms)");
        }
        for (long v : new long[] {
            idleDelay,
            shardDiscoveryInterval,
            retryDelay,
            maxRetryDelay,
            batchFailureTimeout,
            latestClockTolerance,
            streamRetention
        }) {
            if (v < 0) {
                throw new IllegalArgumentException("delays and intervals must not be negative");
            }
        }
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
