package localaws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dynamolake.AwsClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import testsupport.Ports;

/** Starting and stopping the whole local stack in this JVM. */
class LocalStackLifecycleTest {
    @Test
    void stopsWithoutLeavingThreadsOrPortsAndDeliversWhatFirehoseBuffered(@TempDir Path dir) throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        LocalStack stack = LocalStack.start(LocalStackSettings.onFreePorts(dir));
        List<Integer> ports = List.of(
                stack.emulatorEndpoint().getPort(),
                stack.s3Endpoint().getPort(),
                stack.sqsEndpoint().getPort());
        AwsClients clients =
                AwsClients.local(stack.emulatorEndpoint(), stack.s3Endpoint(), stack.sqsEndpoint(), "us-east-1");
        try (var s3 = clients.s3();
                var firehose = clients.firehose();
                var sqs = clients.sqs()) {
            s3.createBucket(b -> b.bucket("lake"));
            sqs.createQueue(b -> b.queueName("q"));
            firehose.createDeliveryStream(b -> b.deliveryStreamName("slow")
                    .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::lake")
                            .roleARN("arn:aws:iam::000000000000:role/r")
                            .prefix("deltas/")
                            .bufferingHints(h -> h.intervalInSeconds(900).sizeInMBs(128))));
            firehose.putRecord(b -> b.deliveryStreamName("slow")
                    .record(r -> r.data(SdkBytes.fromUtf8String("accepted before the stop\n"))));
        }
        stack.close();

        assertThat(ports)
                .allSatisfy(p ->
                        assertThat(Ports.isFree(p)).as("port %d is free", p).isTrue());
        try (Stream<Path> files = Files.walk(dir.resolve("lake/deltas"))) {
            Path delivered = files.filter(Files::isRegularFile).findFirst().orElseThrow();
            assertThat(Files.readString(delivered, StandardCharsets.UTF_8))
                    .as("a clean stop delivers the buffer")
                    .isEqualTo("accepted before the stop\n");
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(strays(before)).isEmpty());
    }

    /** Threads the stack started that are still alive, leaving out the JVM's and the AWS SDK's shared ones. */
    private static List<String> strays(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(n -> !n.startsWith("idle-connection-reaper")
                        && !n.startsWith("sdk-ScheduledExecutor")
                        && !n.startsWith("Common-Cleaner")
                        && !n.startsWith("ForkJoinPool.commonPool")
                        && !n.startsWith("process reaper")
                        && !n.startsWith("Attach Listener")
                        && !n.startsWith("awaitility"))
                .toList();
    }

    @Test
    void aTakenPortNamesTheServerThatNeedsIt(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            LocalStackSettings settings =
                    new LocalStackSettings("127.0.0.1", 0, taken.getLocalPort(), 0, dir, "us-east-1", s -> s);
            assertThatThrownBy(() -> LocalStack.start(settings))
                    .isInstanceOfSatisfying(LocalStack.PortInUseException.class, e -> {
                        assertThat(e.component()).isEqualTo(LocalStack.Component.S3);
                        assertThat(e.port()).isEqualTo(taken.getLocalPort());
                    })
                    .hasMessageContaining("already in use");
        }
    }

    @Test
    void readsItsSettingsFromLocalProperties() {
        LocalStackSettings s = LocalStackProperties.settings(key -> switch (key) {
            case "local.emulator.port" -> "1234";
            case "local.stream.rollover-records" -> "50";
            case "local.stream.iterator-ttl" -> "90s";
            case "local.export.items-per-file" -> "7";
            default -> null;
        });
        LocalAwsSettings aws = s.emulator().apply(LocalAwsSettings.defaults(java.net.URI.create("http://x")));
        assertThat(s.emulatorPort()).isEqualTo(1234);
        assertThat(s.s3Port()).as("unset keys keep their default").isEqualTo(4567);
        assertThat(aws.streams().rolloverRecords()).isEqualTo(50);
        assertThat(aws.streams().iteratorTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(aws.exports().itemsPerFile()).isEqualTo(7);
    }

    @Test
    void aBadLocalPropertyIsAnErrorNamingTheKey() {
        assertThatThrownBy(() ->
                        LocalStackProperties.settings(key -> key.equals("local.stream.retention") ? "a day" : null))
                .hasMessage("local.stream.retention: expected a duration such as 500ms, 30s, 15m, 4h or PT15M,"
                        + " was 'a day'");
        assertThatThrownBy(() -> LocalStackProperties.settings(key -> key.equals("local.s3.port") ? "-1" : null))
                .hasMessage("local.s3.port: expected a whole number >= 0, was '-1'");
    }
}
