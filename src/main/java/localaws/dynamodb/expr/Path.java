package localaws.dynamodb.expr;

import java.util.List;

/** A document path such as {@code address.lines[2].qty}: names and list indexes, names already resolved. */
public record Path(List<Object> elements) {
    public Path {
        elements = List.copyOf(elements);
        if (elements.isEmpty() || !(elements.get(0) instanceof String)) {
            throw new IllegalArgumentException("a path starts with an attribute name");
        }
    }

    /** The top-level attribute the path starts with. */
    public String head() {
        return (String) elements.get(0);
    }

    public boolean isTopLevel() {
        return elements.size() == 1;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Object e : elements) {
            if (e instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(e);
            }
        }
        return sb.toString();
    }
}
