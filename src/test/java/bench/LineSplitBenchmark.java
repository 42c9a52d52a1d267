package bench;

import export.ExportLines;
import item.ItemFormatException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import lake.DataFileReader;
import lake.SchemaDiscovery;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * The shape of an export step's line loop: the step's own loop over the data file's lines (what the DISCOVER, CONVERT
 * and DELTAS steps do), against the same lines through a Camel streaming split, one exchange a line, each doing the
 * same work (the line read as an item and observed by the schema discovery). One thread each, on the same files,
 * twice in turn, after a warm-up of both.
 *
 * <pre>
 * ./mvnw -q -Pbench test-compile exec:exec -Dbench.class=bench.LineSplitBenchmark -Dbench.records=500000
 * </pre>
 */
public final class LineSplitBenchmark {
    public static void main(String[] args) throws Exception {
        long items = args.length > 0 ? Long.parseLong(args[0]) : 500_000;
        SnapshotBenchmark.Export export =
                SnapshotBenchmark.read(SnapshotBenchmark.generate(Path.of("target", "bench-split", "export"), items));
        try (CamelContext camel = new DefaultCamelContext()) {
            // As in the route ddb-export-to-lake: a data file is never cached whole.
            camel.setStreamCaching(false);
            SchemaDiscovery[] target = {null};
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:file").split(body().tokenize("\n")).streaming().process(e -> {
                        byte[] line = e.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8);
                        try {
                            target[0].observe(ExportLines.item(line, 0, line.length));
                        } catch (ItemFormatException ignored) {
                            // a bad line: dead-lettered by the application
                        }
                    });
                }
            });
            camel.start();
            ProducerTemplate producer = camel.createProducerTemplate();
            Shape loop = file -> {
                SchemaDiscovery d = new SchemaDiscovery();
                try (InputStream in = Files.newInputStream(file)) {
                    DataFileReader.read(in, (buf, off, len, line) -> {
                        try {
                            d.observe(ExportLines.item(buf, off, len));
                        } catch (ItemFormatException ignored) {
                            // a bad line: dead-lettered by the application
                        }
                    });
                }
                return d.items();
            };
            Shape split = file -> {
                target[0] = new SchemaDiscovery();
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
                    producer.sendBody("direct:file", in);
                }
                return target[0].items();
            };
            Path first = export.files().get(0).path();
            for (int i = 0; i < 3; i++) {
                loop.run(first);
                split.run(first);
            }
            System.out.printf(
                    "%,d demo orders in %d data files; one thread each%n",
                    export.items(), export.files().size());
            for (int round = 1; round <= 2; round++) {
                double a = rate(loop, export);
                double b = rate(split, export);
                System.out.printf(
                        "round %d: the step's own loop %,.0f lines/s; Camel streaming split %,.0f lines/s: the split"
                                + " takes %.2fx the loop's time%n",
                        round, a, b, a / b);
            }
        }
    }

    private interface Shape {
        long run(Path file) throws Exception;
    }

    private static double rate(Shape shape, SnapshotBenchmark.Export export) throws Exception {
        AtomicLong lines = new AtomicLong();
        long t0 = System.nanoTime();
        for (SnapshotBenchmark.DataFile f : export.files()) {
            lines.addAndGet(shape.run(f.path()));
        }
        if (lines.get() != export.items()) {
            throw new IllegalStateException("read " + lines + " items of " + export.items());
        }
        return lines.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
