package export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoItems;
import lake.LakeJson;
import lake.SchemaDiscovery;
import org.junit.jupiter.api.Test;

/** What the DISCOVER step records of a data file reads back as it was written, its discovery included. */
class DiscoveredFileTest {
    @Test
    void aDiscoveredFileReadsBackAsItWasWritten() {
        SchemaDiscovery discovery = new SchemaDiscovery();
        DemoItems items = new DemoItems(3);
        for (long n = 0; n < 50; n++) {
            discovery.observe(items.order(n));
        }
        DiscoveredFile written = new DiscoveredFile(
                "exports/AWSDynamoDB/01764000000000-abcdef12/data/abc.json.gz", 7, 52, "bWQ1", 50, 2, discovery);

        JsonNode json = LakeJson.tree(written);
        assertThat(json.path("discovery")).isEqualTo(discovery.toJson());
        DiscoveredFile read = LakeJson.read(json, DiscoveredFile.class);

        assertThat(read).usingRecursiveComparison().ignoringFields("discovery").isEqualTo(written);
        assertThat(read.discovery().toJson()).isEqualTo(discovery.toJson());
        assertThat(read.discovery().items()).isEqualTo(50);
        assertThat(read.discovery().schema(java.util.List.of(DemoItems.PARTITION_KEY, DemoItems.SORT_KEY), 100))
                .isEqualTo(discovery.schema(java.util.List.of(DemoItems.PARTITION_KEY, DemoItems.SORT_KEY), 100));
    }

    /** The file as releases before the record wrote it, field by field: it reads as the same discovery. */
    @Test
    void aDiscoveredFileAsEarlierReleasesWroteItReads() {
        SchemaDiscovery discovery = new SchemaDiscovery();
        discovery.observe(new DemoItems(5).order(1));
        com.fasterxml.jackson.databind.node.ObjectNode earlier = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode()
                .put("file", "exports/data/abc.json.gz")
                .put("index", 3)
                .put("itemCount", 1L)
                .put("md5", "bWQ1")
                .put("rows", 1L)
                .put("deadLetters", 0L);
        earlier.set("discovery", discovery.toJson());

        DiscoveredFile read = LakeJson.read(earlier, DiscoveredFile.class);

        assertThat(read.file()).isEqualTo("exports/data/abc.json.gz");
        assertThat(read.index()).isEqualTo(3);
        assertThat(read.md5()).isEqualTo("bWQ1");
        assertThat(read.rows()).isEqualTo(1);
        assertThat(read.discovery().toJson()).isEqualTo(discovery.toJson());
        assertThat(LakeJson.tree(read)).isEqualTo(earlier);
    }
}
