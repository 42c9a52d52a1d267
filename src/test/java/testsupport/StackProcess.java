package testsupport;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/** The local stack in a process of its own ({@code localaws.LocalStackMain}) on free ports, and its endpoints. */
public record StackProcess(JavaProcess process, URI emulator, URI s3, URI sqs) implements AutoCloseable {

    /** Starts the stack with its buckets under {@code dir/data}; {@code options} are more {@code --local.*=...}. */
    public static StackProcess start(Path dir, List<String> jvmArgs, String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--local.emulator.port=0",
                "--local.s3.port=0",
                "--local.sqs.port=0",
                "--local.data-dir=" + dir.resolve("data")));
        args.addAll(List.of(options));
        JavaProcess process = JavaProcess.start("localaws.LocalStackMain", jvmArgs, args, dir);
        Matcher ready =
                process.awaitLine("LOCAL STACK READY emulator=(\\S+) s3=(\\S+) sqs=(\\S+)", Duration.ofSeconds(60));
        return new StackProcess(
                process, URI.create(ready.group(1)), URI.create(ready.group(2)), URI.create(ready.group(3)));
    }

    /** The system properties that point the application at this stack instead of starting one. */
    public List<String> applicationProperties(Path dir) {
        return List.of(
                "-Dlocal.stack.embedded=false",
                "-Dlocal.emulator.port=" + emulator.getPort(),
                "-Dlocal.s3.port=" + s3.getPort(),
                "-Dlocal.sqs.port=" + sqs.getPort(),
                "-Dlocal.data-dir=" + dir.resolve("data"),
                // Several application processes run at once: each gets its own management port.
                "-Dcamel.management.port=" + Ports.free());
    }

    /**
     * {@link #applicationProperties(Path)}, for {@code table}: the demo off, and the table's own lake prefix,
     * delivery stream and export prefix, as {@link Apps#against} lays them out in the test's JVM.
     */
    public List<String> applicationProperties(Path dir, String table) {
        List<String> props = new ArrayList<>(applicationProperties(dir));
        props.addAll(List.of(
                "-Dlocal.demo.enabled=false",
                "-Dtable.name=" + table,
                "-Dlake.prefix=tables/" + table + "/",
                "-Dfirehose.delivery-stream=" + table + "-deltas",
                "-Dexport.prefix=exports/" + table + "/"));
        return props;
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
