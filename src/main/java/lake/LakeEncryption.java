package lake;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The server-side encryption every object the application writes carries ({@code lake.sse}, {@code
 * lake.sse-kms-key-id}), so that a bucket policy denying unencrypted PUTs holds. It sits on the lake's S3 client as an
 * SDK interceptor, beneath every writer: PutObject, CreateMultipartUpload (the upload's parts inherit it) and
 * CopyObject (a copy is encrypted anew) get {@code x-amz-server-side-encryption} and, for aws:kms with a key, {@code
 * x-amz-server-side-encryption-aws-kms-key-id}. A request that names its own encryption keeps it.
 *
 * <pre>{@code
 * S3Client s3 = S3Client.builder()
 *         .overrideConfiguration(c -> c.addExecutionInterceptor(LakeEncryption.of("aws:kms", keyArn)))
 *         .build();
 * }</pre>
 *
 * @param algorithm AES256 or aws:kms; null writes objects as the bucket's default encryption has them
 * @param kmsKeyId the KMS key for aws:kms, or null for the account's aws/s3 key
 */
public record LakeEncryption(ServerSideEncryption algorithm, String kmsKeyId) implements ExecutionInterceptor {
    /** No encryption of the application's own: the bucket's default applies. */
    public static final LakeEncryption NONE = new LakeEncryption(null, null);

    public LakeEncryption {
        if (kmsKeyId != null && algorithm != ServerSideEncryption.AWS_KMS) {
            throw new IllegalArgumentException("lake.sse-kms-key-id: a KMS key needs lake.sse=aws:kms, was "
                    + (algorithm == null ? "none" : algorithm));
        }
    }

    /**
     * From the property values: {@code none}, {@code AES256} or {@code aws:kms}, and a key id (empty or null: none).
     *
     * @throws IllegalArgumentException for another algorithm, or a key without aws:kms
     */
    public static LakeEncryption of(String algorithm, String kmsKeyId) {
        String key = kmsKeyId == null || kmsKeyId.isBlank() ? null : kmsKeyId.trim();
        if (algorithm == null || algorithm.isBlank() || algorithm.equalsIgnoreCase("none")) {
            return new LakeEncryption(null, key);
        }
        for (ServerSideEncryption sse :
                new ServerSideEncryption[] {ServerSideEncryption.AES256, ServerSideEncryption.AWS_KMS}) {
            if (sse.toString().equalsIgnoreCase(algorithm.trim())) {
                return new LakeEncryption(sse, key);
            }
        }
        throw new IllegalArgumentException("lake.sse: expected none, AES256 or aws:kms, was '" + algorithm + "'");
    }

    public boolean enabled() {
        return algorithm != null;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        if (!enabled()) {
            return request;
        }
        if (request instanceof PutObjectRequest put && put.serverSideEncryption() == null) {
            return put.toBuilder()
                    .serverSideEncryption(algorithm)
                    .ssekmsKeyId(kmsKeyId)
                    .build();
        }
        if (request instanceof CreateMultipartUploadRequest upload && upload.serverSideEncryption() == null) {
            return upload.toBuilder()
                    .serverSideEncryption(algorithm)
                    .ssekmsKeyId(kmsKeyId)
                    .build();
        }
        if (request instanceof CopyObjectRequest copy && copy.serverSideEncryption() == null) {
            return copy.toBuilder()
                    .serverSideEncryption(algorithm)
                    .ssekmsKeyId(kmsKeyId)
                    .build();
        }
        return request;
    }

    @Override
    public String toString() {
        return !enabled() ? "none" : algorithm + (kmsKeyId == null ? "" : " with key " + kmsKeyId);
    }
}
