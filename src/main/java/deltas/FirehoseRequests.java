package deltas;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchRequest;
import software.amazon.awssdk.services.firehose.model.Record;

/**
 * PutRecordBatch requests whose body is written here rather than by the AWS SDK: the JSON the SDK writes for the same
 * records ({@code {"DeliveryStreamName":…,"Records":[{"Data":"<base64>"},…]}}), with the records' bytes encoded by
 * the JDK's base64 straight into the body. The SDK's JSON writer encoded them a few bytes at a time into a chunked
 * buffer and copied them again, about a tenth of a replica's CPU (README, "Benchmarks"). The rest of the call stays
 * the SDK's: the request it is handed holds empty records in the same order (so its answer maps to them by position),
 * and a request-scoped interceptor (a per-request plugin, so any client works) puts the real body in before the request
 * is signed and sent.
 */
public final class FirehoseRequests {
    private static final ExecutionAttribute<Body> BODY = new ExecutionAttribute<>("dynamolake.deltas.firehoseBody");
    private static final ExecutionInterceptor INTERCEPTOR = new Interceptor();
    private static final SdkPlugin PLUGIN =
            config -> config.overrideConfiguration(config.overrideConfiguration().toBuilder()
                    .addExecutionInterceptor(INTERCEPTOR)
                    .build());
    private static final SdkBytes EMPTY = SdkBytes.fromByteArrayUnsafe(new byte[0]);
    private static final Record PLACEHOLDER = Record.builder().data(EMPTY).build();

    private FirehoseRequests() {}

    /**
     * A request's body, and whether the interceptor put it in. When it did not (a client that does not run
     * per-request plugins, or one that rebuilds requests), the call sent the empty records: nothing of the batch
     * landed, and it must go again as the SDK's own request ({@link #plain}).
     */
    public static final class Body {
        private final byte[] bytes;
        private volatile boolean written;

        private Body(byte[] bytes) {
            this.bytes = bytes;
        }

        public boolean written() {
            return written;
        }
    }

    /** A request, and its body to check after the call. */
    public record Prepared(PutRecordBatchRequest request, Body body) {}

    /** The request that sends these records to the delivery stream, with its body written here. */
    public static Prepared putRecordBatch(String deliveryStream, List<Record> records) {
        Body body = new Body(body(deliveryStream, records));
        List<Record> placeholders = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            placeholders.add(PLACEHOLDER);
        }
        PutRecordBatchRequest request = PutRecordBatchRequest.builder()
                .deliveryStreamName(deliveryStream)
                .records(placeholders)
                .overrideConfiguration(o -> o.putExecutionAttribute(BODY, body).addPlugin(PLUGIN))
                .build();
        return new Prepared(request, body);
    }

    /** The SDK's own request for the records, its body written by the SDK. */
    public static PutRecordBatchRequest plain(String deliveryStream, List<Record> records) {
        return PutRecordBatchRequest.builder()
                .deliveryStreamName(deliveryStream)
                .records(records)
                .build();
    }

    /** The body the SDK would write for the request, in one pass. */
    static byte[] body(String deliveryStream, List<Record> records) {
        int size = 64 + deliveryStream.length() * 6;
        for (Record r : records) {
            size += 12 + (r.data().asByteArrayUnsafe().length + 2) / 3 * 4;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.writeBytes(ascii("{\"DeliveryStreamName\":\""));
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(deliveryStream));
        out.writeBytes(ascii("\",\"Records\":["));
        Base64.Encoder base64 = Base64.getEncoder();
        for (int i = 0; i < records.size(); i++) {
            out.writeBytes(ascii(i == 0 ? "{\"Data\":\"" : ",{\"Data\":\""));
            out.writeBytes(base64.encode(records.get(i).data().asByteArrayUnsafe()));
            out.writeBytes(ascii("\"}"));
        }
        out.writeBytes(ascii("]}"));
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static final class Interceptor implements ExecutionInterceptor {
        @Override
        public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            Body body = attributes.getAttribute(BODY);
            if (body == null) {
                return context.httpRequest();
            }
            return context.httpRequest().toBuilder()
                    .putHeader("Content-Length", Integer.toString(body.bytes.length))
                    .build();
        }

        @Override
        public Optional<RequestBody> modifyHttpContent(
                Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            Body body = attributes.getAttribute(BODY);
            if (body == null) {
                return context.requestBody();
            }
            body.written = true;
            return Optional.of(RequestBody.fromContentProvider(
                    ContentStreamProvider.fromByteArrayUnsafe(body.bytes),
                    body.bytes.length,
                    "application/x-amz-json-1.1"));
        }
    }
}
