package lake;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The published snapshot as the Apache Iceberg table {@code <table>_snapshot} (format v2) of a catalog: each
 * published export is one commit that replaces the table's rows with the export's Parquet parts, where they already
 * lie in the lake. The commit's summary records the export ({@value #EXPORT_ID}, {@value #EXPORT_TIME}), so the table
 * itself says which export it holds, and a publish that is retried after its commit changes nothing.
 *
 * <p>Columns are the snapshot's: keys, typed attributes, {@code _item}, {@code _export_id}, {@code _export_time}.
 * The parts carry no Iceberg field ids; the table's name mapping ({@code schema.name-mapping.default}, the way
 * Iceberg adopts existing Parquet files) maps their columns by name. A new attribute is added as a column, a type
 * Iceberg can promote (int to long, float to double) is widened; a column whose type changes otherwise is dropped
 * and added again with the new type, so the rows the table now holds read correctly.
 *
 * <p>{@code snapshot.keep} is snapshot expiry: the newest {@code keep} commits stay for time travel, older ones
 * expire with the files only they used. Nothing a retained commit reads is deleted.
 */
public final class IcebergSnapshotTable {
    private static final Logger LOG = LoggerFactory.getLogger(IcebergSnapshotTable.class);

    /** The summary property holding the export a commit published. */
    public static final String EXPORT_ID = "dynamo-lake.export-id";

    public static final String EXPORT_TIME = "dynamo-lake.export-time";

    /** A Parquet part of the snapshot: its URI, size and rows. */
    public record Part(String uri, long bytes, long rows) {}

    private final Catalog catalog;
    private final TableIdentifier id;
    private final String location;

    /**
     * @param namespace the catalog's namespace (the Glue database)
     * @param tableName the DynamoDB table's name; the Iceberg table is {@code <name>_snapshot} in SQL's spelling
     * @param location where the table's metadata lives, for example {@code s3://lake/tables/orders/iceberg/snapshot}
     */
    public IcebergSnapshotTable(Catalog catalog, String namespace, String tableName, String location) {
        this.catalog = catalog;
        this.id = TableIdentifier.of(Namespace.of(namespace), sqlName(tableName) + "_snapshot");
        this.location = location;
    }

    public TableIdentifier identifier() {
        return id;
    }

