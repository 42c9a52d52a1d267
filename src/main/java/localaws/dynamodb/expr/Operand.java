package localaws.dynamodb.expr;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import localaws.dynamodb.attributes.DynamoNumber;
import localaws.http.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A value in an expression: a document path, a {@code :value}, {@code size(path)} or an update function. */
public sealed interface Operand {
    /** The operand's value against an item, or null when it refers to something the item does not have. */
    AttributeValue eval(Map<String, AttributeValue> item);

    /** An attribute of the item. */
    record PathOperand(Path path) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            return Documents.get(item, path);
        }
    }

    /** A literal from ExpressionAttributeValues. */
    record Literal(AttributeValue value) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            return value;
        }
    }

    /** {@code size(path)}: characters of a string, bytes of a binary, members of a set, list or map. */
    record Size(Path path) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            AttributeValue v = Documents.get(item, path);
            if (v == null) {
                return null;
            }
            Integer size = switch (v.type()) {
                case S -> v.s().length();
                case B -> v.b().asByteArrayUnsafe().length;
                case SS -> v.ss().size();
                case NS -> v.ns().size();
                case BS -> v.bs().size();
                case L -> v.l().size();
                case M -> v.m().size();
                default -> null;
            };
            return size == null ? null : AttributeValue.fromN(Integer.toString(size));
        }
    }

    /** {@code if_not_exists(path, operand)} in SET. */
    record IfNotExists(Path path, Operand fallback) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            AttributeValue v = Documents.get(item, path);
            return v != null ? v : fallback.eval(item);
        }
    }

    /** {@code list_append(a, b)} in SET. */
    record ListAppend(Operand first, Operand second) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            AttributeValue a = first.eval(item);
            AttributeValue b = second.eval(item);
            if (a == null || b == null) {
                throw AwsServiceException.validation(
                        "The provided expression refers to an attribute that does not" + " exist in the item");
            }
            if (!a.hasL() || !b.hasL()) {
                throw AwsServiceException.validation("An operand in the update expression has an incorrect data type");
            }
            List<AttributeValue> out = new ArrayList<>(a.l());
            out.addAll(b.l());
            return AttributeValue.fromL(out);
        }
    }

    /** {@code a + b} or {@code a - b} on numbers in SET. */
    record Arithmetic(Operand left, Operand right, boolean plus) implements Operand {
        @Override
        public AttributeValue eval(Map<String, AttributeValue> item) {
            AttributeValue a = left.eval(item);
            AttributeValue b = right.eval(item);
            if (a == null || b == null) {
                throw AwsServiceException.validation(
                        "The provided expression refers to an attribute that does not" + " exist in the item");
            }
            if (a.n() == null || b.n() == null) {
                throw AwsServiceException.validation("An operand in the update expression has an incorrect data type");
            }
            BigDecimal x = new BigDecimal(a.n());
            BigDecimal y = new BigDecimal(b.n());
            BigDecimal result = plus ? x.add(y) : x.subtract(y);
            return AttributeValue.fromN(DynamoNumber.normalize(result));
        }
    }
}
