package views;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import lake.SnapshotSchema;

/**
 * Where the current view is published: each version is one commit of the Iceberg table {@code <table>_current}
 * ({@link IcebergViewCatalog}), and that commit is the publish. A registration that fails fails the run (a builder
 * that lost the race commits nothing).
 */
@FunctionalInterface
public interface ViewCatalog {
    /**
     * Commits a version.
     *
     * @return false when the table refused it: it holds this version number or a later one (another builder was
     *     first, or the table's history holds the number)
     */
    boolean register(Version version);

    /**
     * The highest version of the current view the catalog ever took, 0 when none: the current commit's, or a later
     * one a rollback left in the table's history. A new version's number is above it.
     */
    default long publishedVersion() {
        return 0;
    }

    /**
     * The lake key of the state ({@code current/_state/<version>-<attempt>.json}) of the version the catalog holds,
     * when it names one: no table yet, or a version committed by an earlier release, names none.
     */
    default java.util.Optional<String> publishedState() {
        return java.util.Optional.empty();
    }

    /**
     * The lake keys of the states every commit of the current view's table names that the table keeps, current or
     * not (time travel and a rollback read them): expiry leaves them and what they name.
     */
    default java.util.List<String> keptStates() {
        return java.util.List.of();
    }

    /** The lake keys of the data files every commit of the current view's table that the table keeps reads. */
    default java.util.Set<String> keptFiles() {
        return java.util.Set.of();
    }

    /**
     * The names of the current view's table's columns now, in order: every column its rows have, the schema's and
     * those earlier schemas added (an engine that updates rows in place sets the others to null).
     */
    default java.util.List<String> currentColumns() {
        return java.util.List.of();
    }

    /**
     * The Iceberg field id each column of {@code schema} has in the current view's table once a version of it is
     * published now (the ids its parts carry), by column name; empty when the catalog gives none.
     */
    default Map<String, Integer> currentFieldIds(SnapshotSchema schema) {
        return Map.of();
    }

    /**
     * Where the current view's table stands now ({@code lake.IcebergTable.Mark}'s text), before an engine merges into
     * it itself; empty when it has no commit.
     */
    default java.util.Optional<String> currentMark() {
        return java.util.Optional.empty();
    }

    /**
     * The current view's table as Athena's SQL names it: {@code "namespace"."<table>_current"}.
     *
     * @throws UnsupportedOperationException when the catalog has no such name
     */
    default String currentTableSql() {
        throw new UnsupportedOperationException("this catalog gives no SQL name of the current view's table");
    }

    /**
     * Registers an empty table {@code <table>_current_build} at {@code location}, with the column ids and buckets the
     * current view's table will have for {@code schema}, for an engine to write a full version's rows into.
     *
     * @return its name as Athena's SQL names it
     */
    default String stageCurrent(String location, SnapshotSchema schema, int buckets) {
        throw new UnsupportedOperationException("this catalog stages no tables");
    }

    /**
     * The files the engine wrote into the staged table, as parts; the table is dropped, its files stay.
     *
     * @throws IllegalStateException when the current view's table changed since it was staged
     */
    default java.util.List<StagedPart> unstageCurrent(SnapshotSchema schema) {
        throw new UnsupportedOperationException("this catalog stages no tables");
    }

    /**
     * A position delete file of a version: the rows it removes, and the first and last part (URIs, in text order) it
     * names, null when not known; a reader applies it only to the parts between them.
     */
    record DeleteFile(long rows, String firstPart, String lastPart) {}

    /** Whether the current view's table takes position delete files (Iceberg's format 2; format 3 wants deletion vectors). */
    default boolean takesPositionDeletes() {
        return true;
    }

    /** A file an engine wrote into a staged table: its lake key, rows and bucket ({@code -1}: no buckets). */
    record StagedPart(String key, long rows, int bucket) {}

    /** The export the catalog's snapshot table holds, if it holds one. */
    default java.util.Optional<String> publishedSnapshot() {
        return java.util.Optional.empty();
    }

    /** Publishes a view as of a time: one commit of its table {@code <table>_asof_<time>}. */
    default void registerAsOf(AsOf view) {}

    /** The lake key of the {@code _view.json} the table of the view as of {@code time} names, if there is one. */
    default java.util.Optional<String> publishedAsOfState(Instant time) {
        return java.util.Optional.empty();
    }

    /**
     * How a view's parts partition its keys: each part holds the keys of one bucket of Iceberg's bucket transform
     * {@code bucket[count](_key)}, the part's number in {@code ofPart} (by key in the lake's bucket).
     *
     * @param count the number of buckets; 0 when the parts are not partitioned (a view Athena wrote)
     */
    record Buckets(int count, Map<String, Integer> ofPart) {
        public static final Buckets NONE = new Buckets(0, Map.of());

        public Buckets {
            ofPart = Map.copyOf(ofPart);
        }
    }

    /**
     * A view as of a time.
     *
     * @param parts its Parquet parts, key (in the lake's bucket) to rows
     * @param stateKey the lake key of its {@code _view.json}, which the commit names
     * @param replaces the lake key of the {@code _view.json} the table must still name for the commit to be made
     *     (the build the table held when this one started), null when it must have none
     */
    record AsOf(
            Instant time,
            SnapshotSchema schema,
            String location,
            Map<String, Long> parts,
            Buckets buckets,
            String snapshotExportId,
            String stateKey,
            String replaces) {
        public AsOf {
            Objects.requireNonNull(time, "time == null");
            Objects.requireNonNull(schema, "schema == null");
            parts = Map.copyOf(parts);
            Objects.requireNonNull(buckets, "buckets == null");
        }
    }

