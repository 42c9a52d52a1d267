package testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Apache Spark with Apache Iceberg's runtime, in a JVM of its own, reading the lake's Iceberg tables from the local
 * stack's Glue catalog as the catalog {@code lake}, set up as README's Spark example sets it up. Spark brings its own
 * Jackson, Parquet and Hadoop, so it runs on a classpath of its own, which the build resolves from {@code
 * src/test/spark/pom.xml} into {@code target/spark/classpath.txt}; the program is {@code src/test/spark/SparkSql.java},
 * run from source.
 */
public final class SparkSql {
    private static final Path CLASSPATH = Path.of("target", "spark", "classpath.txt");
    private static final Path PROGRAM = Path.of("src", "test", "spark", "SparkSql.java");

    /** What Spark's own launcher opens of the JDK's modules for it on Java 17. */
    private static final List<String> OPENS = List.of(
            "java.lang",
            "java.lang.invoke",
            "java.lang.reflect",
            "java.io",
            "java.net",
            "java.nio",
            "java.util",
            "java.util.concurrent",
            "java.util.concurrent.atomic",
            "jdk.internal.ref",
            "sun.nio.ch",
            "sun.nio.cs",
            "sun.security.action",
            "sun.util.calendar");

    private SparkSql() {}

    /**
     * Runs the statements one after the other in one Spark session and returns each one's rows, each row a JSON object
     * of its columns.
     *
     * @param glue the emulator's endpoint (Glue)
     * @param s3 the stack's S3 endpoint
     */
    public static List<List<JsonNode>> run(URI glue, URI s3, Path dir, String... statements)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(CLASSPATH)) {
            throw new IllegalStateException("Spark's classpath is not resolved in " + CLASSPATH
                    + ": run the tests through Maven (./mvnw verify), which resolves it");
        }
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        for (String open : OPENS) {
            command.add("--add-opens=java.base/" + open + "=ALL-UNNAMED");
        }
        command.addAll(List.of(
                "-Djdk.reflect.useDirectMethodHandle=false",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-Dspark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog",
                "-Dspark.sql.catalog.lake.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
                "-Dspark.sql.catalog.lake.glue.endpoint=" + glue,
                "-Dspark.sql.catalog.lake.s3.endpoint=" + s3,
                "-Dspark.sql.catalog.lake.s3.path-style-access=true",
                "-Dspark.sql.session.timeZone=UTC",
                "-cp",
                Files.readString(CLASSPATH).strip(),
                PROGRAM.toAbsolutePath().toString()));
        command.addAll(List.of(statements));
        try (JavaProcess spark = JavaProcess.run(
                command,
                Files.createDirectories(dir),
                Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local"))) {
            int exit = spark.awaitExit(Duration.ofMinutes(5));
            List<String> lines = spark.lines();
            if (exit != 0) {
                throw new AssertionError("Spark exited with " + exit + ":\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
            }
            List<List<JsonNode>> results = new ArrayList<>();
            List<JsonNode> rows = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("@@row ")) {
                    rows.add(Lake.JSON.readTree(line.substring("@@row ".length())));
                } else if (line.startsWith("@@end ")) {
                    results.add(rows);
                    rows = new ArrayList<>();
                }
            }
            if (results.size() != statements.length) {
                throw new AssertionError("Spark answered " + results.size() + " of " + statements.length
                        + " statements:\n" + String.join("\n", lines));
            }
            return results;
        }
    }
}
