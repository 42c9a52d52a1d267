package routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dynamolake.demo.DemoTable;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import lake.IcebergClients;
import lake.IcebergCurrentTable;
import lake.IcebergSnapshotTable;
import org.apache.camel.main.Main;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.aws.AwsProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import testsupport.Apps;
import testsupport.IcebergRestCatalog;
import testsupport.IcebergTables;
import testsupport.Lake;
import testsupport.LocalStackExtension;
import testsupport.ViewProbe;

/**
 * lake.catalog.type=rest: the application commits the snapshot and each current view version to an Iceberg REST
 * catalog (Iceberg's own REST handlers, in the test), and an independent REST client reads both tables by name:
 * exactly the published parts, the export and the version in their summaries, an incremental version committing only
 * its rewritten files.
 */
class IcebergRestCatalogTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "rest-orders";

    @TempDir
    static Path downloads;

    @Test
    void theSnapshotAndTheCurrentViewAreCommittedToARestCatalog() throws Exception {
        DemoTable demo = new DemoTable(aws.dynamoDb(), TABLE, 17, 1);
        demo.create();
        demo.seed(600, 1);
        ViewProbe probe = new ViewProbe(aws, TABLE, downloads);
        try (IcebergRestCatalog rest = new IcebergRestCatalog()) {
            Main app = Apps.against(
                    aws,
                    TABLE,
                    Map.of(
                            "lake.catalog.type", "rest",
                            "lake.catalog.uri", rest.uri(),
                            "views.buckets", "8"));
            app.start();
            try {
                probe.exportSnapshot(app);
                demo.change(60);
                probe.awaitDeltasLanded();
                assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 1");
                demo.change(2);
                probe.awaitDeltasLanded();
                assertThat(ViewProbe.invokeJmx("compactNow")).startsWith("published current view 2 (incremental)");
            } finally {
                app.stop();
            }
            RESTCatalog reader = new RESTCatalog();
            Map<String, String> properties = new HashMap<>();
            properties.put(CatalogProperties.URI, rest.uri());
            properties.put(AwsProperties.CLIENT_FACTORY, IcebergClients.class.getName());
            properties.put(
                    IcebergClients.CLIENTS,
                    IcebergClients.register(aws.s3(), aws.clients().glue()));
            properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
            reader.initialize("reader", properties);
            try (reader) {
                Lake lake = Apps.lake(aws.s3(), TABLE).withCatalog(reader);
                JsonNode snapshot = lake.snapshot();
                JsonNode current = lake.currentView();
                Table snapshotTable = reader.loadTable(TableIdentifier.of("dynamo_lake", "rest_orders_snapshot"));
                assertThat(snapshotTable.currentSnapshot().summary())
                        .containsEntry(
                                IcebergSnapshotTable.EXPORT_ID,
                                snapshot.path("exportId").asText());
                assertThat(IcebergTables.dataFiles(snapshotTable)).isEqualTo(IcebergTables.partUris(snapshot));

                Table currentTable = reader.loadTable(TableIdentifier.of("dynamo_lake", "rest_orders_current"));
                Map<String, String> summary = currentTable.currentSnapshot().summary();
                assertThat(summary)
                        .containsEntry(IcebergCurrentTable.VIEW_VERSION, "2")
                        // The parts' rows, less those the version's position delete files remove.
                        .containsEntry(
                                "total-records",
                                Long.toString(current.path("itemCount").asLong()
                                        + Long.parseLong(summary.getOrDefault("total-position-deletes", "0"))));
                assertThat(IcebergTables.dataFiles(currentTable)).isEqualTo(IcebergTables.partUris(current));
                long written = 0;
                for (JsonNode part : current.path("parts")) {
                    if (part.path("key").asText().contains("/current/00000002-")) {
                        written++;
                    }
                }
                assertThat(written).isBetween(1L, 7L);
                assertThat(summary).containsEntry("added-data-files", Long.toString(written));
                assertThat(summary)
                        .as("the rows the changes replaced, as position deletes")
                        .containsEntry("total-position-deletes", Long.toString(deleted(current)));
            }
            assertThat(rest.commits()).as("commits the REST catalog answered").isGreaterThanOrEqualTo(3);
        }
    }

    private static long deleted(JsonNode state) {
        long out = 0;
        for (JsonNode file : state.path("deletes")) {
            out += file.path("rows").asLong();
        }
        return out;
    }
}
