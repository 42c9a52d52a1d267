package lake;

import static org.assertj.core.api.Assertions.assertThat;
import static testsupport.Fixtures.b;
import static testsupport.Fixtures.bool;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.l;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.nul;
import static testsupport.Fixtures.s;
import static testsupport.Fixtures.ss;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Parquet parts read back by DuckDB, an independent reader. */
class ParquetPartWriterTest {
    private static final List<Map<String, AttributeValue>> ITEMS = List.of(
            item(
                    "id",
                    s("a"),
                    "qty",
                    n("3"),
                    "price",
                    n("12.50"),
                    "huge",
                    n("12345678901234567890123456789012345678"),
                    "tiny",
                    n("1E-130"),
                    "gift",
                    bool(true),
                    "sig",
                    b((byte) 0xff, (byte) 0),
                    "tags",
                    ss("x", "y"),
                    "ref",
                    n("7"),
                    "addr",
                    m("city", s("Lyon"), "geo", m("lat", n("45.76"))),
                    "gone",
                    nul()),
            item("id", s("b"), "qty", n("-4"), "price", n("0.1"), "ref", s("R-8"), "lines", l(n("1"), s("two"))));

    private Path write(Path dir) throws Exception {
        SchemaDiscovery discovery = new SchemaDiscovery();
        ITEMS.forEach(discovery::observe);
        SnapshotSchema schema = discovery.schema(List.of("id"), 100);
        Path file = dir.resolve("part.parquet");
        try (ParquetPartWriter w = new ParquetPartWriter(
                file, schema, "zstd", "01700000000000-abcd", Instant.parse("2026-11-26T10:00:00Z"))) {
            for (var i : ITEMS) {
                w.write(i);
            }
        }
        return file;
    }

    @Test
    void typesColumnsFromDiscoveryAndKeepsTheWholeItemExactly(@TempDir Path dir) throws Exception {
        Path file = write(dir);
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            ResultSet types = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file + "')");
            Map<String, String> columns = new java.util.LinkedHashMap<>();
            while (types.next()) {
                columns.put(types.getString(1), types.getString(2));
            }
            assertThat(columns)
                    .containsEntry("id", "VARCHAR")
                    .containsEntry("qty", "BIGINT")
                    .containsEntry("price", "DECIMAL(38,1)")
                    .containsEntry("huge", "DECIMAL(38,0)")
                    .as("1E-130 fits no exact type")
                    .containsEntry("tiny", "DOUBLE")
                    .containsEntry("gift", "BOOLEAN")
                    .containsEntry("sig", "BLOB")
                    .as("N in one item, S in another")
                    .containsEntry("ref", "VARCHAR")
                    .containsEntry("_item", "VARCHAR")
                    .containsEntry("_export_time", "TIMESTAMP WITH TIME ZONE");
            assertThat(List.copyOf(columns.keySet()).get(0)).as("keys first").isEqualTo("id");

