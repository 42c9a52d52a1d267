package dynamolake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.util.StringHelper;
import org.junit.jupiter.api.Test;

/**
 * README's tables of settings are made from their declarations: the application's from {@link ConfigKeys} (with what
 * the profiles' files set differently), the stream component's from the catalogue Camel's component plugin generates
 * from its annotations ({@code META-INF/ddbstream/ddbstream.json}). A setting added, renamed or redescribed in its
 * declaration fails this test until README says the same; {@code -Dreadme.write=true} writes the tables into README.
 */
class SettingsTableTest {
    private static final Path README = Path.of("README.md");

    @Test
    void readmesTablesAreTheDeclarations() throws IOException {
        String readme = Files.readString(README);
        String written = replace(replace(readme, "settings", applicationTable()), "ddbstream-options", streamTable());
        if (Boolean.getBoolean("readme.write")) {
            Files.writeString(README, written);
        }
        assertThat(readme)
                .as("README's tables of settings differ from the declarations; write them with ./mvnw -o test"
                        + " -Dtest=SettingsTableTest -Dreadme.write=true")
                .isEqualTo(written);
    }

    @Test
    void theProfilesFilesSetOnlyDeclaredKeys() throws IOException {
        for (String profile : new String[] {"application", "application-local", "application-aws"}) {
            for (String key : load(profile).stringPropertyNames()) {
                if (ConfigKeys.isProjects(key)) {
                    assertThat(ConfigKeys.keys())
                            .as("%s.properties sets %s", profile, key)
                            .contains(key);
                }
            }
        }
    }

    @Test
    void everyDefaultFitsItsOwnRule() {
        for (ConfigKeys.Setting s : ConfigKeys.settings()) {
            if (!s.defaultValue().isEmpty() && !s.defaultValue().contains("{{")) {
                assertThat(s.rule().problem(s.defaultValue())).as(s.key()).isNull();
            }
        }
    }

    static String applicationTable() throws IOException {
        Properties local = load("application-local");
        Properties aws = load("application-aws");
        StringBuilder out = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigKeys.Setting s : ConfigKeys.settings()) {
            String value = shown(s.defaultValue());
            if (local.containsKey(s.key())) {
                value += " (local: " + shown(local.getProperty(s.key())) + ")";
            }
            if (aws.containsKey(s.key())) {
                value += " (aws: "
                        + (aws.getProperty(s.key()).isEmpty() ? "to be set" : shown(aws.getProperty(s.key()))) + ")";
            }
            out.append("| `").append(s.key()).append("` | ").append(value).append(" | ");
            out.append(s.description()).append(" |\n");
        }
        return out.toString();
    }

    static String streamTable() throws IOException {
        JsonNode catalogue;
        try (InputStream in = SettingsTableTest.class.getResourceAsStream("/META-INF/ddbstream/ddbstream.json")) {
            catalogue = new ObjectMapper().readTree(in);
        }
        StringBuilder out = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        Iterator<Map.Entry<String, JsonNode>> options =
                catalogue.path("componentProperties").fields();
        while (options.hasNext()) {
            Map.Entry<String, JsonNode> option = options.next();
            JsonNode o = option.getValue();
            if (!o.path("configurationField").asText().equals("configuration")) {
                continue; // Camel's own options of every component (bridgeErrorHandler, autowiredEnabled)
            }
            String key = "camel.component.ddbstream." + StringHelper.camelCaseToDash(option.getKey());
            String value = o.has("defaultValue") ? shown(o.path("defaultValue").asText()) : "none";
            if (o.path("autowired").asBoolean()) {
                value = "the registry's";
            }
            out.append("| `").append(key).append("` | ").append(value).append(" | ");
            out.append(o.path("description").asText()).append(" |\n");
        }
        return out.toString();
    }

    private static String shown(String value) {
        return value.isEmpty() ? "empty" : "`" + value + "`";
    }

    /** README with the block between {@code <!-- name -->} and {@code <!-- /name -->} replaced by {@code table}. */
    private static String replace(String readme, String name, String table) {
        String begin = "<!-- " + name + " -->\n";
        String end = "<!-- /" + name + " -->";
        int from = readme.indexOf(begin);
        int to = readme.indexOf(end);
        assertThat(from).as("README holds %s and %s", begin.strip(), end).isGreaterThanOrEqualTo(0);
        assertThat(to).as("README holds %s", end).isGreaterThan(from);
        return readme.substring(0, from + begin.length()) + table + readme.substring(to);
    }

    private static Properties load(String file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = SettingsTableTest.class.getResourceAsStream("/" + file + ".properties")) {
            p.load(in);
        }
        return p;
    }
}
