package lake;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Where things live in the lake: the only code that knows its key patterns. Under the table's prefix:
 *
 * <pre>
 * deltas/YYYY/MM/dd/HH/…                     delta envelopes, as Firehose names its objects (UTC arrival time)
 * deltas-overflow/YYYY/MM/dd/HH/&lt;shard&gt;-&lt;seq&gt;.json   one envelope too large for Firehose (over 1,000 KiB)
 * dead-letters/stream/YYYY/MM/dd/&lt;shard&gt;-&lt;seq&gt;.json   a stream record that could not be converted, with the reason
 * snapshots/&lt;exportId&gt;/data/part-NNNNN-&lt;file&gt;.parquet  one part per export data file; immutable once published
 * snapshots/&lt;exportId&gt;/_discovery/NNNNN.json       what schema discovery found in each data file
 * snapshots/&lt;exportId&gt;/_schema.json               the snapshot's schema
 * deltas-export/&lt;exportId&gt;/part-NNNNN.json          an incremental export's changes as delta envelopes
 * deltas-export/&lt;exportId&gt;/_published.json         written when every file of that export has landed
 * dead-letters/export/&lt;exportId&gt;/&lt;file&gt;.json       the lines of a data file that could not be read, with reasons
 * snapshots/&lt;exportId&gt;/_published.json            what the snapshot is; its Iceberg commit names the export
 * current/NNNNNNNN-&lt;attempt&gt;/part-BBBBB.parquet    the current view, version N, one part per bucket of keys
 * current/_state/NNNNNNNN-&lt;attempt&gt;.json          what version N is; its Iceberg commit names it
 * current/_tombstones/NNNNNNNN-&lt;attempt&gt;/          the keys version N deleted, with their sequence numbers
 * iceberg/snapshot/metadata/                       the Iceberg table <table>_snapshot (its data files: the parts)
 * iceberg/current/metadata/                        the Iceberg table <table>_current, whose commits publish the view
 * views/asof=&lt;time&gt;/&lt;attempt&gt;/part-BBBBB.parquet  the table as it was at that time, one folder a build; its
 *                                                  _view.json, named by the commit of <table>_asof_<time>
 * dead-letters/views/&lt;delta object&gt;.json            delta lines compaction could not read, with reasons
 * _catalog/                                        the discovered schema and the DDL for Athena, Glue and DuckDB
 * </pre>
 *
 * A snapshot and a version of the current view are published by a commit of their Iceberg table, nothing else. The
 * releases before the Iceberg tables published by pointer files, {@code snapshots/_current.json} and
 * {@code current/_current.json}; they are read only to take such a lake over, and never written.
 *
 * <p>Names made from shard and sequence number are deterministic: writing the same record again rewrites the same
 * object instead of adding a duplicate.
 */
public final class LakeLayout {
    private static final DateTimeFormatter HOUR =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/").withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter ASOF =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final String prefix;

