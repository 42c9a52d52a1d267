package testsupport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Reads what landed in a local lake folder, as a user would open it. */
public final class Lake {
    public static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Path root;

    /** The table's folder: {@code <data dir>/<lake bucket>/<lake prefix>}. */
    public Lake(Path root) {
        this.root = root;
    }

    /** Every delta envelope under {@code deltas/} and {@code deltas-overflow/}, file by file. */
    public List<JsonNode> envelopes() {
        List<JsonNode> out = new ArrayList<>();
        for (Path file : files("deltas")) {
            out.addAll(lines(file));
        }
        for (Path file : files("deltas-overflow")) {
            out.addAll(lines(file));
        }
        return out;
    }

    /** The files under a folder of the table, in name order; none when it does not exist. */
    public List<Path> files(String folder) {
        Path dir = root.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON lines of one object (gzip when its name ends with .gz). */
    public static List<JsonNode> lines(Path file) {
        try (InputStream in = file.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(file))
                : Files.newInputStream(file)) {
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
