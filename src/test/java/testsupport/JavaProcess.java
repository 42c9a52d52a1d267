package testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A JVM started from the test's own classpath, for tests that need a second process: the emulator that outlives the
 * application, or the application that gets killed with SIGKILL. Its output is kept line by line.
 */
public final class JavaProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private JavaProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "output-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java -cp <test classpath> <jvmArgs> mainClass args}. */
    public static JavaProcess start(String mainClass, List<String> jvmArgs, List<String> args, Path workDir)
            throws IOException {
        return start(mainClass, jvmArgs, args, workDir, java.util.Map.of());
    }

    /** The same, with more environment variables for the process. */
    public static JavaProcess start(
            String mainClass,
            List<String> jvmArgs,
            List<String> args,
            Path workDir,
            java.util.Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        // The application's own logging, not the tests' quieter one.
        command.add("-Dlog4j2.configurationFile=log4j2.properties");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(jvmArgs);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
        pb.environment().putAll(environment);
        return new JavaProcess(pb.start());
    }

    /** Starts any command (another Java, say), its output read as this class reads a Java process's. */
    public static JavaProcess run(List<String> command, Path workDir) throws IOException {
        return run(command, workDir, java.util.Map.of());
    }

    /** The same, with more environment variables for the process. */
    public static JavaProcess run(List<String> command, Path workDir, java.util.Map<String, String> environment)
            throws IOException {
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
        pb.environment().putAll(environment);
        return new JavaProcess(pb.start());
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Waits for a line matching the pattern and returns its match; fails with the output so far. */
    public Matcher awaitLine(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        try {
            return Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> find(pattern), m -> m != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no line matching " + regex + " within " + timeout + "; the output ends:\n"
                    + String.join("\n", tail()));
        }
    }

    private Matcher find(Pattern pattern) {
        if (!process.isAlive()
                && lines.stream().noneMatch(l -> pattern.matcher(l).find())) {
            throw new AssertionError("process exited with " + process.exitValue() + " before printing " + pattern
                    + ":\n" + String.join("\n", tail()));
        }
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m;
            }
        }
        return null;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    private List<String> tail() {
        List<String> all = List.copyOf(lines);
        return all.subList(Math.max(0, all.size() - 40), all.size());
    }

    /** SIGSTOP: the process freezes where it is (a long GC pause, a VM stalled), until {@link #resume}. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a paused process runs on from where it froze. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited with " + exit);
        }
    }

    /** SIGKILL: no shutdown hook runs, as when a node dies. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(5_000);
    }

    /** SIGTERM, then the exit code once the process has stopped. */
    public int stop(Duration timeout) throws InterruptedException {
        // Process.destroy() also closes our end of the output pipe, losing what the process logs while it stops.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not stop within " + timeout + ":\n" + String.join("\n", tail()));
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** The exit code once the process has ended by itself. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not end within " + timeout + ":\n" + String.join("\n", tail()));
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** CPU time the process has used so far. */
    public Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
