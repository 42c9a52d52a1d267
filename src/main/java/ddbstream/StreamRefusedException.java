package ddbstream;

/**
 * The table's stream cannot feed the lake as configured (its StreamViewType carries no new image): the consumer
 * refuses to start. The message is the one line that says what to change.
 */
public final class StreamRefusedException extends IllegalStateException {
    StreamRefusedException(String message) {
        super(message);
    }

    /**
     * Refuses a stream whose view type carries no new image (KEYS_ONLY, OLD_IMAGE) unless {@code accepted}; a stream
     * with NEW_IMAGE or NEW_AND_OLD_IMAGES passes.
     */
    static void check(String table, String streamArn, String viewType, boolean accepted) {
        if (accepted || carriesNewImage(viewType)) {
            return;
        }
        throw new StreamRefusedException("the stream of table " + table + " (" + streamArn + ") has StreamViewType "
                + viewType + ", which carries no new image, so the lake cannot hold the items' values: turn the"
                + " stream off and on with StreamViewType NEW_AND_OLD_IMAGES, or set camel.component.ddbstream.accept-missing-new-image"
                + "=true (ddbstream option acceptMissingNewImage) to land the keys and deletes only");
    }

    static boolean carriesNewImage(String viewType) {
        return "NEW_IMAGE".equals(viewType) || "NEW_AND_OLD_IMAGES".equals(viewType);
    }
}
