package observe;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * Who may call Jolokia. With a bearer token ({@code observe.jolokia.token-file}) every request must carry it, as
 * {@code Authorization: Bearer <token>}. Without one, control ({@code observe.jolokia.allow-control=true}) takes only
 * requests that Camel's management server authenticated ({@code camel.management.authentication-enabled} with
 * {@code basic-properties-file}): if its {@code authentication-path} missed Jolokia, every call is refused rather
 * than let through. Read-only and without a token, whoever reaches the port may read.
 */
final class JolokiaAuthentication {
    private static final String BEARER = "bearer ";

    private final byte[] tokenDigest;
    private final boolean camelAuthenticated;

    private JolokiaAuthentication(byte[] tokenDigest, boolean camelAuthenticated) {
        this.tokenDigest = tokenDigest;
        this.camelAuthenticated = camelAuthenticated;
    }

    /** The callers {@code allowControl} and a bearer token ({@code null}: none) let in. */
    static JolokiaAuthentication of(boolean allowControl, String token) {
        if (token != null) {
            if (token.isBlank()) {
                throw new IllegalArgumentException("token is blank");
            }
            return new JolokiaAuthentication(sha256(token), false);
        }
        return new JolokiaAuthentication(null, allowControl);
    }

    /** Null when the request may go on, else why not: the message of its 401. */
    String refusal(RoutingContext ctx) {
        if (tokenDigest != null) {
            String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
            if (header == null || !header.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
                return "Jolokia needs the bearer token of observe.jolokia.token-file (Authorization: Bearer <token>)";
            }
            // Digests of equal length, compared in constant time: neither the token nor its length shows in timing.
            byte[] given = sha256(header.substring(BEARER.length()).trim());
            return MessageDigest.isEqual(given, tokenDigest) ? null : "the bearer token is not the one configured";
        }
        if (camelAuthenticated && ctx.user() == null) {
            return "observe.jolokia.allow-control=true takes only authenticated requests, and camel.management's"
                    + " authentication did not cover this one (does camel.management.authentication-path cover"
                    + " the Jolokia path?)";
        }
        return null;
    }

    /** The {@code WWW-Authenticate} challenge of a 401. */
    String challenge() {
        return tokenDigest != null ? "Bearer realm=\"dynamo-lake\"" : "Basic realm=\"dynamo-lake\"";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
