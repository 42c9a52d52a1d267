package export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import item.ItemFormatException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ExportLinesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsAFullExportLineWithExactNumbers() {
        byte[] line = b("{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"12345678901234567890123456789012345678\"},"
                + "\"m\":{\"M\":{\"x\":{\"L\":[{\"N\":\"1E-130\"}]}}}}}");
        var item = ExportLines.item(line, 0, line.length);
        assertThat(item.get("pk")).isEqualTo(AttributeValue.fromS("a"));
        assertThat(item.get("n").n()).isEqualTo("12345678901234567890123456789012345678");
        assertThat(item.get("m").m().get("x").l().get(0).n()).isEqualTo("1E-130");
    }

    @Test
    void readsASliceOfABuffer() {
        byte[] buf = b("xx{\"Item\":{\"pk\":{\"S\":\"a\"}}}yy");
        assertThat(ExportLines.item(buf, 2, buf.length - 4)).containsKey("pk");
    }

    @Test
    void namesWhereAFullLineIsWrong() {
        assertThatThrownBy(() -> item("{\"Item\":{\"pk\":{\"S\":\"a\"},\"q\":{\"X\":\"1\"}}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("Item.q");
        assertThatThrownBy(() -> item("{\"Item\":{\"pk\":{\"S\":\"cut off"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> item("{\"Other\":{}}")).hasMessageStartingWith("Other");
        assertThatThrownBy(() -> item("{}")).hasMessageStartingWith("Item: missing");
        assertThatThrownBy(() -> item("[1]")).hasMessageContaining("one JSON object");
        assertThatThrownBy(() -> item("{\"Item\":{}} {}")).hasMessageContaining("after the end");
    }

    @Test
    void readsIncrementalLines() {
        var insert = change("{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1700000000123456\"}},"
                + "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}}");
        assertThat(insert.writeTimestampMicros()).isEqualTo(1700000000123456L);
        assertThat(insert.oldImage()).isNull();
        assertThat(insert.newImage()).containsKey("v");

        var delete = change("{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"5\"}},"
                + "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"OldImage\":{\"pk\":{\"S\":\"a\"}}}");
        assertThat(delete.newImage()).isNull();
        assertThat(delete.oldImage()).containsKey("pk");
    }

    @Test
    void namesWhereAnIncrementalLineIsWrong() {
        assertThatThrownBy(() -> change("{\"Keys\":{\"pk\":{\"S\":\"a\"}}}"))
                .hasMessageStartingWith("Metadata.WriteTimestampMicros: missing");
        assertThatThrownBy(() -> change(
                        "{\"Metadata\":{\"WriteTimestampMicros\":{\"S\":\"5\"}}," + "\"Keys\":{\"pk\":{\"S\":\"a\"}}}"))
                .hasMessageStartingWith("Metadata.WriteTimestampMicros");
        assertThatThrownBy(() -> change("{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"5\"}}}"))
                .hasMessageStartingWith("Keys: missing");
        assertThatThrownBy(() -> change("{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"5\"}},"
                        + "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"v\":{\"N\":\"x\"}}}"))
                .hasMessageStartingWith("NewImage.v");
    }

    private static Object item(String line) {
        byte[] bytes = b(line);
        return ExportLines.item(bytes, 0, bytes.length);
    }

    private static ExportLines.Change change(String line) {
        byte[] bytes = b(line);
        return ExportLines.change(bytes, 0, bytes.length);
    }
}
