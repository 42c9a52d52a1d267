package export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import lake.DataFileReader;
import org.junit.jupiter.api.Test;

/** An incremental export's data lines become envelope lines as they stream by, one for one, in the file's order. */
class ChangeEnvelopesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String INSERT = "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1764662400000002\"}},"
            + "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}}";
    private static final String UPDATE = "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1764662400000001\"}},"
            + "\"Keys\":{\"pk\":{\"S\":\"b\"}},\"OldImage\":{\"pk\":{\"S\":\"b\"}},"
            + "\"NewImage\":{\"pk\":{\"S\":\"b\"},\"v\":{\"S\":\"x\"}}}";
    private static final String DELETE = "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1764662400000003\"}},"
            + "\"Keys\":{\"pk\":{\"S\":\"c\"}}}";

    private record Written(List<String> lines, List<JsonNode> envelopes, List<Long> badLines, long changes) {}

    private static Written write(String... lines) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> bad = new ArrayList<>();
        ChangeEnvelopes envelopes =
                new ChangeEnvelopes(out, "orders", "0179-ab", 4, (buf, off, len, line, reason) -> bad.add(line));
        DataFileReader.read(
                new ByteArrayInputStream(String.join("\n", lines).getBytes(StandardCharsets.UTF_8)),
                false,
                envelopes::line);
        envelopes.finish();
        List<String> text = List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
        List<JsonNode> parsed = new ArrayList<>();
        for (String line : text) {
            parsed.add(JSON.readTree(line));
        }
        return new Written(text, parsed, bad, envelopes.changes());
    }

    @Test
    void eachChangeBecomesOneEnvelopeInTheFilesOrder() throws Exception {
        Written w = write(INSERT, UPDATE, DELETE);
        assertThat(w.changes()).isEqualTo(3);
        assertThat(w.envelopes())
                .extracting(e -> e.path("action").asText())
                .as("not sorted by write time: views order a key's changes by sequence number")
                .containsExactly("INSERT", "MODIFY", "REMOVE");
        JsonNode insert = w.envelopes().get(0);
        assertThat(insert.path("sequenceNumber").asText()).isEqualTo("1764662400000002");
        assertThat(w.lines().get(0))
                .as("the number's text as exported")
                .contains("\"object\":{\"pk\":\"a\",\"n\":1.50}");
        assertThat(insert.path("eventId").asText()).isEqualTo("export:0179-ab:4:1");
        assertThat(insert.path("shardId").asText()).isEqualTo("export:0179-ab");
        assertThat(insert.path("approximateCreationDateTime").asText()).isEqualTo("2025-12-02T08:00:00.000002Z");
        assertThat(insert.has("keysOnly")).isFalse();
        assertThat(w.envelopes().get(2).path("keysOnly").asBoolean())
                .as("a delete without its old image holds only the keys")
                .isTrue();
    }

    @Test
    void aLineThatIsNotAChangeGoesToTheBadLinesWithItsNumber() throws Exception {
        Written w = write(INSERT, "{\"Item\":{}}", DELETE);
        assertThat(w.badLines()).containsExactly(2L);
        assertThat(w.envelopes()).hasSize(2);
        assertThat(w.envelopes().get(1).path("eventId").asText()).isEqualTo("export:0179-ab:4:3");
    }
}