    /**
     * @param prefix the table's folder in the lake bucket, empty or ending with {@code /}
     */
    public LakeLayout(String prefix) {
        Objects.requireNonNull(prefix, "prefix == null");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("lake.prefix must be empty or end with '/', was '" + prefix + "'");
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("lake.prefix must not start with '/', was '" + prefix + "'");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** Where Firehose writes the deltas: the delivery stream's S3 prefix. */
    public String deltasPrefix() {
        return prefix + "deltas/";
    }

    public String overflowPrefix() {
        return prefix + "deltas-overflow/";
    }

    /** An envelope too large for Firehose, written straight to the lake. */
    public String overflowKey(String shardId, String sequenceNumber, Instant arrival) {
        return overflowPrefix() + HOUR.format(arrival) + shardId + "-" + sequenceNumber + ".json";
    }

    public String snapshotsPrefix() {
        return prefix + "snapshots/";
    }

    public String snapshotFolder(String exportId) {
        return snapshotsPrefix() + exportId + "/";
    }

    /** The folder of a snapshot's Parquet parts and nothing else: the location of the table over it. */
    public String snapshotData(String exportId) {
        return snapshotFolder(exportId) + "data/";
    }

    /** The Parquet part of one export data file: a deterministic name, so a redelivered file rewrites it. */
    public String snapshotPart(String exportId, int fileIndex, String dataFileKey) {
        return snapshotData(exportId) + "part-" + String.format("%05d", fileIndex) + "-" + baseName(dataFileKey)
                + ".parquet";
    }

    public String snapshotDiscoveryPrefix(String exportId) {
        return snapshotFolder(exportId) + "_discovery/";
    }

    public String snapshotDiscovery(String exportId, int fileIndex) {
        return snapshotDiscoveryPrefix(exportId) + String.format("%05d", fileIndex) + ".json";
    }

    public String snapshotSchema(String exportId) {
        return snapshotFolder(exportId) + "_schema.json";
    }

    /** The pointer by which a release before the Iceberg tables published the snapshot; read to take its lake over. */
    public String legacySnapshotPointer() {
        return snapshotsPrefix() + "_current.json";
    }

    /**
     * What a published snapshot is (its export, time, parts and schema), written before the commit that publishes it,
     * which names the export; views also find every published snapshot kept by it.
     */
    public String snapshotPublished(String exportId) {
        return snapshotFolder(exportId) + "_published.json";
    }

    /** The hour folder of deltas (or overflow deltas) that arrived in the hour of {@code time}, without the slash. */
    public static String hourFolder(String deltasPrefix, Instant time) {
        String folder = HOUR.format(time);
        return deltasPrefix + folder.substring(0, folder.length() - 1);
    }

    public String currentPrefix() {
        return prefix + "current/";
    }

    /**
     * The folder of one build's attempt at a version of the current view: {@code current/00000007-1a2b3c4d/}. Each
     * attempt writes a folder of its own, so a replica that lost its lease, or a run that died, never writes or clears
     * the files of the version another replica published under the same number; the catalog's commit says which attempt is
     * the version.
     */
    public String currentFolder(long version, String attempt) {
        return currentPrefix() + folderName(version, attempt) + "/";
    }

    private static String folderName(long version, String attempt) {
        return String.format("%08d", version) + "-" + attempt;
    }

    /** A new attempt's name: 8 random hexadecimal digits. */
    public static String newAttempt() {
        return java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * The version a folder (or state file) of the current view belongs to: {@code 00000007-1a2b3c4d}, or
     * {@code 00000007} as earlier releases named it; -1 for another name.
     */
    public static long versionOf(String name) {
        return name.matches("\\d{8}(-[0-9a-f]{8})?(\\.json)?") ? Long.parseLong(name.substring(0, 8)) : -1;
    }

    /**
     * What a version of the current view is (its parts and their buckets, schema, the
     * delta objects it applied, its tombstones), written before its catalog commit, which names it: the next run
     * starts from the version the catalog holds. One a build's attempt ({@code attempt}, random): two replicas that
     * built the same version number never write the same state, and the commit names the winner's. Beside the
     * versions' folders, not in them: a reader of a folder sees the table's rows only.
     */
    public String currentVersionState(long version, String attempt) {
        return currentStates() + folderName(version, attempt) + ".json";
    }

    /** Where the states of the current view's versions lie: {@code current/_state/}. */
    public String currentStates() {
        return currentPrefix() + "_state/";
    }

    /**
     * The {@code n}-th file of a bucket of the current view, when the bucket outgrew {@code lake.target-file-size}:
     * {@code part-00003.parquet}, then {@code part-00003-001.parquet}, …
     */
    public String currentPart(long version, String attempt, int bucket, int n) {
        return currentFolder(version, attempt) + partName(bucket, n);
    }

    /** The name of a bucket's {@code n}-th file in a view's folder: {@code part-00003.parquet}, {@code part-00003-001.parquet}, … */
    public static String partName(int bucket, int n) {
        return n == 0 ? String.format("part-%05d.parquet", bucket) : String.format("part-%05d-%03d.parquet", bucket, n);
    }

    /**
     * The position delete file of a bucket of the current view that a version patched: the rows of the bucket's
     * earlier parts that the version's changes replaced. In the version's folder's {@code _deletes/}, so a reader of
     * the folder's Parquet files sees rows only.
     */
    public String currentDeletes(long version, String attempt, int bucket) {
        return currentFolder(version, attempt) + String.format("_deletes/deletes-%05d.parquet", bucket);
    }

    /**
     * The tombstones of a version of the current view: the keys it deleted, with the sequence number of the delete,
     * so that an older change delivered late or again cannot bring them back. Beside the version's folder, not in
     * it: a reader of the folder sees the table's rows only.
     */
    public String currentTombstones(long version, String attempt) {
        return currentTombstonesPrefix() + folderName(version, attempt) + "/";
    }

    /** Where the tombstones of the current view's versions lie: {@code current/_tombstones/}. */
    public String currentTombstonesPrefix() {
        return currentPrefix() + "_tombstones/";
    }

    /** Where an Iceberg table of the lake keeps its metadata: {@code iceberg/snapshot/}, … */
    public String icebergTable(String name) {
        return prefix + "iceberg/" + name;
    }

    /** The pointer by which a release before the Iceberg tables published the current view; read to take it over. */
    public String legacyViewPointer() {
        return currentPrefix() + "_current.json";
    }

    /** The folder of the views as of a time: {@code views/asof=20261126T080000.000Z/}, one folder a build in it. */
    public String asOfFolder(Instant time) {
        return prefix + "views/asof=" + asOfStamp(time) + "/";
    }

    /** The folder of one build of the view as of a time: {@code views/asof=20261126T080000.000Z/5e1c09aa/}. */
    public String asOfFolder(Instant time, String attempt) {
        return asOfFolder(time) + attempt + "/";
    }

    /** A time as the lake names views as of it: {@code 20261126T080000.000Z}. */
    public static String asOfStamp(Instant time) {
        return ASOF.format(time);
    }

    /**
     * Where the lines of a delta object that views could not read go: {@code dead-letters/views/<name>.json}, where an
     * incremental export's file is named {@code <exportId>-part-NNNNN.json}, as every export has a part-00000.
     */
    public String viewDeadLetters(String deltaKey) {
        String name = deltaKey.substring(deltaKey.lastIndexOf('/') + 1);
        String exports = exportDeltasPrefix();
        if (deltaKey.startsWith(exports)) {
            name = deltaKey.substring(exports.length()).replace('/', '-');
        }
        return prefix + "dead-letters/views/" + name + ".json";
    }

    /** Where incremental exports land their deltas, one folder per export. */
    public String exportDeltasPrefix() {
        return prefix + "deltas-export/";
    }

    public String exportDeltasFolder(String exportId) {
        return exportDeltasPrefix() + exportId + "/";
    }

    public String exportDeltas(String exportId, int fileIndex) {
        return exportDeltasFolder(exportId) + "part-" + String.format("%05d", fileIndex) + ".json";
    }

    public String exportDeadLetters(String exportId, String dataFileKey) {
        return prefix + "dead-letters/export/" + exportId + "/" + baseName(dataFileKey) + ".json";
    }

    public String catalog(String name) {
        return prefix + "_catalog/" + name;
    }

    /** {@code data/abc.json.gz} → {@code abc}. */
    static String baseName(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    public String streamDeadLetterPrefix() {
        return prefix + "dead-letters/stream/";
    }

    /** A stream record that could not be converted. */
    public String streamDeadLetterKey(String shardId, String sequenceNumber, Instant arrival) {
        return streamDeadLetterPrefix() + DAY.format(arrival) + shardId + "-" + sequenceNumber + ".json";
    }
}
