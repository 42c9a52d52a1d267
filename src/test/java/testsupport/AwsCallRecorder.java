package testsupport;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call that goes over the wire from this test JVM, while recording is on: the service, the
 * operation, the access key it was signed with (which says whose credentials made it) and the request's resource
 * fields (table, stream, bucket and key, queue, delivery stream). Registered for every SDK client through the SDK's
 * global interceptor list (src/test/resources/software/amazon/awssdk/global/handlers/execution.interceptors).
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
    /**
     * One call as it was sent; {@code encryption} holds its {@code x-amz-server-side-encryption*} headers, as they went
     * over the wire.
     */
    public record Call(
            String service,
            String operation,
            String accessKeyId,
            Map<String, String> fields,
            Map<String, String> encryption) {}

    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([A-Za-z0-9]+)/");
    private static final List<String> FIELDS = List.of(
            "TableName",
            "TableArn",
            "S3Bucket",
            "S3Prefix",
            "StreamArn",
            "ShardIterator",
            "ExportArn",
            "Bucket",
            "Key",
            "Prefix",
            "SourceBucket",
            "SourceKey",
            "DestinationBucket",
            "DestinationKey",
            "QueueUrl",
            "QueueName",
            "DeliveryStreamName",
            "RoleArn",
            "Name");
    private static final List<Call> CALLS = new CopyOnWriteArrayList<>();
    private static volatile boolean recording;

    /** Forgets what was recorded and records from now on. */
    public static void start() {
        CALLS.clear();
        recording = true;
    }

    /** Stops recording and returns what was recorded. */
    public static List<Call> stop() {
        recording = false;
        return List.copyOf(CALLS);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (!recording) {
            return;
        }
        String accessKey = context.httpRequest()
                .firstMatchingHeader("Authorization")
                .map(CREDENTIAL::matcher)
                .filter(Matcher::find)
                .map(m -> m.group(1))
                .orElse("unsigned");
        SdkRequest request = context.request();
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (String f : FIELDS) {
            Optional<Object> value = request.getValueForField(f, Object.class);
            value.ifPresent(v -> fields.put(f, String.valueOf(v)));
        }
        if (request instanceof software.amazon.awssdk.services.s3.model.CopyObjectRequest copy) {
            copied(fields, copy.copySource(), copy.destinationBucket(), copy.destinationKey());
        }
        if (request instanceof software.amazon.awssdk.services.s3.model.UploadPartCopyRequest copy) {
            copied(fields, copy.copySource(), copy.destinationBucket(), copy.destinationKey());
        }
        // Glue's table calls name the table inside TableInput.
        request.getValueForField("DatabaseName", String.class).ifPresent(db -> fields.put("GlueDatabase", db));
        request.getValueForField("TableInput", software.amazon.awssdk.services.glue.model.TableInput.class)
                .ifPresent(t -> fields.put("GlueTable", t.name()));
        request.getValueForField("DatabaseInput", software.amazon.awssdk.services.glue.model.DatabaseInput.class)
                .ifPresent(d -> fields.put("GlueDatabase", d.name()));
        // DeleteObjects names its keys in its body: each is a resource the call acts on.
        request.getValueForField("Delete", software.amazon.awssdk.services.s3.model.Delete.class)
                .ifPresent(d -> fields.put(
                        "Keys",
                        String.join(
                                "\n",
                                d.objects().stream()
                                        .map(software.amazon.awssdk.services.s3.model.ObjectIdentifier::key)
                                        .toList())));
        Map<String, String> encryption = new java.util.TreeMap<>();
        context.httpRequest().headers().forEach((name, values) -> {
            if (name.toLowerCase(java.util.Locale.ROOT).startsWith("x-amz-server-side-encryption")) {
                encryption.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
            }
        });
        CALLS.add(new Call(
                attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME),
                attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                accessKey,
                fields,
                encryption));
    }

    /** A copy's source and destination; by now the SDK has folded the source into x-amz-copy-source, URL-encoded. */
    private static void copied(Map<String, String> fields, String copySource, String bucket, String key) {
        String source =
                java.net.URLDecoder.decode(copySource.replaceAll("\\?.*", ""), java.nio.charset.StandardCharsets.UTF_8);
        fields.put("SourceBucket", source.substring(0, source.indexOf('/')));
        fields.put("SourceKey", source.substring(source.indexOf('/') + 1));
        fields.put("DestinationBucket", bucket);
        fields.put("DestinationKey", key);
    }
}