    /** Table names every engine accepts: lower case letters, digits and underscores. */
    public static String sqlName(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /** The export the table's current commit holds, if the table exists and holds one. */
    public synchronized Optional<String> currentExport() {
        if (!catalog.tableExists(id)) {
            return Optional.empty();
        }
        Snapshot current = catalog.loadTable(id).currentSnapshot();
        return current == null
                ? Optional.empty()
                : Optional.ofNullable(current.summary().get(EXPORT_ID));
    }

    /**
     * Commits the export's parts as the table's rows, in one commit (creating the table first if needed), then
     * expires commits beyond the newest {@code keep}. One publish runs at a time in this JVM; between replicas the
     * catalog's optimistic commit decides, and a replica that lost the race to create the table publishes again on
     * the table the other created.
     *
     * @return false when the table's current commit already holds this export or a later one (a retried or late
     *     publish), which is left as it is
     */
    public synchronized boolean publish(
            String exportId, Instant exportTime, SnapshotSchema schema, List<Part> parts, int keep) {
        ensureNamespace();
        Schema wanted = icebergSchema(schema);
        boolean creating = !catalog.tableExists(id);
        Transaction tx;
        if (creating) {
            try {
                tx = catalog.buildTable(id, wanted)
                        .withLocation(location)
                        .withProperties(Map.of(
                                TableProperties.FORMAT_VERSION, "2",
                                TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
                                TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, Integer.toString(keep + 10),
                                TableProperties.PARQUET_COMPRESSION, "zstd"))
                        .createTransaction();
            } catch (AlreadyExistsException e) {
                return publish(exportId, exportTime, schema, parts, keep); // another replica created it meanwhile
            }
        } else {
            Table table = catalog.loadTable(id);
            Snapshot current = table.currentSnapshot();
            if (current != null && !supersedes(exportId, exportTime, current.summary())) {
                LOG.info(
                        "The Iceberg table {} already holds export {} ({}): export {} is not committed again",
                        id,
                        current.summary().get(EXPORT_ID),
                        current.summary().get(EXPORT_TIME),
                        exportId);
                return false;
            }
            tx = table.newTransaction();
            evolve(tx, table.schema(), wanted);
        }
        tx.updateProperties()
                .set(
                        TableProperties.DEFAULT_NAME_MAPPING,
                        NameMappingParser.toJson(MappingUtil.create(tx.table().schema())))
                .commit();
        OverwriteFiles overwrite = tx.newOverwrite().overwriteByRowFilter(Expressions.alwaysTrue());
        for (Part p : parts) {
            overwrite.addFile(DataFiles.builder(PartitionSpec.unpartitioned())
                    .withPath(p.uri())
                    .withFormat(FileFormat.PARQUET)
                    .withFileSizeInBytes(p.bytes())
                    .withRecordCount(p.rows())
                    .build());
        }
        overwrite
                .set(EXPORT_ID, exportId)
                .set(EXPORT_TIME, exportTime.toString())
                .commit();
        try {
            tx.commitTransaction();
        } catch (CommitFailedException e) {
            if (creating && catalog.tableExists(id)) {
                return publish(exportId, exportTime, schema, parts, keep); // another replica created it first
            }
            throw e;
        }
        LOG.info(
                "Committed snapshot {} to the Iceberg table {} ({} parts, {} rows)",
                exportId,
                id,
                parts.size(),
                parts.stream().mapToLong(Part::rows).sum());
        expire(keep);
        return true;
    }

    /** Whether an export replaces the one a commit's summary names: it is another export, and not an older one. */
    static boolean supersedes(String exportId, Instant exportTime, Map<String, String> summary) {
        if (exportId.equals(summary.get(EXPORT_ID))) {
            return false;
        }
        String time = summary.get(EXPORT_TIME);
        return time == null || !Instant.parse(time).isAfter(exportTime);
    }

    private void ensureNamespace() {
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(id.namespace())) {
            try {
                namespaces.createNamespace(id.namespace());
                LOG.info("Created the catalog namespace {}", id.namespace());
            } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
                // another replica created it meanwhile
            }
        }
    }

    /** Brings the table's schema to the snapshot's: new columns added, promotable types widened, others replaced. */
    private static void evolve(Transaction tx, Schema current, Schema wanted) {
        List<String> replaced = new ArrayList<>();
        for (Types.NestedField f : wanted.columns()) {
            Types.NestedField old = current.findField(f.name());
            if (old != null && !old.type().equals(f.type()) && !promotable(old.type(), f.type())) {
                replaced.add(f.name());
            }
        }
        if (!replaced.isEmpty()) {
            var drop = tx.updateSchema();
            replaced.forEach(drop::deleteColumn);
            drop.commit();
            LOG.warn(
                    "Columns {} of the snapshot changed type; they are replaced by columns of the new type (every"
                            + " value is still in _item)",
                    replaced);
        }
        tx.updateSchema().unionByNameWith(wanted).commit();
    }

    private static boolean promotable(Type from, Type to) {
        return from.isPrimitiveType()
                && to.isPrimitiveType()
                && TypeUtil.isPromotionAllowed(from, to.asPrimitiveType());
    }

    /** The Iceberg schema of a snapshot's columns, ids from 1 in column order (a new table's; evolve keeps ids). */
    public static Schema icebergSchema(SnapshotSchema schema) {
        List<Types.NestedField> fields = new ArrayList<>();
        int id = 1;
        for (SnapshotColumn c : schema.columns()) {
            fields.add(Types.NestedField.optional(id++, c.name(), type(c)));
        }
        return new Schema(fields);
    }

    static Type type(SnapshotColumn c) {
        return switch (c.type()) {
            case STRING, JSON -> Types.StringType.get();
            case INT64 -> Types.LongType.get();
            case DECIMAL -> Types.DecimalType.of(38, c.scale());
            case DOUBLE -> Types.DoubleType.get();
            case BOOLEAN -> Types.BooleanType.get();
            case BINARY -> Types.BinaryType.get();
            case TIMESTAMP -> Types.TimestampType.withZone();
        };
    }

    private void expire(int keep) {
        Table table = catalog.loadTable(id);
        List<Snapshot> all = new ArrayList<>();
        table.snapshots().forEach(all::add);
        if (all.size() <= keep) {
            return;
        }
        table.expireSnapshots()
                .retainLast(keep)
                .expireOlderThan(System.currentTimeMillis() + 1)
                .cleanExpiredFiles(true)
                .commit();
        LOG.info("Expired {} commits of the Iceberg table {}: the newest {} are kept", all.size() - keep, id, keep);
    }
}
