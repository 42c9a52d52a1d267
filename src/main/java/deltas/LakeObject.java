package deltas;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** An object the delta route writes straight into the lake (an oversized envelope, a dead letter). */
public record LakeObject(String key, byte[] content) {
    public LakeObject {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(content, "content == null");
    }

    public static LakeObject of(String key, String text) {
        return new LakeObject(key, text.getBytes(StandardCharsets.UTF_8));
    }
}
