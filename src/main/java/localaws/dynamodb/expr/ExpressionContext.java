package localaws.dynamodb.expr;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The ExpressionAttributeNames and ExpressionAttributeValues of one request, and which of them the request's
 * expressions used: DynamoDB rejects a request that defines a name or value it never uses.
 */
public final class ExpressionContext {
    private final Map<String, String> names;
    private final Map<String, AttributeValue> values;
    private final Set<String> usedNames = new HashSet<>();
    private final Set<String> usedValues = new HashSet<>();

    public ExpressionContext(Map<String, String> names, Map<String, AttributeValue> values) {
        this.names = names;
        this.values = values;
    }

    String name(String ref) {
        String name = names.get(ref);
        if (name == null) {
            throw AwsServiceException.validation(
                    "An expression attribute name used in the document path is not defined; attribute name: " + ref);
        }
        usedNames.add(ref);
        return name;
    }

    AttributeValue value(String ref) {
        AttributeValue v = values.get(ref);
        if (v == null) {
            throw AwsServiceException.validation(
                    "An expression attribute value used in expression is not defined; attribute value: " + ref);
        }
        usedValues.add(ref);
        return v;
    }

    /**
     * Checks that every defined name and value was used, after all expressions of the request were parsed.
     *
     * @throws AwsServiceException ValidationException as DynamoDB words it
     */
    public void checkAllUsed() {
        Set<String> unusedNames = new TreeSet<>(names.keySet());
        unusedNames.removeAll(usedNames);
        if (!unusedNames.isEmpty()) {
            throw AwsServiceException.validation(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {"
                            + String.join(", ", unusedNames) + "}");
        }
        Set<String> unusedValues = new TreeSet<>(values.keySet());
        unusedValues.removeAll(usedValues);
        if (!unusedValues.isEmpty()) {
            throw AwsServiceException.validation(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {"
                            + String.join(", ", unusedValues) + "}");
        }
    }
}
