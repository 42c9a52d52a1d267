package item;

/** Builds the human-readable attribute paths used in {@link ItemFormatException} messages. */
final class AttributePath {
    private AttributePath() {}

    static String child(String parent, String name) {
        String part = isPlain(name) ? name : '"' + name.replace("\"", "\\\"") + '"';
        return parent.isEmpty() ? part : parent + '.' + part;
    }

    static String index(String parent, int index) {
        return parent + '[' + index + ']';
    }

    private static boolean isPlain(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':')) {
                return false;
            }
        }
        return true;
    }
}
