package localaws.dynamodb.expr;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A parsed UpdateExpression. Every right-hand side is evaluated against the item as it was before the update, then
 * SET, REMOVE, ADD and DELETE are applied, as DynamoDB does.
 */
public record Update(List<Action> actions) {
    /** One action of an update expression. */
    public sealed interface Action {
        Path path();
    }

    public record Set_(Path path, Operand value) implements Action {}

    public record Remove(Path path) implements Action {}

    public record Add(Path path, Operand value) implements Action {}

    public record Delete(Path path, Operand value) implements Action {}

    public Update {
        actions = List.copyOf(actions);
        checkNoOverlap(actions);
    }

    /** The top-level attributes the update writes or removes, for ReturnValues UPDATED_OLD and UPDATED_NEW. */
    public Set<String> touchedAttributes() {
        Set<String> out = new LinkedHashSet<>();
        actions.forEach(a -> out.add(a.path().head()));
        return out;
    }

    /** The item after the update. */
    public Map<String, AttributeValue> apply(Map<String, AttributeValue> before) {
        Map<Action, AttributeValue> values = new LinkedHashMap<>();
        for (Action a : actions) {
            if (a instanceof Set_ s) {
                values.put(a, s.value().eval(before));
            } else if (a instanceof Add add) {
                values.put(a, add.value().eval(before));
            } else if (a instanceof Delete d) {
                values.put(a, d.value().eval(before));
            }
        }
        Map<String, AttributeValue> item = before;
        for (Action a : actions) {
            if (a instanceof Set_) {
                item = Documents.set(item, a.path(), values.get(a));
            }
        }
        item = applyRemoves(item);
        for (Action a : actions) {
            if (a instanceof Add) {
                item = add(item, a.path(), values.get(a));
            } else if (a instanceof Delete) {
                item = delete(item, a.path(), values.get(a));
            }
        }
        return item;
    }

    private Map<String, AttributeValue> applyRemoves(Map<String, AttributeValue> item) {
        List<Path> removes = new ArrayList<>();
        actions.stream().filter(a -> a instanceof Remove).forEach(a -> removes.add(a.path()));
        // Indexes name positions in the list as it was: remove from the back so earlier positions stay valid.
        removes.sort(Comparator.comparing(Update::lastIndex).reversed());
        for (Path p : removes) {
            item = Documents.remove(item, p);
        }
        return item;
    }

    private static int lastIndex(Path p) {
        Object last = p.elements().get(p.elements().size() - 1);
        return last instanceof Integer i ? i : -1;
    }

    private static Map<String, AttributeValue> add(Map<String, AttributeValue> item, Path path, AttributeValue v) {
        AttributeValue existing = Documents.get(item, path);
        if (v.n() != null) {
            if (existing == null) {
                return Documents.set(item, path, v);
            }
            if (existing.n() != null) {
                return Documents.set(
                        item,
                        path,
                        new Operand.Arithmetic(new Operand.Literal(existing), new Operand.Literal(v), true).eval(item));
            }
        } else if (v.hasSs() || v.hasNs() || v.hasBs()) {
            if (existing == null) {
                return Documents.set(item, path, v);
            }
            if (existing.type() == v.type()) {
                return Documents.set(item, path, union(existing, v));
            }
        }
        throw AwsServiceException.validation("An operand in the update expression has an incorrect data type");
    }

    private static Map<String, AttributeValue> delete(Map<String, AttributeValue> item, Path path, AttributeValue v) {
        if (!(v.hasSs() || v.hasNs() || v.hasBs())) {
            throw AwsServiceException.validation("An operand in the update expression has an incorrect data type");
        }
        AttributeValue existing = Documents.get(item, path);
        if (existing == null) {
            return item;
        }
        if (existing.type() != v.type()) {
            throw AwsServiceException.validation("An operand in the update expression has an incorrect data type");
        }
        AttributeValue rest = difference(existing, v);
        return rest == null ? Documents.remove(item, path) : Documents.set(item, path, rest);
    }

    private static AttributeValue union(AttributeValue a, AttributeValue b) {
        return switch (a.type()) {
            case SS -> AttributeValue.fromSs(List.copyOf(unionOf(a.ss(), b.ss())));
            case NS -> AttributeValue.fromNs(List.copyOf(unionOf(a.ns(), b.ns())));
            default -> AttributeValue.fromBs(List.copyOf(unionOf(a.bs(), b.bs())));
        };
    }

    private static <T> Set<T> unionOf(List<T> a, List<T> b) {
        Set<T> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    private static AttributeValue difference(AttributeValue a, AttributeValue b) {
        return switch (a.type()) {
            case SS -> nonEmpty(minus(a.ss(), b.ss()), AttributeValue::fromSs);
            case NS -> nonEmpty(minus(a.ns(), b.ns()), AttributeValue::fromNs);
            default -> nonEmpty(minus(a.bs(), b.bs()), (List<SdkBytes> l) -> AttributeValue.fromBs(l));
        };
    }

    private static <T> List<T> minus(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.removeAll(b);
        return out;
    }

    private static <T> AttributeValue nonEmpty(
            List<T> members, java.util.function.Function<List<T>, AttributeValue> f) {
        return members.isEmpty() ? null : f.apply(members);
    }

    private static void checkNoOverlap(List<Action> actions) {
        for (int i = 0; i < actions.size(); i++) {
            for (int j = i + 1; j < actions.size(); j++) {
                List<Object> a = actions.get(i).path().elements();
                List<Object> b = actions.get(j).path().elements();
                int n = Math.min(a.size(), b.size());
                if (a.subList(0, n).equals(b.subList(0, n))) {
                    throw AwsServiceException.validation("Invalid UpdateExpression: Two document paths overlap with"
                            + " each other; must remove or rewrite one of these paths; path one: " + a
                            + ", path two: " + b);
                }
            }
        }
    }
}
