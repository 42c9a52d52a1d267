package item;

/**
 * An item, attribute value or stream record that is not valid DynamoDB data. The message always starts with the
 * attribute path where the problem is ({@code address.lines[2].qty}), so a user can find it in the source line.
 */
public final class ItemFormatException extends IllegalArgumentException {
    private final String path;
    private final String problem;

    public ItemFormatException(String path, String problem) {
        super((path == null || path.isEmpty() ? "(item)" : path) + ": " + problem);
        this.path = path == null ? "" : path;
        this.problem = problem;
    }

    /** The attribute path of the offending value, empty for the item itself. */
    public String path() {
        return path;
    }

    /**
     * The same problem seen from the value that contains it: {@code under("a")} turns {@code b[1]} into
     * {@code a.b[1]}. The converters build paths this way, while an error travels up, so that valid data pays for
     * no path at all.
     */
    public ItemFormatException under(String parent) {
        if (parent == null || parent.isEmpty()) {
            return this;
        }
        String joined = path.isEmpty() ? parent : path.startsWith("[") ? parent + path : parent + "." + path;
        return new ItemFormatException(joined, problem);
    }
}
