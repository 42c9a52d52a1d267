package dynamolake;

import java.time.Duration;
import java.util.Locale;
import org.apache.camel.CamelContext;

/**
 * Typed reads of the application's settings, each held against its declaration in {@link ConfigKeys}: no reader
 * repeats a range or a default. A missing or bad value stops startup with one line naming the key and what it
 * expects, for example {@code views.threads: expected a whole number from 1 to 1024, was '0'}.
 */
final class Settings {
    private final CamelContext context;

    Settings(CamelContext context) {
        this.context = context;
    }

    /** The value, checked against the key's rule. */
    String text(String key) {
        String v = raw(key);
        if (v == null) {
            throw new IllegalArgumentException(
                    key + ": missing; expected " + declared(key).expected());
        }
        return v;
    }

    /** The value, or null when the key is empty (an optional setting); checked against the key's rule. */
    String optional(String key) {
        return raw(key);
    }

    int integer(String key) {
        return Integer.parseInt(text(key));
    }

    /** A size ({@code 512MB}) in bytes. */
    long bytes(String key) {
        return ConfigKeys.parseSize(text(key));
    }

    boolean bool(String key) {
        return Boolean.parseBoolean(text(key).toLowerCase(Locale.ROOT));
    }

    Duration duration(String key) {
        return ConfigKeys.parseDuration(text(key));
    }

    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String v = text(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException(key + ": expected " + declared(key).expected() + ", was '" + v + "'");
    }

    /** The resolved, trimmed value, or null when empty; a value its rule refuses is an error naming the key. */
    private String raw(String key) {
        ConfigKeys.Rule rule = declared(key);
        String v = context.getPropertiesComponent().resolveProperty(key).orElse(null);
        v = v == null || v.isBlank() ? null : context.resolvePropertyPlaceholders(v.trim());
        String problem = rule.problem(v == null ? "" : v);
        if (problem != null && v != null) {
            throw new IllegalArgumentException(key + ": expected " + problem + ", was '" + v + "'");
        }
        return v;
    }

    private static ConfigKeys.Rule declared(String key) {
        ConfigKeys.Rule rule = ConfigKeys.rule(key);
        if (rule == null) {
            throw new IllegalStateException(key + " is not declared in ConfigKeys");
        }
        return rule;
    }
}