    /**
     * A version about to be published.
     *
     * @param parts the version's Parquet parts, key (in the lake's bucket) to rows
     * @param deletes the version's Iceberg position delete files by key: the rows of its parts that later changes
     *     replaced (merge-on-read); empty when its parts hold only live rows
     * @param buckets how the parts and delete files partition the keys
     * @param snapshotExportId the snapshot the version was built on
     * @param changesApplied the changes the run applied
     * @param lastChangeTime the time of the newest change the version holds (ISO-8601), null when it holds none
     * @param deltasListedAt when the run listed the delta objects it applied (ISO-8601): every object last modified
     *     before it less {@code views.late-window}, from the snapshot's floor on, is in the version; null for a
     *     version of an earlier release
     * @param stateKey the lake key of the version's state ({@code current/_state/…}); null for a version of an earlier
     *     release
     * @param basedOn the lake key of the state of the version it was built on, which the table's current commit must
     *     still name; null when it was built on none (from the snapshot, over a commit that names none)
     * @param fieldIds the Iceberg field ids the version's parts were written with, by column; empty when none
     * @param mergedOver where the table stood ({@code lake.IcebergTable.Mark}) before the engine merged the version's
     *     changes into it itself (Athena's MERGE INTO), null when the commit replaces the rows with the parts: the
     *     commit then only records the version, over the engine's own commits since that mark
     * @param bytes the sizes of the parts and delete files the state records them for (key to bytes), which the commit
     *     then takes instead of listing their folders; a state of an earlier release records none
     */
    record Version(
            long version,
            SnapshotSchema schema,
            String location,
            Map<String, Long> parts,
            Map<String, DeleteFile> deletes,
            Buckets buckets,
            String snapshotExportId,
            long changesApplied,
            String lastChangeTime,
            String deltasListedAt,
            String stateKey,
            String basedOn,
            Map<String, Integer> fieldIds,
            String mergedOver,
            Map<String, Long> bytes) {
        public Version {
            Objects.requireNonNull(schema, "schema == null");
            Objects.requireNonNull(location, "location == null");
            parts = Map.copyOf(parts);
            deletes = Map.copyOf(deletes);
            Objects.requireNonNull(buckets, "buckets == null");
            Objects.requireNonNull(snapshotExportId, "snapshotExportId == null");
            fieldIds = Map.copyOf(fieldIds);
            bytes = Map.copyOf(bytes);
        }

        /** Whether the engine merged the version into the table itself. */
        public boolean inPlace() {
            return mergedOver != null;
        }
    }

    /**
     * The version a state publishes: a version's {@code current/_state/…}, or the pointer {@code current/_current.json}
     * of a release before the Iceberg tables, taken over on start.
     */
    static Version published(JsonNode state) {
        Map<String, Long> parts = new LinkedHashMap<>();
        Map<String, Integer> ofPart = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        state.path("parts").forEach(p -> {
            parts.put(p.path("key").asText(), p.path("rows").asLong());
            ofPart.put(p.path("key").asText(), p.path("bucket").asInt());
        });
        for (String kind : List.of("parts", "deletes")) {
            state.path(kind).forEach(p -> {
                if (p.path("bytes").isNumber()) {
                    bytes.put(p.path("key").asText(), p.path("bytes").asLong());
                }
            });
        }
        Map<String, DeleteFile> deletes = new LinkedHashMap<>();
        state.path("deletes").forEach(p -> {
            deletes.put(
                    p.path("key").asText(),
                    new DeleteFile(
                            p.path("rows").asLong(),
                            p.path("firstPart").asText(null),
                            p.path("lastPart").asText(null)));
            ofPart.put(p.path("key").asText(), p.path("bucket").asInt());
        });
        // Only the project's engine writes a part per bucket, and only since its buckets are Iceberg's.
        boolean partitioned = ViewBuilder.icebergBuckets(state);
        return new Version(
                state.path("version").asLong(),
                SnapshotSchema.fromJson(state.path("schema")),
                state.path("location").asText(),
                parts,
                deletes,
                partitioned ? new Buckets(state.path("buckets").asInt(), ofPart) : Buckets.NONE,
                state.path("snapshot").asText(),
                state.path("changesApplied").asLong(),
                state.path("lastChangeTime").isTextual()
                        ? state.path("lastChangeTime").asText()
                        : null,
                state.path("deltas").path("listedAt").isTextual()
                        ? state.path("deltas").path("listedAt").asText()
                        : null,
                state.path("state").isTextual() ? state.path("state").asText() : null,
                state.path("basedOn").isTextual() ? state.path("basedOn").asText() : null,
                fieldIds(state.path("fieldIds")),
                state.path("mergedOver").isTextual() ? state.path("mergedOver").asText() : null,
                bytes);
    }

    /** A state's {@code fieldIds}: column name to Iceberg field id. */
    static Map<String, Integer> fieldIds(JsonNode ids) {
        Map<String, Integer> out = new LinkedHashMap<>();
        ids.properties().forEach(e -> out.put(e.getKey(), e.getValue().asInt()));
        return out;
    }
}
