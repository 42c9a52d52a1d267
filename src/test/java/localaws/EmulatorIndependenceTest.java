package localaws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The emulator is an oracle for the application only while it shares none of its code: a DynamoDB JSON bug in both
 * would otherwise cancel out in every test instead of showing (issue 13).
 */
class EmulatorIndependenceTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);

    @Test
    void noEmulatorClassImportsAnApplicationPackage() {
        Set<String> application = applicationPackages();
        assertThat(application).as("the application's top-level packages").contains("item", "routes");
        List<String> offending = new ArrayList<>();
        for (Path source : emulatorSources()) {
            Matcher m = IMPORT.matcher(read(source));
            while (m.find()) {
                String imported = m.group(1);
                if (application.contains(imported.substring(0, imported.indexOf('.')))) {
                    offending.add(SOURCES.relativize(source) + " imports " + imported);
                }
            }
        }
        assertThat(offending).isEmpty();
    }

    private static Set<String> applicationPackages() {
        try (Stream<Path> top = Files.list(SOURCES)) {
            return top.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("localaws"))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> emulatorSources() {
        try (Stream<Path> files = Files.walk(SOURCES.resolve("localaws"))) {
            List<Path> sources =
                    files.filter(p -> p.toString().endsWith(".java")).toList();
            assertThat(sources).as("the emulator's sources").isNotEmpty();
            return sources;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
