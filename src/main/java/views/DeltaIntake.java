package views;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import item.ItemFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import lake.ColumnType;
import lake.DataFileReader;
import lake.LakeLayout;
import lake.LakeStore;
import lake.SchemaDiscovery;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A view build's first step: every line of the delta objects into the build's DuckDB table {@code changes} (bucket,
 * key, sequence number, action, time, row) and the images into its {@link ItemSpill}; lines that are not delta
 * envelopes are dead-lettered beside the object, named by object and line. {@code threads} readers share the objects:
 * each parses its lines and writes their narrow columns to a file of its own, which DuckDB reads into the table in one
 * statement at the end.
 */
final class DeltaIntake {
    private static final Logger LOG = LoggerFactory.getLogger(DeltaIntake.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the changes read hold: their attributes' types, how many there were, the latest change's time. */
    record Read(SchemaDiscovery discovery, long changes, Instant lastTime) {
        private Read merge(Read other) {
            discovery.merge(other.discovery());
            Instant last = lastTime == null
                            || (other.lastTime() != null && other.lastTime().isAfter(lastTime))
                    ? other.lastTime()
                    : lastTime;
            return new Read(discovery, changes + other.changes(), last);
        }
    }

    private final LakeStore lake;
    private final LakeLayout layout;
    private final int threads;
    private final int buckets;

    DeltaIntake(LakeStore lake, LakeLayout layout, int threads, int buckets) {
        this.lake = lake;
        this.layout = layout;
        this.threads = threads;
        this.buckets = buckets;
    }

    /**
     * Reads the objects into {@code db}'s new table {@code changes}.
     *
     * @param until the attributes of changes after this time are left out of the discovery (null: none are)
     * @param schema the snapshot's: its keys, and which attributes it holds as binary
     */
    Read read(Connection db, ItemSpill spill, List<String> objects, Instant until, SnapshotSchema schema, Path work)
            throws Exception {
        Reader reader = new Reader(spill, objects, until, schema);
        int readers = Math.max(1, Math.min(threads, objects.size()));
        List<Read> read = Collections.synchronizedList(new ArrayList<>());
        List<String> files = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        long r0 = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int k = 0; k < readers; k++) {
                Path rows = work.resolve("changes-" + k + ".jsonl");
                files.add(rows.toString());
                running.add(pool.submit(() -> {
                    read.add(reader.readInto(rows));
                    return null;
                }));
            }
            Parallel.awaitAll(running);
        } finally {
            Parallel.stopAll(pool);
        }
        long r1 = System.nanoTime();
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE changes (_bucket INTEGER, _key VARCHAR, _seq VARCHAR, _action VARCHAR,"
                    + " _time TIMESTAMP, _row BIGINT)");
            st.execute("INSERT INTO changes SELECT b, k, s, a, make_timestamp(t), r FROM read_json("
                    + ViewSql.duckDbList(files)
                    + ", format = 'newline_delimited', columns = {b: 'INTEGER', k: 'VARCHAR', s: 'VARCHAR',"
                    + " a: 'VARCHAR', t: 'BIGINT', r: 'BIGINT'})");
        }
        LOG.debug(
                "Read {} delta objects in {} ms, their changes loaded into DuckDB in {} ms",
                objects.size(),
                (r1 - r0) / 1_000_000,
                (System.nanoTime() - r1) / 1_000_000);
        Read all = new Read(new SchemaDiscovery(), 0, null);
        for (Read r : read) {
            all = all.merge(r);
        }
        return all;
    }

    /** The objects, taken one at a time by whichever reader is free. */
    private final class Reader {
        private final ItemSpill spill;
        private final List<String> objects;
        private final Instant until;
        private final List<String> keyNames;
        private final Set<String> binary = new HashSet<>();
        private final AtomicInteger next = new AtomicInteger();

        Reader(ItemSpill spill, List<String> objects, Instant until, SnapshotSchema schema) {
            this.spill = spill;
            this.objects = objects;
            this.until = until;
            this.keyNames = schema.keyAttributes();
            schema.columns().stream()
                    .filter(c -> c.attribute() != null && c.type() == ColumnType.BINARY)
                    .forEach(c -> binary.add(c.attribute()));
        }

        /** Reads objects until none is left, their changes' columns into {@code rows}. */
        Read readInto(Path rows) throws Exception {
            Read read = new Read(new SchemaDiscovery(), 0, null);
            try (JsonGenerator out = JSON.getFactory().createGenerator(Files.newOutputStream(rows))) {
                for (int i = next.getAndIncrement(); i < objects.size(); i = next.getAndIncrement()) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("the build stopped reading " + objects.get(i));
                    }
                    read = read.merge(readObject(objects.get(i), out));
                }
            }
            return read;
        }

        private Read readObject(String key, JsonGenerator out) throws IOException {
            SchemaDiscovery discovery = new SchemaDiscovery();
            long[] changes = {0};
            Instant[] last = {null};
            List<String> dead = new ArrayList<>();
            try (InputStream in = new BufferedInputStream(lake.open(key), 1 << 16)) {
                DataFileReader.read(in, isGzip(in), (buf, off, len, line) -> {
                    DeltaLines.Change c;
                    try {
                        c = DeltaLines.parse(buf, off, len, keyNames);
                    } catch (ItemFormatException e) {
                        dead.add(deadLetter(
                                key, line, e.getMessage(), new String(buf, off, len, StandardCharsets.UTF_8)));
                        return;
                    }
                    if (c == null) {
                        return; // keys only: nothing to apply
                    }
                    write(c, out);
                    if (c.attributes() != null
                            && (until == null || c.time() == null || !c.time().isAfter(until))) {
                        discovery.observe(asStored(c.attributes(), binary));
                    }
                    changes[0]++;
                    if (c.time() != null && (last[0] == null || c.time().isAfter(last[0]))) {
                        last[0] = c.time();
                    }
                });
            }
            if (!dead.isEmpty()) {
                lake.putText(layout.viewDeadLetters(key), String.join("\n", dead) + "\n");
                LOG.error(
                        "{} lines of {} are not delta envelopes; they are in {} and left out of the view",
                        dead.size(),
                        lake.uri(key),
                        lake.uri(layout.viewDeadLetters(key)));
            }
            return new Read(discovery, changes[0], last[0]);
        }

        /** A change's narrow columns as one line; its image waits in the spill. */
        private void write(DeltaLines.Change c, JsonGenerator out) throws IOException {
            out.writeStartObject();
            out.writeNumberField("b", ViewSql.icebergBucket(c.key(), buckets));
            out.writeStringField("k", c.key());
            out.writeStringField("s", c.sequence());
            out.writeStringField("a", c.action().name());
            if (c.time() != null) {
                out.writeNumberField("t", ChronoUnit.MICROS.between(Instant.EPOCH, c.time()));
            }
            // The image's place in the spill is the row's number, which also tells duplicates apart (0 is a base
            // row's).
            out.writeNumberField(
                    "r",
                    spill.put(
                            c.key(),
                            c.sequence(),
                            c.imageLength() == 0 ? null : c.line(),
                            c.imageOffset(),
                            c.imageLength()));
            out.writeEndObject();
            out.writeRaw('\n');
        }
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b;
    }

    private static String deadLetter(String object, long line, String reason, String raw) {
        return JSON.createObjectNode()
                .put("object", object)
                .put("line", line)
                .put("reason", reason)
                .put("raw", raw)
                .toString();
    }

    /** Plain JSON has no binary type: attributes the snapshot holds as binary are counted as binary. */
    private static List<SchemaDiscovery.Value> asStored(List<SchemaDiscovery.Value> item, Set<String> binary) {
        if (binary.isEmpty()) {
            return item;
        }
        List<SchemaDiscovery.Value> out = new ArrayList<>(item.size());
        for (SchemaDiscovery.Value v : item) {
            if (v.type() == AttributeValue.Type.S && binary.contains(v.attribute())) {
                try {
                    Base64.getDecoder().decode(v.text());
                    v = new SchemaDiscovery.Value(v.attribute(), AttributeValue.Type.B, null);
                } catch (IllegalArgumentException notBase64) {
                    // a string after all: the column widens to text
                }
            }
            out.add(v);
        }
        return out;
    }
}
