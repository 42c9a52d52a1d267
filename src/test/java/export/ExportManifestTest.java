package export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import testsupport.LocalStackExtension;

/** Manifests as AWS writes them, read from S3 (S3Proxy) and checked against their checksum files. */
class ExportManifestTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String BUCKET = "exports";
    private static final String ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01700000000000-abcd";

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket(BUCKET));
    }

    private static void put(String key, String content) {
        aws.s3().putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(content));
    }

    private static String md5(String content) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("MD5").digest(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes an export's manifests under {@code dir}; returns the summary's key. */
    private static String export(String dir, String suffix, long summaryItems, boolean goodFilesChecksum)
            throws Exception {
        String files = "{\"itemCount\":2,\"md5Checksum\":\"aaa==\",\"etag\":\"e1\",\"dataFileS3Key\":\"" + dir
                + "data/one.json.gz\"}\n"
                + "{\"itemCount\":3,\"md5Checksum\":\"bbb==\",\"etag\":\"e2\",\"dataFileS3Key\":\"" + dir
                + "data/two.json.gz\"}\n";
        String summary = "{\"version\":\"2020-06-30\",\"exportArn\":\"" + ARN + "\",\"startTime\":"
                + "\"2026-11-26T08:00:00Z\",\"endTime\":\"2026-11-26T08:05:00Z\",\"exportTime\":"
                + "\"2026-11-26T07:59:59Z\",\"s3Bucket\":\"" + BUCKET + "\",\"manifestFilesS3Key\":\"" + dir
                + "manifest-files.json\",\"itemCount\":" + summaryItems + ",\"outputFormat\":\"DYNAMODB_JSON\"}";
        put(dir + "manifest-files.json", files);
        put(dir + "manifest-files" + suffix, goodFilesChecksum ? md5(files) : md5("something else"));
        put(dir + "manifest-summary.json", summary);
        put(dir + "manifest-summary" + suffix, md5(summary));
        return dir + "manifest-summary.json";
    }

    @Test
    void readsTheFilesOfAnExportCheckedAgainstMd5Files() throws Exception {
        ExportManifest m = ExportManifest.read(aws.s3(), BUCKET, export("a/", ".md5", 5, true));
        assertThat(m.exportArn()).isEqualTo(ARN);
        assertThat(ExportManifest.exportId(m.exportArn())).isEqualTo("01700000000000-abcd");
        assertThat(m.incremental()).isFalse();
        assertThat(m.exportTime()).hasToString("2026-11-26T07:59:59Z");
        assertThat(m.itemCount()).isEqualTo(5);
        assertThat(m.files())
                .containsExactly(
                        new ExportManifest.DataFile("a/data/one.json.gz", 2, "aaa=="),
                        new ExportManifest.DataFile("a/data/two.json.gz", 3, "bbb=="));
    }

    @Test
    void acceptsChecksumFilesNamedDotChecksum() throws Exception {
        assertThat(ExportManifest.read(aws.s3(), BUCKET, export("b/", ".checksum", 5, true))
                        .files())
                .hasSize(2);
    }

    @Test
    void aManifestThatDoesNotMatchItsChecksumIsRefused() throws Exception {
        String key = export("c/", ".md5", 5, false);
        assertThatThrownBy(() -> ExportManifest.read(aws.s3(), BUCKET, key))
                .isInstanceOf(ExportManifest.InvalidManifestException.class)
                .hasMessageContaining("s3://exports/c/manifest-files.json does not match its checksum");
    }

    @Test
    void countsThatDisagreeAreRefused() throws Exception {
        String key = export("d/", ".md5", 6, true);
        assertThatThrownBy(() -> ExportManifest.read(aws.s3(), BUCKET, key))
                .hasMessageContaining("lists 5 items; manifest-summary.json says 6");
    }

    @Test
    void aManifestWithoutChecksumFileIsRefused() throws Exception {
        String key = export("e/", ".md5", 5, true);
        aws.s3().deleteObject(b -> b.bucket(BUCKET).key("e/manifest-summary.md5"));
        assertThatThrownBy(() -> ExportManifest.read(aws.s3(), BUCKET, key)).hasMessageContaining("no checksum file");
    }
}
