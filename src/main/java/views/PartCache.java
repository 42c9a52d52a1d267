package views;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lake.LakeStore;
import lake.SnapshotSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an incremental run reads of the current view's files, kept on the local disk between runs: each part's key and
 * sequence columns (a sparse copy, as {@link LakeStore#getParquetColumns} fetches them) and whole position delete
 * files. A run that finds a file here reads it instead of fetching it; the files a run writes come here from the work
 * folder once they are committed, so the next run fetches nothing it or this process wrote. A file of the lake is
 * never written twice under its key (every version's files are in a folder of their own attempt), so an entry is
 * right for as long as it is kept: the files of the committed version are kept, the others deleted.
 *
 * <p>An entry is a file named by a digest of its lake key, in a folder of the views' work folder. The key and
 * sequence columns are a fraction of the view, which a full build writes into the work folder whole.
 */
final class PartCache {
    private static final Logger LOG = LoggerFactory.getLogger(PartCache.class);
    private static final Set<String> KEY_COLUMNS = Set.of(SnapshotSchema.KEY, SnapshotSchema.SEQUENCE);

    private final Path folder;
    private final String lake;

    /**
     * @param folder where the entries are
     * @param lake the lake's URI ({@code s3://bucket/}), part of every entry's name: a lake key names a file of one
     *     lake only
     */
    PartCache(Path folder, String lake) {
        this.folder = folder;
        this.lake = lake;
    }

    /** The entry of the lake key, when this process (or an earlier one on this disk) kept one. */
    Optional<Path> get(String key) {
        Path file = entry(key);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Puts {@code source} (an entry of {@link #get}, or a file to keep) at {@code target}: a link where the disk allows
     * one, else a copy.
     */
    static void place(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Keeps the key and sequence columns of a part written locally ({@code local}), under its lake key. */
    void putColumns(String key, Path local) throws IOException {
        Path temporary = temporary();
        LakeStore.copyParquetColumns(local, temporary, KEY_COLUMNS);
        Files.move(temporary, entry(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Keeps {@code local} as it is (a delete file, or the columns {@link LakeStore#getParquetColumns} fetched), placed
     * as {@link #place} places an entry: a link keeps a sparse copy sparse, where a copy writes its holes out. The
     * caller never writes to {@code local} again.
     */
    void putFile(String key, Path local) throws IOException {
        Path temporary = temporary();
        Files.delete(temporary);
        place(local, temporary);
        Files.move(temporary, entry(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes every entry but those of {@code keys}: the files the committed version names. */
    void retainOnly(Set<String> keys) {
        Set<Path> kept = keys.stream().map(this::entry).collect(Collectors.toSet());
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!kept.contains(f)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not remove stale entries of {}: {}", folder, e.toString());
        }
    }

    private Path temporary() throws IOException {
        Files.createDirectories(folder);
        return Files.createTempFile(folder, ".put-", ".tmp");
    }

    private Path entry(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((lake + key).getBytes(StandardCharsets.UTF_8));
            return folder.resolve(HexFormat.of().formatHex(digest) + ".parquet");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
