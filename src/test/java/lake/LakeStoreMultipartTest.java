package lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.LocalStackExtension;

/**
 * Large objects go up and are copied in parts, so no write depends on one request of more than S3's 5 GiB: here with
 * thresholds of 1 MiB and parts of 5 MiB (S3's smallest but the last), against S3Proxy.
 */
class LakeStoreMultipartTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final long MIB = 1L << 20;

    @TempDir
    static Path dir;

    private static LakeStore lake;
    private static Path file;

    @BeforeAll
    static void bucketAndFile() throws Exception {
        aws.s3().createBucket(b -> b.bucket("multipart"));
        lake = new LakeStore(aws.s3(), "multipart", MIB, MIB, 5 * MIB);
        byte[] bytes = new byte[(int) (12 * MIB + 12345)];
        new Random(7).nextBytes(bytes);
        file = Files.write(dir.resolve("part.parquet"), bytes);
    }

    @Test
    void aFileFromTheThresholdGoesUpInPartsWithItsMetadata() throws Exception {
        lake.putFile("big/part-00000.parquet", file, Map.of("changes", "42"));

        var head = aws.s3().headObject(b -> b.bucket("multipart").key("big/part-00000.parquet"));
        assertThat(head.eTag())
                .as("a multipart upload's ETag ends with its part count")
                .endsWith("-3\"");
        assertThat(head.metadata()).containsEntry("changes", "42");
        assertThat(md5(object("big/part-00000.parquet"))).isEqualTo(md5(Files.readAllBytes(file)));
    }

    @Test
    void anObjectOverTheCopyLimitIsCopiedInParts() throws Exception {
        lake.putFile("big/source.parquet", file, Map.of("changes", "7"));
        lake.copy("big/source.parquet", "big/copy.parquet");

        var head = aws.s3().headObject(b -> b.bucket("multipart").key("big/copy.parquet"));
        assertThat(head.eTag()).endsWith("-3\"");
        // (The user metadata goes with the new upload, as CopyObject would copy it; S3Proxy leaves it off an upload
        // completed from copied parts, so it is not checked here.)
        assertThat(md5(object("big/copy.parquet"))).isEqualTo(md5(Files.readAllBytes(file)));
    }

    @Test
    void aSmallFileIsOnePut() {
        Path small = dir.resolve("small");
        lake.putFile("small.json", writeSmall(small));
        assertThat(aws.s3()
                        .headObject(b -> b.bucket("multipart").key("small.json"))
                        .eTag())
                .doesNotContain("-");
    }

    private static Path writeSmall(Path path) {
        try {
            return Files.writeString(path, "{}");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] object(String key) {
        return aws.s3().getObjectAsBytes(b -> b.bucket("multipart").key(key)).asByteArray();
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
