package lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.LocalStackExtension;

/**
 * A patch fetches of each part only the footer and the key and sequence columns, into a sparse copy that DuckDB reads
 * as the part: against S3Proxy, parts of several row groups written by DuckDB and by the project's writer (dictionary
 * pages, page indexes), the key column neither first nor last.
 */
class LakeStoreColumnsTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    @TempDir
    static Path dir;

    private static LakeStore lake;

    @BeforeAll
    static void bucket() {
        aws.s3().createBucket(b -> b.bucket("columns"));
        lake = new LakeStore(aws.s3(), "columns");
    }

    @Test
    void aDuckDbPartsKeyAndSequenceColumnsReadFromTheSparseCopyAsFromThePart() throws Exception {
        Path part = dir.resolve("duckdb.parquet");
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement()) {
            // 20,000 rows in row groups of 4,096: the item text between the typed column and the key, a sequence
            // number of few values (dictionary-encoded), the export columns after.
            st.execute("COPY (SELECT 'customer-' || (range % 977) AS customerId, repeat(md5(range::VARCHAR), 8) AS"
                    + " _item, 'order-' || md5(range::VARCHAR) AS _key, lpad((range % 13)::VARCHAR, 20, '0') AS _seq,"
                    + " 'export-1' AS _export_id FROM range(20000)) TO '" + part
                    + "' (FORMAT parquet, ROW_GROUP_SIZE 4096, COMPRESSION zstd)");
        }
        assertSparseCopyReadsAsThePart(part, "parts/duckdb.parquet");
    }

    @Test
    void theProjectWritersPartReadsFromTheSparseCopyAsFromThePart() throws Exception {
        Path part = dir.resolve("writer.parquet");
        SnapshotSchema schema = new SnapshotSchema(List.of(
                new SnapshotColumn("id", "id", ColumnType.STRING, 0, true),
                new SnapshotColumn("note", "note", ColumnType.STRING, 0, false),
                new SnapshotColumn(SnapshotSchema.ITEM, null, ColumnType.JSON, 0, false),
                new SnapshotColumn(SnapshotSchema.KEY, null, ColumnType.STRING, 0, false),
                new SnapshotColumn(SnapshotSchema.SEQUENCE, null, ColumnType.STRING, 0, false),
                new SnapshotColumn(SnapshotSchema.EXPORT_ID, null, ColumnType.STRING, 0, false)));
        try (ParquetPartWriter w = new ParquetPartWriter(
                part, schema, "zstd", "export-1", Instant.parse("2026-12-07T00:00:00Z"), 256 << 10)) {
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 20_000; i++) {
                // Text that does not compress away, so each row group's item and note chunks are large.
                String note = new java.math.BigInteger(400, random).toString(36);
                String json = "{\"id\":\"order-" + i + "\",\"note\":\"" + note + "\"}";
                w.writePlain(
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "{\"id\":\"order-" + i + "\"}",
                        String.format("%020d", i % 7));
            }
        }
        assertSparseCopyReadsAsThePart(part, "parts/writer.parquet");
    }

    private static void assertSparseCopyReadsAsThePart(Path part, String key) throws Exception {
        lake.putFile(key, part);
        Path sparse = dir.resolve("sparse-" + part.getFileName());
        lake.getParquetColumns(key, sparse, Set.of(SnapshotSchema.KEY, SnapshotSchema.SEQUENCE));

        assertThat(Files.size(sparse)).isEqualTo(Files.size(part));
        String query = "SELECT _key, _seq, file_row_number FROM read_parquet('%s') ORDER BY file_row_number";
        List<String> fromPart = rows(String.format(query, part));
        assertThat(rows(String.format(query, sparse))).hasSize(20_000).isEqualTo(fromPart);
        assertThat(rowGroups(part)).as("several row groups").isGreaterThan(1);
        // Only those columns came: the item text's bytes are not in the copy.
        byte[] whole = Files.readAllBytes(part);
        byte[] copy = Files.readAllBytes(sparse);
        long zeroed = 0;
        for (int i = 0; i < whole.length; i++) {
            if (copy[i] != whole[i]) {
                assertThat(copy[i]).isZero();
                zeroed++;
            }
        }
        assertThat(zeroed).as("bytes not fetched").isGreaterThan(whole.length / 2);

        // The same copy made from the part on the local disk (a part the application wrote itself) is the same file.
        Path local = dir.resolve("local-" + part.getFileName());
        LakeStore.copyParquetColumns(part, local, Set.of(SnapshotSchema.KEY, SnapshotSchema.SEQUENCE));
        assertThat(Files.readAllBytes(local)).isEqualTo(copy);
    }

    private static List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3));
            }
        }
        return out;
    }

    private static long rowGroups(Path part) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = db.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + part + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
