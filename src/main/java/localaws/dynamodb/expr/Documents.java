package localaws.dynamodb.expr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads and rewrites values at document paths of immutable items: every change returns a new item and shares the
 * untouched parts.
 */
public final class Documents {
    private Documents() {}

    /** The value at the path, or null when any step of it does not exist. */
    public static AttributeValue get(Map<String, AttributeValue> item, Path path) {
        AttributeValue current = item.get(path.head());
        for (int i = 1; i < path.elements().size() && current != null; i++) {
            Object step = path.elements().get(i);
            if (step instanceof Integer index) {
                current = current.hasL() && index < current.l().size()
                        ? current.l().get(index)
                        : null;
            } else {
                current = current.hasM() ? current.m().get((String) step) : null;
            }
        }
        return current;
    }

    /**
     * The item with the value set at the path. The parent of the last step must exist; an index past the end of a
     * list appends.
     *
     * @throws AwsServiceException ValidationException when the path cannot be set
     */
    public static Map<String, AttributeValue> set(Map<String, AttributeValue> item, Path path, AttributeValue value) {
        Map<String, AttributeValue> out = new LinkedHashMap<>(item);
        if (path.isTopLevel()) {
            out.put(path.head(), value);
            return out;
        }
        AttributeValue top = item.get(path.head());
        out.put(path.head(), setIn(top, path, 1, value));
        return out;
    }

    private static AttributeValue setIn(AttributeValue container, Path path, int i, AttributeValue value) {
        Object step = path.elements().get(i);
        boolean last = i == path.elements().size() - 1;
        if (step instanceof Integer index && container != null && container.hasL()) {
            List<AttributeValue> list = new ArrayList<>(container.l());
            if (index < list.size()) {
                list.set(index, last ? value : setIn(list.get(index), path, i + 1, value));
            } else if (last) {
                list.add(value);
            } else {
                throw invalidPath();
            }
            return AttributeValue.fromL(list);
        }
        if (step instanceof String name && container != null && container.hasM()) {
            Map<String, AttributeValue> map = new LinkedHashMap<>(container.m());
            map.put(name, last ? value : setIn(map.get(name), path, i + 1, value));
            return AttributeValue.fromM(map);
        }
        throw invalidPath();
    }

    /** The item without the value at the path; a path that does not exist changes nothing. */
    public static Map<String, AttributeValue> remove(Map<String, AttributeValue> item, Path path) {
        if (path.isTopLevel()) {
            Map<String, AttributeValue> out = new LinkedHashMap<>(item);
            out.remove(path.head());
            return out;
        }
        AttributeValue top = item.get(path.head());
        AttributeValue changed = removeIn(top, path, 1);
        if (changed == top) {
            return item;
        }
        Map<String, AttributeValue> out = new LinkedHashMap<>(item);
        out.put(path.head(), changed);
        return out;
    }

    private static AttributeValue removeIn(AttributeValue container, Path path, int i) {
        if (container == null) {
            return null;
        }
        Object step = path.elements().get(i);
        boolean last = i == path.elements().size() - 1;
        if (step instanceof Integer index
                && container.hasL()
                && index < container.l().size()) {
            List<AttributeValue> list = new ArrayList<>(container.l());
            if (last) {
                list.remove((int) index);
            } else {
                list.set(index, removeIn(list.get(index), path, i + 1));
            }
            return AttributeValue.fromL(list);
        }
        if (step instanceof String name && container.hasM() && container.m().containsKey(name)) {
            Map<String, AttributeValue> map = new LinkedHashMap<>(container.m());
            if (last) {
                map.remove(name);
            } else {
                map.put(name, removeIn(map.get(name), path, i + 1));
            }
            return AttributeValue.fromM(map);
        }
        return container;
    }

    /** Keeps only the given paths of an item, as ProjectionExpression does. */
    public static Map<String, AttributeValue> project(Map<String, AttributeValue> item, List<Path> paths) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        for (Path p : paths) {
            AttributeValue v = get(item, p);
            if (v != null) {
                out = merge(out, p, 0, v);
            }
        }
        return out;
    }

    private static Map<String, AttributeValue> merge(
            Map<String, AttributeValue> into, Path path, int from, AttributeValue value) {
        Map<String, AttributeValue> out = new LinkedHashMap<>(into);
        String name = (String) path.elements().get(from);
        if (from == path.elements().size() - 1) {
            out.put(name, value);
            return out;
        }
        AttributeValue existing = out.get(name);
        Object next = path.elements().get(from + 1);
        if (next instanceof Integer) {
            // A projected list element keeps list form; elements are appended in the order they were named.
            List<AttributeValue> list =
                    existing != null && existing.hasL() ? new ArrayList<>(existing.l()) : new ArrayList<>();
            list.add(value);
            out.put(name, AttributeValue.fromL(list));
            return out;
        }
        Map<String, AttributeValue> inner = existing != null && existing.hasM() ? existing.m() : Map.of();
        out.put(name, AttributeValue.fromM(merge(inner, subPath(path, from + 1), 0, value)));
        return out;
    }

    private static Path subPath(Path path, int from) {
        return new Path(path.elements().subList(from, path.elements().size()));
    }

    static AwsServiceException invalidPath() {
        return AwsServiceException.validation(
                "The document path provided in the update expression is invalid for update");
    }
}
