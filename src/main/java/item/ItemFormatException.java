package item;

/**
 * An item, attribute value or stream record that is not valid DynamoDB data. The message always starts with the
 * attribute path where the problem is ({@code address.lines[2].qty}), so a user can find it in the source line.
 */
public final class ItemFormatException extends IllegalArgumentException {
    private final String path;

    public ItemFormatException(String path, String problem) {
        super((path == null || path.isEmpty() ? "(item)" : path) + ": " + problem);
        this.path = path == null ? "" : path;
    }

    /** The attribute path of the offending value, empty for the item itself. */
    public String path() {
        return path;
    }
}
