package localaws.dynamodb;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import localaws.http.AwsServiceException;

/** The emulator's tables by name. */
public final class Tables {
    private final ConcurrentSkipListMap<String, Table> byName = new ConcurrentSkipListMap<>();

    /**
     * The table of that name.
     *
     * @throws AwsServiceException ResourceNotFoundException, worded as DynamoDB words it
     */
    public Table get(String name) {
        Table t = name == null ? null : byName.get(name);
        if (t == null) {
            throw AwsServiceException.notFound("Requested resource not found: Table: " + name + " not found");
        }
        return t;
    }

    /** The table with that ARN, or null. */
    public Table byArn(String arn) {
        for (Table t : byName.values()) {
            if (t.arn.equals(arn)) {
                return t;
            }
        }
        return null;
    }

    /** A table named either by name or by ARN, as DynamoDB accepts both in TableName. */
    public Table byNameOrArn(String nameOrArn) {
        if (nameOrArn != null && nameOrArn.startsWith("arn:")) {
            Table t = byArn(nameOrArn);
            if (t == null) {
                throw AwsServiceException.notFound("Requested resource not found: Table: " + nameOrArn + " not found");
            }
            return t;
        }
        return get(nameOrArn);
    }

    void add(Table t) {
        if (byName.putIfAbsent(t.name, t) != null) {
            throw AwsServiceException.badRequest("ResourceInUseException", "Table already exists: " + t.name);
        }
    }

    Table remove(String name) {
        Table t = get(name);
        byName.remove(name, t);
        return t;
    }

    /** Table names in order, starting after {@code exclusiveStart} when set. */
    public List<String> names(String exclusiveStart) {
        return List.copyOf(
                exclusiveStart == null
                        ? byName.keySet()
                        : byName.tailMap(exclusiveStart, false).keySet());
    }

    public List<Table> all() {
        return List.copyOf(byName.values());
    }
}
