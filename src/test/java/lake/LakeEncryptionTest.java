package lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import testsupport.LocalStackExtension;

/** The lake's encryption on the wire: the headers every write sends to S3 (S3Proxy), read as they leave the SDK. */
class LakeEncryptionTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String BUCKET = "encrypted";
    private static final String KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    /** What one request carried: its operation and its server-side encryption headers. */
    private record Sent(String operation, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }
    }

    private static final List<Sent> SENT = new CopyOnWriteArrayList<>();

    private static final ExecutionInterceptor RECORDER = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            SENT.add(new Sent(
                    attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                    context.httpRequest().headers()));
        }
    };

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket(BUCKET));
    }

    private static S3Client client(LakeEncryption encryption) {
        return S3Client.builder()
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(
                        () -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("local", "local"))
                .endpointOverride(aws.stack().s3Endpoint())
                .forcePathStyle(true)
                .requestChecksumCalculation(
                        software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                // The lake's interceptor first, as AwsClients adds it; the recorder sees the request as sent.
                .overrideConfiguration(
                        c -> c.addExecutionInterceptor(encryption).addExecutionInterceptor(RECORDER))
                .build();
    }

    private static List<Sent> writes(Runnable calls) {
        SENT.clear();
        calls.run();
        return SENT.stream()
                .filter(s -> List.of("PutObject", "CreateMultipartUpload", "CopyObject")
                        .contains(s.operation()))
                .toList();
    }

    @Test
    void everyWriteCarriesKmsEncryptionWithTheKey() {
        S3Client s3 = client(LakeEncryption.of("aws:kms", KEY_ARN));
        List<Sent> writes = writes(() -> {
            s3.putObject(b -> b.bucket(BUCKET).key("a.json"), RequestBody.fromString("{}"));
            s3.copyObject(b -> b.sourceBucket(BUCKET)
                    .sourceKey("a.json")
                    .destinationBucket(BUCKET)
                    .destinationKey("b.json"));
            String upload = s3.createMultipartUpload(b -> b.bucket(BUCKET).key("big.parquet"))
                    .uploadId();
            String etag = s3.uploadPart(
                            b -> b.bucket(BUCKET)
                                    .key("big.parquet")
                                    .uploadId(upload)
                                    .partNumber(1),
                            RequestBody.fromBytes(new byte[1024]))
                    .eTag();
            s3.completeMultipartUpload(b -> b.bucket(BUCKET)
                    .key("big.parquet")
                    .uploadId(upload)
                    .multipartUpload(m -> m.parts(
                            CompletedPart.builder().partNumber(1).eTag(etag).build())));
        });
        assertThat(writes)
                .extracting(Sent::operation)
                .containsExactly("PutObject", "CopyObject", "CreateMultipartUpload");
        assertThat(writes).allSatisfy(w -> {
            assertThat(w.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
            assertThat(w.header("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo(KEY_ARN);
        });
        for (String key : List.of("a.json", "b.json", "big.parquet")) {
            var head = aws.s3().headObject(b -> b.bucket(BUCKET).key(key));
            assertThat(head.serverSideEncryption()).as(key + " as stored").isEqualTo(ServerSideEncryption.AWS_KMS);
            assertThat(head.ssekmsKeyId()).isEqualTo(KEY_ARN);
        }
    }

    @Test
    void aes256NeedsNoKey() {
        S3Client s3 = client(LakeEncryption.of("AES256", ""));
        List<Sent> writes =
                writes(() -> s3.putObject(b -> b.bucket(BUCKET).key("c.json"), RequestBody.fromString("{}")));
        assertThat(writes).singleElement().satisfies(w -> {
            assertThat(w.header("x-amz-server-side-encryption")).isEqualTo("AES256");
            assertThat(w.header("x-amz-server-side-encryption-aws-kms-key-id")).isNull();
        });
    }

    @Test
    void aRequestNamingItsOwnEncryptionKeepsIt() {
        S3Client s3 = client(LakeEncryption.of("aws:kms", KEY_ARN));
        List<Sent> writes = writes(() -> s3.putObject(
                b -> b.bucket(BUCKET).key("d.json").serverSideEncryption(ServerSideEncryption.AES256),
                RequestBody.fromString("{}")));
        assertThat(writes)
                .singleElement()
                .satisfies(w ->
                        assertThat(w.header("x-amz-server-side-encryption")).isEqualTo("AES256"));
    }

    @Test
    void noneAddsNothingAndBadSettingsAreRefusedByName() {
        S3Client s3 = client(LakeEncryption.of("none", null));
        List<Sent> writes =
                writes(() -> s3.putObject(b -> b.bucket(BUCKET).key("e.json"), RequestBody.fromString("{}")));
        assertThat(writes)
                .singleElement()
                .satisfies(w ->
                        assertThat(w.header("x-amz-server-side-encryption")).isNull());
        assertThatThrownBy(() -> LakeEncryption.of("aws:kms:dsse", null)).hasMessageContaining("lake.sse");
        assertThatThrownBy(() -> LakeEncryption.of("AES256", KEY_ARN)).hasMessageContaining("lake.sse-kms-key-id");
    }
}
