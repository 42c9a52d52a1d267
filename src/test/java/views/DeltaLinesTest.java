package views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import item.ItemFormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeltaLinesTest {
    private static final List<String> KEYS = List.of("pk", "sk");

    private static DeltaLines.Change parse(String line) {
        // The line sits inside a larger buffer, as the reader hands it over.
        byte[] buf = ("garbage before\n" + line + "\nafter").getBytes(StandardCharsets.UTF_8);
        int off = "garbage before\n".getBytes(StandardCharsets.UTF_8).length;
        return DeltaLines.parse(buf, off, line.getBytes(StandardCharsets.UTF_8).length, KEYS);
    }

    @Test
    void keepsTheNewImageAsTheExactBytesOfTheLine() {
        String object = "{\"pk\":\"é-1\",\"sk\":1.50,\"exact\":3.14159265358979323846264338327950288,"
                + "\"tiny\":1E-130,\"nested\":{\"a\":[0.10,true,null]}}";
        DeltaLines.Change c = parse("{\"action\":\"MODIFY\",\"sequenceNumber\":\"100000000000000000007\",\"object\":"
                + object + ",\"keys\":{\"sk\":1.5,\"pk\":\"é-1\"},\"approximateCreationDateTime\":"
                + "\"2026-11-26T08:00:01Z\",\"eventId\":\"e\"}");
        assertThat(new String(c.itemJson(), StandardCharsets.UTF_8)).isEqualTo(object);
        assertThat(c.attributes())
                .contains(new lake.SchemaDiscovery.Value(
                        "exact",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.Type.N,
                        "3.14159265358979323846264338327950288"));
        assertThat(c.action()).isEqualTo(DeltaLines.Action.MODIFY);
        assertThat(c.time()).hasToString("2026-11-26T08:00:01Z");
        // The key in key-schema order, the number as DynamoDB stores it: 1.50 and 1.5 are one key.
        assertThat(c.key()).isEqualTo("{\"pk\":\"é-1\",\"sk\":1.5}");
    }

    @Test
    void paddedSequenceNumbersSortAsNumbers() {
        String shorter = DeltaLines.padded("99999999999999999999");
        String longer = DeltaLines.padded("100000000000000000000");
        assertThat(shorter.compareTo(longer)).isNegative();
        assertThat("99999999999999999999".compareTo("100000000000000000000"))
                .as("as text they would not")
                .isPositive();
        assertThat(longer).hasSize(DeltaLines.SEQUENCE_WIDTH);
        assertThatThrownBy(() -> DeltaLines.padded("12a")).isInstanceOf(ItemFormatException.class);
    }

    @Test
    void aRemoveNeedsOnlyItsKeys() {
        DeltaLines.Change c =
                parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\",\"sk\":2}}");
        assertThat(c.attributes()).isNull();
        assertThat(c.itemJson()).isNull();
        assertThat(c.key()).isEqualTo("{\"pk\":\"a\",\"sk\":2}");
    }

    @Test
    void anUpdateHoldingOnlyTheKeysIsNothingToApplyButItsDeleteIs() {
        // From a stream without new images: replacing the item by its keys would lose every other attribute.
        assertThat(parse("{\"action\":\"MODIFY\",\"sequenceNumber\":\"5\",\"object\":{\"pk\":\"a\",\"sk\":2},"
                        + "\"keys\":{\"pk\":\"a\",\"sk\":2},\"keysOnly\":true}"))
                .isNull();
        DeltaLines.Change remove = parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"6\",\"object\":{\"pk\":\"a\","
                + "\"sk\":2},\"keys\":{\"pk\":\"a\",\"sk\":2},\"keysOnly\":true}");
        assertThat(remove.action()).isEqualTo(DeltaLines.Action.REMOVE);
        assertThat(remove.key()).isEqualTo("{\"pk\":\"a\",\"sk\":2}");
    }

    @Test
    void aLineThatIsNotADeltaSaysWhatIsWrong() {
        assertThatThrownBy(() ->
                        parse("{\"action\":\"INSERT\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\",\"sk\":2}}"))
                .hasMessageContaining("object")
                .hasMessageContaining("missing");
        assertThatThrownBy(() ->
                        parse("{\"action\":\"UPSERT\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\",\"sk\":2}}"))
                .hasMessageContaining("expected INSERT, MODIFY or REMOVE");
        assertThatThrownBy(() -> parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\"}}"))
                .hasMessageContaining("sk")
                .hasMessageContaining("key attribute missing");
        assertThatThrownBy(
                        () -> parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\",\"sk\":2}"))
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() ->
                        parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"-5\",\"keys\":{\"pk\":\"a\",\"sk\":2}}"))
                .hasMessageContaining("sequenceNumber");
    }

    @Test
    void aTimeOrANumberNoViewCanHoldIsTheLinesErrorNotTheBuilds() {
        // Dead-lettered with the rest of the line's errors; a build that failed on them would never publish again.
        assertThatThrownBy(() -> parse("{\"action\":\"INSERT\",\"sequenceNumber\":\"5\",\"object\":{\"pk\":\"a\","
                        + "\"sk\":2},\"keys\":{\"pk\":\"a\",\"sk\":2},"
                        + "\"approximateCreationDateTime\":\"+300000-01-01T00:00:00Z\"}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageContaining("approximateCreationDateTime");
        assertThatThrownBy(() -> parse("{\"action\":\"INSERT\",\"sequenceNumber\":\"5\",\"object\":{\"pk\":\"a\","
                        + "\"sk\":2,\"n\":1e9999999999},\"keys\":{\"pk\":\"a\",\"sk\":2}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageContaining("object.n");
    }

    @Test
    void readsEveryInstantAsInstantParseDoes() {
        java.util.Random random = new java.util.Random(7);
        List<String> texts = new java.util.ArrayList<>(List.of(
                "2026-12-07T05:47:33Z",
                "2024-02-29T23:59:59.999999999Z",
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999Z",
                "1970-01-01T00:00:00.1Z",
                "2026-12-07T05:47:33+01:00",
                "2026-12-07T05:47:33.5-03:30",
                // What ISO-8601 allows beyond the usual form, read as Instant.parse reads it.
                "2026-12-07T24:00:00Z",
                "2026-12-07T23:59:60Z",
                "2026-12-07T05:47:33.Z"));
        for (int i = 0; i < 2_000; i++) {
            java.time.Instant t = java.time.Instant.ofEpochSecond(
                    random.nextLong(-62_135_596_800L, 253_402_300_799L), random.nextInt(1_000_000_000));
            String text = t.toString();
            texts.add(text);
            // Fewer fraction digits than Instant.toString writes, down to none.
            int dot = text.indexOf('.');
            if (dot > 0) {
                texts.add(text.substring(0, dot + 1 + random.nextInt(text.length() - dot - 2)) + "Z");
            }
        }
        for (String text : texts) {
            assertThat(DeltaLines.instant(text)).as(text).isEqualTo(java.time.Instant.parse(text));
        }
        for (String wrong : List.of(
                "2025-02-29T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-12-07T05:60:00Z",
                "2026-12-07T05:47:33.1234567890Z",
                "2026-12-07 05:47:33Z",
                "2026-12-0xT05:47:33Z")) {
            assertThatThrownBy(() -> DeltaLines.instant(wrong))
                    .as(wrong)
                    .isInstanceOf(java.time.format.DateTimeParseException.class);
        }
    }

    private static java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> plain(
            String json) {
        try (com.fasterxml.jackson.core.JsonParser p =
                new com.fasterxml.jackson.core.JsonFactory().createParser(json)) {
            p.nextToken();
            return item.PlainJson.readItem(p, "");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aKeyReadFromItsTextIsTheKeyOfTheParsedItem() {
        // Strings and numbers are joined as they stand where they can be; everything else as the item renders it.
        List<String> keys = List.of(
                "{\"pk\":\"a\",\"sk\":2}",
                "{\"sk\":1.50,\"pk\":\"é-\\u0041\",\"other\":{\"x\":[1]}}",
                "{\"pk\":\"quote \\\" and \\\\ and \\n\",\"sk\":-0}",
                "{\"pk\":\"a\",\"sk\":1e2}",
                "{\"pk\":\"a\",\"sk\":123456789012345678901234567890}",
                "{\"pk\":\"a\",\"sk\":-42,\"pk\":\"last wins\"}",
                "{\"pk\":\"AAE=\",\"sk\":0.000}");
        for (String k : keys) {
            String line = "{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":" + k + "}";
            assertThat(parse(line).key()).as(k).isEqualTo(item.ItemKeys.canonical(plain(k), KEYS));
        }
        assertThat(parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\",\"sk\":1.50}}")
                        .key())
                .isEqualTo("{\"pk\":\"a\",\"sk\":1.5}");
        assertThatThrownBy(() -> parse(
                        "{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\"," + "\"sk\":true}}"))
                .hasMessageContaining("a key is a string, number or binary");
        assertThatThrownBy(() -> parse(
                        "{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":[\"a\"]," + "\"sk\":1}}"))
                .hasMessageContaining("a key is a string, number or binary");
        assertThatThrownBy(() -> parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":{\"pk\":\"a\\\"b\"}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageContaining("sk")
                .hasMessageContaining("key attribute missing");
        assertThatThrownBy(() -> parse("{\"action\":\"REMOVE\",\"sequenceNumber\":\"5\",\"keys\":\"pk\"}"))
                .hasMessageContaining("keys");
    }
}
