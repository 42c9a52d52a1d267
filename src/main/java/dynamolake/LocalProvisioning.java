package dynamolake;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.ResourceInUseException;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.AlreadyExistsException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates, in the local stack, what an AWS account running dynamo-lake has from its infrastructure code: the lake
 * bucket, the export bucket, the Firehose delivery stream writing into the lake's deltas, and the export work queue
 * with its dead-letter queue. Every step is idempotent, so a restart against a kept stack changes nothing.
 */
final class LocalProvisioning {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProvisioning.class);

    private LocalProvisioning() {}

    /** The names the local resources are created under. */
    record Names(
            String lakeBucket,
            String lakePrefix,
            String exportBucket,
            String deliveryStream,
            int bufferSeconds,
            int bufferMegabytes,
            String exportQueue) {}

    static void provision(S3Client s3, FirehoseClient firehose, SqsClient sqs, Names names) {
        bucket(s3, names.lakeBucket());
        bucket(s3, names.exportBucket());
        deliveryStream(firehose, names);
        String dlq =
                sqs.createQueue(b -> b.queueName(names.exportQueue() + "-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        sqs.createQueue(b -> b.queueName(names.exportQueue())
                .attributes(Map.of(
                        QueueAttributeName.REDRIVE_POLICY,
                        "{\"maxReceiveCount\":\"5\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}",
                        QueueAttributeName.VISIBILITY_TIMEOUT,
                        "300")));
        LOG.info(
                "Local resources ready: buckets {} and {}, delivery stream {} into s3://{}/{}deltas/, queue {}",
                names.lakeBucket(),
                names.exportBucket(),
                names.deliveryStream(),
                names.lakeBucket(),
                names.lakePrefix(),
                names.exportQueue());
    }

    /** The Glue database glue.database names, in the emulator's catalog. */
    static void glueDatabase(GlueClient glue, String name) {
        try {
            glue.createDatabase(b -> b.databaseInput(d -> d.name(name)));
            LOG.info("Local Glue database {} created", name);
        } catch (AlreadyExistsException e) {
            LOG.debug("Local Glue database {} exists", name);
        }
    }

    private static void bucket(S3Client s3, String name) {
        try {
            s3.createBucket(b -> b.bucket(name));
        } catch (BucketAlreadyOwnedByYouException e) {
            // kept from an earlier run
        } catch (S3Exception e) {
            if (e.statusCode() != 409) {
                throw e;
            }
        }
    }

    private static void deliveryStream(FirehoseClient firehose, Names names) {
        try {
            firehose.createDeliveryStream(b -> b.deliveryStreamName(names.deliveryStream())
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::" + names.lakeBucket())
                            .roleARN("arn:aws:iam::000000000000:role/dynamo-lake-firehose")
                            .prefix(names.lakePrefix() + "deltas/")
                            .errorOutputPrefix(names.lakePrefix() + "deltas-errors/")
                            .bufferingHints(h ->
                                    h.intervalInSeconds(names.bufferSeconds()).sizeInMBs(names.bufferMegabytes()))));
        } catch (ResourceInUseException e) {
            // kept from an earlier run
        }
    }
}
