package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.FirehoseException;
import software.amazon.awssdk.services.firehose.model.InvalidArgumentException;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponseEntry;
import software.amazon.awssdk.services.firehose.model.Record;
import software.amazon.awssdk.services.firehose.model.ResourceInUseException;
import software.amazon.awssdk.services.firehose.model.ResourceNotFoundException;
import software.amazon.awssdk.services.firehose.model.ServiceUnavailableException;
import software.amazon.awssdk.services.s3.model.S3Object;
import testsupport.LocalStackExtension;

/** Firehose with S3 destinations through the AWS SDK, reading the delivered objects from S3Proxy. */
class FirehoseConformanceTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String BUCKET = "firehose-lake";

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket(BUCKET));
    }

    private FirehoseClient firehose() {
        return aws.firehose();
    }

    private void create(String name, String prefix, int seconds, int megabytes, CompressionFormat compression) {
        firehose()
                .createDeliveryStream(b -> b.deliveryStreamName(name)
                        .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::" + BUCKET)
                                .roleARN("arn:aws:iam::000000000000:role/firehose")
                                .prefix(prefix)
                                .compressionFormat(compression)
                                .bufferingHints(
                                        h -> h.intervalInSeconds(seconds).sizeInMBs(megabytes))));
    }

    private static Record record(String text) {
        return Record.builder().data(SdkBytes.fromUtf8String(text)).build();
    }

    private List<S3Object> objects(String prefix) {
        List<S3Object> out = new ArrayList<>();
        aws.s3().listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                // S3Proxy lists an object being written under a temporary name; S3 never shows partial objects
                .filter(o -> !testsupport.Lake.isBeingWritten(o.key()))
                .forEach(out::add);
        return out;
    }

    private List<S3Object> awaitObjects(String prefix, int count) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> objects(prefix), o -> o.size() >= count);
    }

    private byte[] body(String key) {
        return aws.s3().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    @Test
    void createsDescribesListsAndDeletesDeliveryStreams() {
        create("fh-admin", "admin/", 60, 5, CompressionFormat.UNCOMPRESSED);
        var d = firehose()
                .describeDeliveryStream(b -> b.deliveryStreamName("fh-admin"))
                .deliveryStreamDescription();
        assertThat(d.deliveryStreamStatusAsString()).isEqualTo("ACTIVE");
        assertThat(d.deliveryStreamARN()).isEqualTo("arn:aws:firehose:us-east-1:000000000000:deliverystream/fh-admin");
        var dest = d.destinations().get(0).extendedS3DestinationDescription();
        assertThat(dest.bucketARN()).isEqualTo("arn:aws:s3:::" + BUCKET);
        assertThat(dest.prefix()).isEqualTo("admin/");
        assertThat(dest.bufferingHints().intervalInSeconds()).isEqualTo(60);
        assertThat(firehose().listDeliveryStreams(b -> b.limit(10)).deliveryStreamNames())
                .contains("fh-admin");
        assertThatThrownBy(() -> create("fh-admin", "x/", 60, 5, CompressionFormat.UNCOMPRESSED))
                .isInstanceOf(ResourceInUseException.class);
        firehose().deleteDeliveryStream(b -> b.deliveryStreamName("fh-admin"));
        assertThatThrownBy(() -> firehose().describeDeliveryStream(b -> b.deliveryStreamName("fh-admin")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void deliversRecordsAsSentUnderFirehoseObjectNames() {
        create("fh-plain", "plain/", 1, 5, CompressionFormat.UNCOMPRESSED);
        var out = firehose()
                .putRecordBatch(
                        b -> b.deliveryStreamName("fh-plain").records(record("a\n"), record("b\n"), record("c\n")));
        assertThat(out.failedPutCount()).isZero();
        assertThat(out.requestResponses())
                .hasSize(3)
                .allSatisfy(r -> assertThat(r.recordId()).isNotBlank());
        firehose().putRecord(b -> b.deliveryStreamName("fh-plain").record(record("d\n")));
        S3Object object = awaitObjects("plain/", 1).get(0);
        // Firehose developer guide: <prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>, UTC.
        assertThat(object.key())
                .matches("plain/\\d{4}/\\d{2}/\\d{2}/\\d{2}/fh-plain-1-"
                        + "\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f-]{36}");
        assertThat(object.key())
                .startsWith("plain/" + LocalDate.now(ZoneOffset.UTC).toString().replace('-', '/'));
        assertThat(new String(body(object.key()), StandardCharsets.UTF_8)).isEqualTo("a\nb\nc\nd\n");
    }

    @Test
    void compressesWithGzipWhenConfigured() throws Exception {
        create("fh-gzip", "gzip/", 1, 5, CompressionFormat.GZIP);
        firehose().putRecordBatch(b -> b.deliveryStreamName("fh-gzip").records(record("x\n"), record("y\n")));
        S3Object object = awaitObjects("gzip/", 1).get(0);
        assertThat(object.key()).endsWith(".gz");
        try (var in = new GZIPInputStream(new ByteArrayInputStream(body(object.key())))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("x\ny\n");
        }
    }

    @Test
    void deliversAsSoonAsTheSizeHintIsReached() {
        create("fh-size", "size/", 900, 1, CompressionFormat.UNCOMPRESSED);
        String chunk = "z".repeat(600 * 1024);
        firehose().putRecordBatch(b -> b.deliveryStreamName("fh-size").records(record(chunk)));
        firehose().putRecordBatch(b -> b.deliveryStreamName("fh-size").records(record(chunk)));
        assertThat(awaitObjects("size/", 1).get(0).size())
                .as("long before the 900 s interval")
                .isEqualTo(2L * 600 * 1024);
    }

    @Test
    void enforcesPutRecordBatchLimits() {
        create("fh-limits", "limits/", 60, 5, CompressionFormat.UNCOMPRESSED);
        List<Record> tooMany = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            tooMany.add(record("r"));
        }
        assertThatThrownBy(() -> firehose()
                        .putRecordBatch(b -> b.deliveryStreamName("fh-limits").records(tooMany)))
                .isInstanceOf(FirehoseException.class)
                .hasMessageContaining("500");
        assertThatThrownBy(() -> firehose()
                        .putRecordBatch(b ->
                                b.deliveryStreamName("fh-limits").records(record("r".repeat(1000 * 1024 + 1)))))
                .isInstanceOf(FirehoseException.class)
                .hasMessageContaining("1024000");
        List<Record> tooBig = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            tooBig.add(record("r".repeat(1000 * 1024)));
        }
        assertThatThrownBy(() -> firehose()
                        .putRecordBatch(b -> b.deliveryStreamName("fh-limits").records(tooBig)))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("4 MiB");
    }

    @Test
    void failedEntriesAreReportedPerRecordAndOnlyAcceptedOnesLand() {
        create("fh-partial", "partial/", 1, 5, CompressionFormat.UNCOMPRESSED);
        aws.stack().emulator().faults().failFirehoseEntries("fh-partial", 0.5, 1, 7);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(record(i + "\n"));
        }
        var out = firehose()
                .putRecordBatch(b -> b.deliveryStreamName("fh-partial").records(records));
        List<PutRecordBatchResponseEntry> entries = out.requestResponses();
        assertThat(out.failedPutCount()).isBetween(1, 19);
        StringBuilder accepted = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).errorCode() == null) {
                assertThat(entries.get(i).recordId()).isNotBlank();
                accepted.append(i).append('\n');
            } else {
                assertThat(entries.get(i).errorCode()).isEqualTo("ServiceUnavailableException");
                assertThat(entries.get(i).recordId()).isNull();
            }
        }
        assertThat(entries).filteredOn(e -> e.errorCode() != null).hasSize(out.failedPutCount());
        S3Object object = awaitObjects("partial/", 1).get(0);
        assertThat(new String(body(object.key()), StandardCharsets.UTF_8)).isEqualTo(accepted.toString());
        var next = firehose()
                .putRecordBatch(b -> b.deliveryStreamName("fh-partial").records(record("later\n")));
        assertThat(next.failedPutCount()).as("the fault was for one call").isZero();
    }

    @Test
    void throttledCallsAreRetriedByTheSdkOrSurfaceAsServiceUnavailable() {
        create("fh-throttle", "throttle/", 60, 5, CompressionFormat.UNCOMPRESSED);
        Faults faults = aws.stack().emulator().faults();
        faults.throttle("Firehose_20150804.PutRecordBatch", 1, null);
        assertThat(firehose()
                        .putRecordBatch(b -> b.deliveryStreamName("fh-throttle").records(record("a")))
                        .failedPutCount())
                .isZero();
        faults.throttle("Firehose_20150804.PutRecordBatch", 100, null);
        try {
            assertThatThrownBy(() -> firehose()
                            .putRecordBatch(
                                    b -> b.deliveryStreamName("fh-throttle").records(record("a"))))
                    .isInstanceOf(ServiceUnavailableException.class);
        } finally {
            faults.clear();
        }
    }

    @Test
    void aPrefixWithTimestampExpressionsReplacesTheHourFolders() {
        create("fh-custom", "custom/!{timestamp:yyyy}/", 1, 5, CompressionFormat.UNCOMPRESSED);
        firehose().putRecord(b -> b.deliveryStreamName("fh-custom").record(record("x")));
        S3Object object = awaitObjects("custom/", 1).get(0);
        assertThat(object.key()).matches("custom/\\d{4}/fh-custom-1-.*");
    }
}
