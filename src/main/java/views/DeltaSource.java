package views;

/**
 * Where the views take the table's changes from ({@code views.deltas}).
 *
 * <ul>
 *   <li>{@code STREAM}: the stream's delta objects ({@code deltas/} from Firehose and {@code deltas-overflow/}),
 *       chosen by their hour folders; their sequence numbers are the stream's.
 *   <li>{@code EXPORT}: the incremental exports' deltas ({@code deltas-export/<exportId>/}), for a table kept
 *       current by incremental exports instead of a stream; an export is taken once its {@code _published.json}
 *       is there, and its sequence numbers are write times (WriteTimestampMicros). The two kinds of sequence
 *       numbers cannot be compared, so a view reads one kind.
 * </ul>
 */
public enum DeltaSource {
    STREAM,
    EXPORT
}
