package localaws.nio2blob;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import org.gaul.s3proxy.nio2blob.AbstractNio2BlobStore;

/**
 * S3Proxy's filesystem store (buckets as folders, objects as files) that takes server-side encryption as S3 does:
 * a PutObject, CreateMultipartUpload or CopyObject with {@code x-amz-server-side-encryption} (AES256, or aws:kms with
 * its key) is stored, and HeadObject and GetObject answer with it. S3Proxy's own filesystem store refuses those
 * headers with 501 NotImplemented, so an application writing encrypted objects could not run locally; its in-memory
 * store has the same code enabled. Nothing is encrypted on disk: the lake stays a folder to open.
 *
 * <p>It lives in a package named {@code nio2blob} because S3Proxy picks a store's quirks (conditional writes,
 * conditional deletes: what Trino's Hive connector uses) by the package of its class; elsewhere it would answer
 * If-None-Match with 501.
 */
public final class EncryptingFilesystemBlobStore extends AbstractNio2BlobStore {
    public EncryptingFilesystemBlobStore(Path root) {
        super(FileSystems.getDefault().getPath(root.toAbsolutePath().toString()));
    }

    @Override
    public boolean supportsServerSideEncryption() {
        return true;
    }

    @Override
    public boolean supportsBucketEncryption() {
        return true;
    }
}
