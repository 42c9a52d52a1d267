package localaws.dynamodb.attributes;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB's value rules as the emulator applies them: ordering of S, N and B, item size, and what a stored item
 * must satisfy (numbers within range and trimmed, sets non-empty and without duplicates).
 */
public final class Values {
    /** The largest item DynamoDB stores, 400 KB. */
    public static final int MAX_ITEM_BYTES = 400 * 1024;

    private Values() {}

    /** Orders two scalar values of the same type the way DynamoDB sorts keys; null when they cannot be ordered. */
    public static Integer compare(AttributeValue a, AttributeValue b) {
        if (a == null || b == null || a.type() != b.type()) {
            return null;
        }
        return switch (a.type()) {
            case S -> compareBytes(a.s().getBytes(StandardCharsets.UTF_8), b.s().getBytes(StandardCharsets.UTF_8));
            case N -> number(a.n()).compareTo(number(b.n()));
            case B -> compareBytes(a.b().asByteArrayUnsafe(), b.b().asByteArrayUnsafe());
            default -> null;
        };
    }

    public static BigDecimal number(String text) {
        return new BigDecimal(text);
    }

    private static int compareBytes(byte[] x, byte[] y) {
        return Arrays.compareUnsigned(x, y);
    }

    /**
     * The item as DynamoDB stores it: numbers trimmed (2.0 becomes 2), and every rule checked.
     *
     * @throws AwsServiceException ValidationException in DynamoDB's words when a value breaks a rule
     */
    public static Map<String, AttributeValue> normalizeItem(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            if (e.getKey().isEmpty()) {
                throw AwsServiceException.validation(
                        "One or more parameter values were invalid: An attribute" + " name cannot be empty");
            }
            out.put(e.getKey(), normalize(e.getValue()));
        }
        return out;
    }

    /**
     * One value as DynamoDB stores it; see {@link #normalizeItem}. The set messages, double space and all, are
     * DynamoDB's as dynalite's tests record them.
     */
    public static AttributeValue normalize(AttributeValue v) {
        return switch (v.type()) {
            case N -> AttributeValue.fromN(DynamoNumber.normalize(v.n()));
            case NUL -> {
                if (!v.nul()) {
                    throw invalid("Null attribute value types must have the value of true");
                }
                yield v;
            }
            case NS -> AttributeValue.fromNs(numberSet(v.ns()));
            case SS -> {
                if (v.ss().isEmpty()) {
                    throw invalid("An string set  may not be empty");
                }
                if (hasDuplicates(v.ss())) {
                    throw invalid("Input collection " + v.ss() + " contains duplicates.");
                }
                yield v;
            }
            case BS -> {
                if (v.bs().isEmpty()) {
                    throw invalid("Binary sets should not be empty");
                }
                if (hasDuplicates(v.bs())) {
                    throw invalid("Input collection " + base64(v.bs()) + "of type BS contains duplicates.");
                }
                yield v;
            }
            case L -> {
                List<AttributeValue> list = new ArrayList<>(v.l().size());
                for (AttributeValue e : v.l()) {
                    list.add(normalize(e));
                }
                yield AttributeValue.fromL(list);
            }
            case M -> {
                Map<String, AttributeValue> map = new LinkedHashMap<>();
                v.m().forEach((k, e) -> map.put(k, normalize(e)));
                yield AttributeValue.fromM(map);
            }
            default -> v;
        };
    }

    private static List<String> numberSet(List<String> members) {
        if (members.isEmpty()) {
            throw invalid("An number set  may not be empty");
        }
        List<String> out = new ArrayList<>(members.size());
        for (String n : members) {
            out.add(DynamoNumber.normalize(n));
        }
        if (hasDuplicates(out)) {
            // DynamoDB words this one without the "parameter values were invalid" of the other sets.
            throw AwsServiceException.validation("Input collection contains duplicates");
        }
        return out;
    }

    private static boolean hasDuplicates(List<?> members) {
        Set<Object> seen = new HashSet<>();
        for (Object m : members) {
            if (!seen.add(m instanceof SdkBytes b ? b.asByteBuffer() : m)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> base64(List<SdkBytes> members) {
        return members.stream()
                .map(b -> Base64.getEncoder().encodeToString(b.asByteArrayUnsafe()))
                .toList();
    }

    private static AwsServiceException invalid(String problem) {
        return AwsServiceException.validation("One or more parameter values were invalid: " + problem);
    }

    /** The item's size as DynamoDB counts it against the 400 KB limit and 1 MB pages. */
    public static int itemSize(Map<String, AttributeValue> item) {
        int size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8Length(e.getKey()) + size(e.getValue());
        }
        return size;
    }

    public static int size(AttributeValue v) {
        return switch (v.type()) {
            case S -> utf8Length(v.s());
            case N -> numberSize(v.n());
            case B -> v.b().asByteArrayUnsafe().length;
            case BOOL, NUL -> 1;
            case SS -> v.ss().stream().mapToInt(Values::utf8Length).sum();
            case NS -> v.ns().stream().mapToInt(Values::numberSize).sum();
            case BS ->
                v.bs().stream().mapToInt(b -> b.asByteArrayUnsafe().length).sum();
            case L -> 3 + v.l().stream().mapToInt(e -> 1 + size(e)).sum();
            case M ->
                3
                        + v.m().entrySet().stream()
                                .mapToInt(e -> 1 + utf8Length(e.getKey()) + size(e.getValue()))
                                .sum();
            default -> 0;
        };
    }

    private static int numberSize(String n) {
        int digits = 0;
        for (int i = 0; i < n.length(); i++) {
            if (Character.isDigit(n.charAt(i))) {
                digits++;
            }
        }
        return (digits + 1) / 2 + 1;
    }

    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The DynamoDB type name of a value: S, N, B, BOOL, NULL, SS, NS, BS, L or M. */
    public static String typeName(AttributeValue v) {
        return v.type() == AttributeValue.Type.NUL ? "NULL" : v.type().name();
    }
}