            ResultSet r = st.executeQuery("SELECT id, qty, price, huge, ref, gift, _item, _export_id, tags, addr"
                    + " FROM read_parquet('" + file + "') ORDER BY id");
            r.next();
            assertThat(r.getLong("qty")).isEqualTo(3);
            assertThat(r.getBigDecimal("price")).isEqualByComparingTo("12.50");
            assertThat(r.getBigDecimal("huge")).isEqualTo(new BigDecimal("12345678901234567890123456789012345678"));
            assertThat(r.getString("ref")).isEqualTo("7");
            assertThat(r.getBoolean("gift")).isTrue();
            assertThat(r.getString("_export_id")).isEqualTo("01700000000000-abcd");
            assertThat(r.getString("tags")).isEqualTo("[\"x\",\"y\"]");
            assertThat(r.getString("addr")).isEqualTo("{\"city\":\"Lyon\",\"geo\":{\"lat\":45.76}}");
            assertThat(r.getString("_item"))
                    .as("numbers to the last digit, as text")
                    .contains(
                            "\"huge\":12345678901234567890123456789012345678",
                            "\"tiny\":1E-130",
                            "\"price\":12.50",
                            "\"gone\":null");
            r.next();
            assertThat(r.getString("ref")).isEqualTo("R-8");
            assertThat(r.getObject("gift"))
                    .as("sparse: null where the item lacks it")
                    .isNull();
        }
    }

    @Test
    void aRowWrittenFromItsJsonTextIsTheRowWrittenFromTheParsedItem(@TempDir Path dir) throws Exception {
        // The views write rows from the item's JSON text; snapshots from the parsed item. Values that do not fit their
        // column (text in a number column, a scale too fine, base64 that is not) are left null by both.
        SchemaDiscovery discovery = new SchemaDiscovery();
        ITEMS.forEach(discovery::observe);
        SnapshotSchema schema = discovery.schema(List.of("id"), 100).withSequence();
        List<Map<String, AttributeValue>> rows = new java.util.ArrayList<>(ITEMS);
        rows.add(item(
                "id",
                s("c"),
                "qty",
                s("many"),
                "price",
                n("1.25"),
                "huge",
                n("1E+2"),
                "gift",
                n("1"),
                "sig",
                s("not base64!"),
                "ref",
                m("k", l(bool(false))),
                "tiny",
                s("x"),
                "tags",
                s("one"),
                "addr",
                n("5")));
        rows.add(item("id", s("d"), "qty", n("1E+3"), "price", nul(), "gift", bool(false), "sig", s("AAE=")));
        Path parsed = dir.resolve("parsed.parquet");
        Path plain = dir.resolve("plain.parquet");
        Instant at = Instant.parse("2026-11-26T10:00:00Z");
        try (ParquetPartWriter a = new ParquetPartWriter(parsed, schema, "zstd", "e", at);
                ParquetPartWriter b = new ParquetPartWriter(plain, schema, "zstd", "e", at)) {
            for (var i : rows) {
                a.write(i);
                // The item's JSON amid other bytes, as the views' spill hands it over: offsets start there.
                byte[] json = item.PlainJson.toJson(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] amid = new byte[json.length + 11];
                java.util.Arrays.fill(amid, (byte) '{');
                System.arraycopy(json, 0, amid, 7, json.length);
                b.writePlain(amid, 7, json.length, item.ItemKeys.canonical(i, List.of("id")), "");
            }
        }
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            ResultSet r =
                    st.executeQuery("SELECT count(*) FROM ((SELECT * FROM '" + parsed + "' EXCEPT ALL SELECT * FROM '"
                            + plain + "') UNION ALL (SELECT * FROM '" + plain + "' EXCEPT ALL SELECT * FROM '" + parsed
                            + "'))");
            r.next();
            assertThat(r.getLong(1)).as("rows that differ").isZero();
            r = st.executeQuery(
                    "SELECT qty, price, huge, gift, sig, ref, tags, addr FROM '" + plain + "' WHERE id = 'c'");
            r.next();
            assertThat(r.getObject("qty")).isNull();
            assertThat(r.getObject("price"))
                    .as("1.25 has a finer scale than the column")
                    .isNull();
            assertThat(r.getBigDecimal("huge")).isEqualByComparingTo("100");
            assertThat(r.getObject("gift")).isNull();
            assertThat(r.getObject("sig")).isNull();
            assertThat(r.getString("ref")).isEqualTo("{\"k\":[false]}");
            assertThat(r.getString("tags")).isEqualTo("\"one\"");
            r = st.executeQuery("SELECT qty, hex(sig) AS sig FROM '" + plain + "' WHERE id = 'd'");
            r.next();
            assertThat(r.getLong("qty")).isEqualTo(1000);
            assertThat(r.getString("sig")).isEqualTo("0001");
        }
    }

    @Test
    void aStructureIsWrittenAsItsParsedValueIsWhateverTheSpacingOfItsText(@TempDir Path dir) throws Exception {
        // Delta lines written by other tools may space their JSON or escape what needs no escape: the typed columns
        // hold the value as the item writes it, so the same value is the same text in every row; the item column keeps
        // the line's own text.
        SchemaDiscovery discovery = new SchemaDiscovery();
        discovery.observe(item("id", s("a"), "ref", m("k", l(n("1.50"), s("aA"))), "tags", l(s("x"))));
        SnapshotSchema schema = discovery.schema(List.of("id"), 100).withSequence();
        String compact = "{\"id\":\"a\",\"ref\":{\"k\":[1.50,\"aA\"]},\"tags\":[\"x\"]}";
        String spaced = "{ \"id\" : \"b\", \"ref\" : {\"k\": [ 1.50 , \"a\\u0041\" ] },\n\"tags\":[\"x\"] }";
        String escaped = "{\"id\":\"c\",\"ref\":{\"k\":[1.50,\"a\\u0041\"]},\"tags\":[\"\\/x\"]}";
        Path file = dir.resolve("plain.parquet");
        try (ParquetPartWriter w = new ParquetPartWriter(file, schema, "zstd", "e", Instant.EPOCH)) {
            for (String json : List.of(compact, spaced, escaped)) {
                w.writePlain(
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "{\"id\":" + json.length() + "}", "");
            }
        }
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet r = st.executeQuery("SELECT ref, tags, _item FROM '" + file + "' ORDER BY id")) {
            for (String json : List.of(compact, spaced, escaped)) {
                r.next();
                assertThat(r.getString("ref")).isEqualTo("{\"k\":[1.50,\"aA\"]}");
                assertThat(r.getString("_item")).isEqualTo(json);
            }
        }
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet r = st.executeQuery("SELECT tags FROM '" + file + "' ORDER BY id")) {
            List<String> tags = new java.util.ArrayList<>();
            while (r.next()) {
                tags.add(r.getString(1));
            }
            assertThat(tags).containsExactly("[\"x\"]", "[\"x\"]", "[\"/x\"]");
        }
    }

    @Test
    void aStructureOutsideTheBasicPlaneOrOfIllFormedTextIsWrittenAsJacksonWritesIt(@TempDir Path dir) throws Exception {
        // Jackson's UTF-8 writer escapes a character outside the Basic Multilingual Plane as a surrogate pair: such a
        // value is written anew, not taken as its text stands, so it is one text whatever the spacing of its line.
        SchemaDiscovery discovery = new SchemaDiscovery();
        discovery.observe(item("id", s("a"), "ref", m("k", l(s("x")))));
        SnapshotSchema schema = discovery.schema(List.of("id"), 100).withSequence();
        String value = "{\"k\":[\"\uD83D\uDE00 é\"]}";
        String compact = "{\"id\":\"a\",\"ref\":" + value + "}";
        String spaced = "{\"id\":\"b\", \"ref\": { \"k\" : [\"\uD83D\uDE00 é\"] } }";
        java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
        try (var p = new com.fasterxml.jackson.core.JsonFactory().createParser(value);
                var g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(written)) {
            p.nextToken();
            item.PlainJson.copyValue(p, g);
        }
        Path file = dir.resolve("plain.parquet");
        try (ParquetPartWriter w = new ParquetPartWriter(file, schema, "zstd", "e", Instant.EPOCH)) {
            for (String json : List.of(compact, spaced)) {
                w.writePlain(
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "{\"id\":" + json.length() + "}", "");
            }
        }
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet r = st.executeQuery("SELECT ref FROM '" + file + "' ORDER BY id")) {
            for (int row = 0; row < 2; row++) {
                r.next();
                assertThat(r.getString(1)).isEqualTo(written.toString(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        byte[] overlong = {'[', '"', (byte) 0xc1, (byte) 0xbf, '"', ']'};
        byte[] surrogate = {'[', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', ']'};
        byte[] plain = "[\"é ü\",1.50]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ParquetPartWriter.compact(overlong, 0, overlong.length)).isFalse();
        assertThat(ParquetPartWriter.compact(surrogate, 0, surrogate.length)).isFalse();
        assertThat(ParquetPartWriter.compact(plain, 0, plain.length)).isTrue();
    }

    @Test
    void describesItselfForAthena() {
        SchemaDiscovery discovery = new SchemaDiscovery();
        ITEMS.forEach(discovery::observe);
        SnapshotSchema schema = discovery.schema(List.of("id"), 100);
        assertThat(schema.athenaDdl("orders_snapshot", "s3://lake/tables/orders/snapshots/x/"))
                .startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS `orders_snapshot` (\n  `id` string,")
                .contains(
                        "`price` decimal(38,1)",
                        "`_item` string",
                        "STORED AS PARQUET",
                        "LOCATION 's3://lake/tables/orders/snapshots/x/'");
        assertThat(SnapshotSchema.fromJson(schema.toJson())).isEqualTo(schema);
        assertThat(SchemaDiscovery.fromJson(discovery.toJson()).schema(List.of("id"), 100))
                .isEqualTo(schema);
    }

    @Test
    void keepsOnlyTheMostCommonAttributesAsTypedColumns() {
        SchemaDiscovery discovery = new SchemaDiscovery();
        ITEMS.forEach(discovery::observe);
        SnapshotSchema schema = discovery.schema(List.of("id"), 2);
        assertThat(schema.columns())
                .extracting(SnapshotColumn::name)
                .containsExactly("id", "price", "qty", "_item", "_key", "_export_id", "_export_time");
    }
}
