package testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads a published snapshot as a user would: the Parquet parts fetched through S3, queried with DuckDB (an
 * independent reader) as one table.
 */
public final class SnapshotReader {
    private SnapshotReader() {}

    /** DuckDB with a view {@code snapshot} over every part of the export's snapshot. */
    public static Connection open(Lake lake, String exportId, Path downloads) throws Exception {
        Path dir = downloads.resolve(exportId);
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            for (String key : lake.keys("snapshots/" + exportId + "/data/")) {
                Files.write(dir.resolve(key.substring(key.lastIndexOf('/') + 1)), lake.bytes(key));
            }
        }
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = db.createStatement()) {
            st.execute("SET threads = 2");
            st.execute("CREATE VIEW snapshot AS SELECT * FROM read_parquet('" + dir + "/*.parquet')");
        }
        return db;
    }

    /** The snapshot's items (its {@code _item} column) by key; a key found twice fails. */
    public static Map<String, JsonNode> items(
            Lake lake, String exportId, Path downloads, Function<JsonNode, String> key) throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        try (Connection db = open(lake, exportId, downloads);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT _item FROM snapshot")) {
            while (rs.next()) {
                JsonNode item = Lake.JSON.readTree(rs.getString(1));
                if (out.put(key.apply(item), item) != null) {
                    throw new AssertionError("the snapshot holds key " + key.apply(item) + " twice");
                }
            }
        }
        return out;
    }
}
