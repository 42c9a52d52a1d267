package localaws.dynamodb.expr;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import localaws.dynamodb.attributes.Values;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A condition of ConditionExpression, FilterExpression or KeyConditionExpression. A comparison involving an
 * attribute the item does not have, or values of different types, is false, as in DynamoDB.
 */
public sealed interface Condition {
    boolean test(Map<String, AttributeValue> item);

    record And(Condition left, Condition right) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            return left.test(item) && right.test(item);
        }
    }

    record Or(Condition left, Condition right) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            return left.test(item) || right.test(item);
        }
    }

    record Not(Condition inner) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            return !inner.test(item);
        }
    }

    /** {@code =, <>, <, <=, >, >=}. */
    record Compare(String op, Operand left, Operand right) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue a = left.eval(item);
            AttributeValue b = right.eval(item);
            if (a == null || b == null) {
                return false;
            }
            if (op.equals("=")) {
                return same(a, b);
            }
            if (op.equals("<>")) {
                return !same(a, b);
            }
            Integer c = Values.compare(a, b);
            if (c == null) {
                return false;
            }
            return switch (op) {
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c >= 0;
            };
        }
    }

    record Between(Operand value, Operand low, Operand high) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue v = value.eval(item);
            Integer lo = Values.compare(v, low.eval(item));
            Integer hi = Values.compare(v, high.eval(item));
            return lo != null && hi != null && lo >= 0 && hi <= 0;
        }
    }

    record In(Operand value, List<Operand> candidates) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue v = value.eval(item);
            return v != null && candidates.stream().map(c -> c.eval(item)).anyMatch(c -> c != null && same(v, c));
        }
    }

    record AttributeExists(Path path, boolean exists) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            return (Documents.get(item, path) != null) == exists;
        }
    }

    record AttributeType(Path path, Operand type) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue v = Documents.get(item, path);
            AttributeValue t = type.eval(item);
            return v != null && t != null && t.s() != null && Values.typeName(v).equals(t.s());
        }
    }

    record BeginsWith(Operand value, Operand prefix) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue v = value.eval(item);
            AttributeValue p = prefix.eval(item);
            if (v == null || p == null) {
                return false;
            }
            if (v.s() != null && p.s() != null) {
                return v.s().startsWith(p.s());
            }
            if (v.b() != null && p.b() != null) {
                byte[] a = v.b().asByteArrayUnsafe();
                byte[] b = p.b().asByteArrayUnsafe();
                return a.length >= b.length && java.util.Arrays.equals(a, 0, b.length, b, 0, b.length);
            }
            return false;
        }
    }

    record Contains(Operand value, Operand member) implements Condition {
        @Override
        public boolean test(Map<String, AttributeValue> item) {
            AttributeValue v = value.eval(item);
            AttributeValue m = member.eval(item);
            if (v == null || m == null) {
                return false;
            }
            return switch (v.type()) {
                case S -> m.s() != null && v.s().contains(m.s());
                case SS -> m.s() != null && v.ss().contains(m.s());
                case NS ->
                    m.n() != null
                            && v.ns().stream().anyMatch(n -> new BigDecimal(n).compareTo(new BigDecimal(m.n())) == 0);
                case BS -> m.b() != null && v.bs().contains(m.b());
                case L -> v.l().stream().anyMatch(e -> same(e, m));
                default -> false;
            };
        }
    }

    /** Equality as DynamoDB defines it: numbers by value, sets regardless of order. */
    static boolean same(AttributeValue a, AttributeValue b) {
        if (a.type() != b.type()) {
            return false;
        }
        return switch (a.type()) {
            case N -> new BigDecimal(a.n()).compareTo(new BigDecimal(b.n())) == 0;
            case SS -> new HashSet<>(a.ss()).equals(new HashSet<>(b.ss()));
            case NS ->
                a.ns().size() == b.ns().size()
                        && a.ns().stream()
                                .allMatch(n -> b.ns().stream()
                                        .anyMatch(o -> new BigDecimal(n).compareTo(new BigDecimal(o)) == 0));
            case BS -> new HashSet<SdkBytes>(a.bs()).equals(new HashSet<SdkBytes>(b.bs()));
            case L -> a.l().size() == b.l().size() && allSame(a.l(), b.l());
            case M ->
                a.m().size() == b.m().size()
                        && a.m().entrySet().stream()
                                .allMatch(e ->
                                        b.m().containsKey(e.getKey()) && same(e.getValue(), b.m().get(e.getKey())));
            default -> Objects.equals(a, b);
        };
    }

    private static boolean allSame(List<AttributeValue> a, List<AttributeValue> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!same(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
