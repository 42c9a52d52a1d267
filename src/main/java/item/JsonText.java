package item;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Renders JSON text through a streaming generator, for the converters' {@code toJson} methods. */
final class JsonText {
    static final JsonFactory FACTORY = JsonFactory.builder().build();

    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private JsonText() {}

    static String render(Writer writer) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
