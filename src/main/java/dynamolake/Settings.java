package dynamolake;

import java.time.Duration;
import java.util.Locale;
import org.apache.camel.CamelContext;

/**
 * Typed reads of the application's properties. A missing or bad value stops startup with one line naming the key
 * and what it expects, for example {@code stream.idle-delay: expected a duration such as 500ms, 30s, 15m or PT15M,
 * was 'soon'}.
 */
final class Settings {
    private final CamelContext context;

    Settings(CamelContext context) {
        this.context = context;
    }

    String text(String key) {
        String v = context.getPropertiesComponent().resolveProperty(key).orElse(null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(key + ": missing; it has no default and must be set");
        }
        return context.resolvePropertyPlaceholders(v.trim());
    }

    /** The value, or null when the key is missing or blank (an optional setting). */
    String optional(String key) {
        String v = context.getPropertiesComponent().resolveProperty(key).orElse(null);
        return v == null || v.isBlank() ? null : context.resolvePropertyPlaceholders(v.trim());
    }

    int integer(String key, int min, int max) {
        String v = text(key);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                key + ": expected a whole number from " + min + " to " + max + ", was '" + v + "'");
    }

    /** A size ({@code 512MB}) in bytes, at least {@code min}. */
    long bytes(String key, long min) {
        String v = text(key);
        long n;
        try {
            n = ConfigKeys.parseSize(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": expected a size such as 512MB or 4GB, was '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(key + ": expected at least " + min + " bytes, was '" + v + "'");
        }
        return n;
    }

    boolean bool(String key) {
        String v = text(key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + ": expected true or false, was '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    Duration duration(String key) {
        String v = text(key);
        try {
            Duration d = ConfigKeys.parseDuration(v);
            if (!d.isNegative()) {
                return d;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                key + ": expected a duration such as 500ms, 30s, 15m or PT15M, was '" + v + "'");
    }

    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String v = text(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                key + ": expected one of " + java.util.Arrays.toString(type.getEnumConstants()) + ", was '" + v + "'");
    }
}
