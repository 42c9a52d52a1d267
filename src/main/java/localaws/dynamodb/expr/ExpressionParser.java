package localaws.dynamodb.expr;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import localaws.dynamodb.expr.Tokenizer.Kind;
import localaws.dynamodb.expr.Tokenizer.Token;
import localaws.http.AwsServiceException;

/**
 * Parses DynamoDB's expression language: conditions (ConditionExpression, FilterExpression,
 * KeyConditionExpression), update expressions and projection expressions. Keywords are case-insensitive; function
 * names are not. Errors are ValidationExceptions that quote the expression.
 *
 * <pre>{@code
 * ExpressionContext ctx = new ExpressionContext(names, values);
 * Condition c = ExpressionParser.condition("attribute_not_exists(#pk) OR #v < :v", "ConditionExpression", ctx);
 * }</pre>
 */
public final class ExpressionParser {
    private static final Set<String> COMPARATORS = Set.of("=", "<>", "<", "<=", ">", ">=");
    private static final Set<String> CLAUSES = Set.of("SET", "REMOVE", "ADD", "DELETE");

    private final String expression;
    private final String which;
    private final ExpressionContext ctx;
    private final List<Token> tokens;
    private int pos;

    private ExpressionParser(String expression, String which, ExpressionContext ctx) {
        if (expression.isBlank()) {
            throw AwsServiceException.validation("Invalid " + which + ": The expression can not be empty;");
        }
        this.expression = expression;
        this.which = which;
        this.ctx = ctx;
        this.tokens = Tokenizer.tokenize(expression, which);
    }

    /** Parses a condition expression. */
    public static Condition condition(String expression, String which, ExpressionContext ctx) {
        ExpressionParser p = new ExpressionParser(expression, which, ctx);
        Condition c = p.or();
        p.expectEnd();
        return c;
    }

    /** Parses an update expression. */
    public static Update update(String expression, ExpressionContext ctx) {
        return new ExpressionParser(expression, "UpdateExpression", ctx).updateClauses();
    }

    /** Parses a projection expression into its paths. */
    public static List<Path> projection(String expression, ExpressionContext ctx) {
        ExpressionParser p = new ExpressionParser(expression, "ProjectionExpression", ctx);
        List<Path> paths = new ArrayList<>();
        do {
            paths.add(p.path());
        } while (p.accept(","));
        p.expectEnd();
        return paths;
    }

    private Condition or() {
        Condition left = and();
        while (accept("OR")) {
            left = new Condition.Or(left, and());
        }
        return left;
    }

    private Condition and() {
        Condition left = not();
        while (accept("AND")) {
            left = new Condition.And(left, not());
        }
        return left;
    }

    private Condition not() {
        return accept("NOT") ? new Condition.Not(not()) : primary();
    }

    private Condition primary() {
        if (accept("(")) {
            Condition c = or();
            expect(")");
            return c;
        }
        Token t = peek();
        if (t.kind() == Kind.IDENT && tokens.get(pos + 1).is("(") && !t.text().equals("size")) {
            return function();
        }
        Operand left = operand();
        if (accept("BETWEEN")) {
            Operand low = operand();
            expect("AND");
            return new Condition.Between(left, low, operand());
        }
        if (accept("IN")) {
            expect("(");
            List<Operand> candidates = new ArrayList<>();
            do {
                candidates.add(operand());
            } while (accept(","));
            expect(")");
            return new Condition.In(left, candidates);
        }
        Token op = next();
        if (op.kind() != Kind.SYMBOL || !COMPARATORS.contains(op.text())) {
            throw Tokenizer.syntax(which, expression, "a comparator, BETWEEN or IN", op.at());
        }
        return new Condition.Compare(op.text(), left, operand());
    }

    private Condition function() {
        Token name = next();
        expect("(");
        Condition c = switch (name.text()) {
            case "attribute_exists" -> new Condition.AttributeExists(path(), true);
            case "attribute_not_exists" -> new Condition.AttributeExists(path(), false);
            case "attribute_type" -> {
                Path p = path();
                expect(",");
                yield new Condition.AttributeType(p, operand());
            }
            case "begins_with" -> {
                Operand v = operand();
                expect(",");
                yield new Condition.BeginsWith(v, operand());
            }
            case "contains" -> {
                Operand v = operand();
                expect(",");
                yield new Condition.Contains(v, operand());
            }
            default ->
                throw AwsServiceException.validation(
                        "Invalid " + which + ": Invalid function name;" + " function: " + name.text());
        };
        expect(")");
        return c;
    }

    private Operand operand() {
        Token t = peek();
        if (t.kind() == Kind.VALUE_REF) {
            next();
            return new Operand.Literal(ctx.value(t.text()));
        }
        if (t.kind() == Kind.IDENT
                && t.text().equals("size")
                && tokens.get(pos + 1).is("(")) {
            next();
            expect("(");
            Path p = path();
            expect(")");
            return new Operand.Size(p);
        }
        return new Operand.PathOperand(path());
    }

    private Path path() {
        List<Object> elements = new ArrayList<>();
        elements.add(name());
        while (true) {
            if (accept(".")) {
                elements.add(name());
            } else if (accept("[")) {
                Token n = next();
                if (n.kind() != Kind.NUMBER) {
                    throw Tokenizer.syntax(which, expression, "a list index", n.at());
                }
                elements.add(Integer.parseInt(n.text()));
                expect("]");
            } else {
                return new Path(elements);
            }
        }
    }

    private String name() {
        Token t = next();
        if (t.kind() == Kind.NAME_REF) {
            return ctx.name(t.text());
        }
        if (t.kind() == Kind.IDENT) {
            return t.text();
        }
        throw Tokenizer.syntax(which, expression, "an attribute name", t.at());
    }

    private Update updateClauses() {
        List<Update.Action> actions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (peek().kind() != Kind.END) {
            Token clause = next();
            String keyword = clause.text().toUpperCase();
            if (clause.kind() != Kind.IDENT || !CLAUSES.contains(keyword)) {
                throw Tokenizer.syntax(which, expression, "SET, REMOVE, ADD or DELETE", clause.at());
            }
            if (!seen.add(keyword)) {
                throw AwsServiceException.validation("Invalid UpdateExpression: The \"" + keyword
                        + "\" section can only be used once in an update expression;");
            }
            do {
                actions.add(action(keyword));
            } while (accept(","));
        }
        return new Update(actions);
    }

    private Update.Action action(String clause) {
        Path path = path();
        switch (clause) {
            case "SET":
                expect("=");
                return new Update.Set_(path, setValue());
            case "REMOVE":
                return new Update.Remove(path);
            case "ADD":
                return new Update.Add(path, literal());
            default:
                return new Update.Delete(path, literal());
        }
    }

    private Operand literal() {
        Token t = next();
        if (t.kind() != Kind.VALUE_REF) {
            throw Tokenizer.syntax(which, expression, "an expression attribute value", t.at());
        }
        return new Operand.Literal(ctx.value(t.text()));
    }

    private Operand setValue() {
        Operand left = setOperand();
        if (accept("+")) {
            return new Operand.Arithmetic(left, setOperand(), true);
        }
        if (accept("-")) {
            return new Operand.Arithmetic(left, setOperand(), false);
        }
        return left;
    }

    private Operand setOperand() {
        Token t = peek();
        if (t.kind() == Kind.IDENT && tokens.get(pos + 1).is("(")) {
            next();
            expect("(");
            Operand result;
            if (t.text().equals("if_not_exists")) {
                Path p = path();
                expect(",");
                result = new Operand.IfNotExists(p, setValue());
            } else if (t.text().equals("list_append")) {
                Operand a = setOperand();
                expect(",");
                result = new Operand.ListAppend(a, setOperand());
            } else {
                throw AwsServiceException.validation(
                        "Invalid UpdateExpression: Invalid function name; function: " + t.text());
            }
            expect(")");
            return result;
        }
        return operand();
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.END) {
            pos++;
        }
        return t;
    }

    private boolean accept(String symbolOrKeyword) {
        if (peek().is(symbolOrKeyword)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String symbolOrKeyword) {
        if (!accept(symbolOrKeyword)) {
            throw Tokenizer.syntax(which, expression, "'" + symbolOrKeyword + "'", peek().at());
        }
    }

    private void expectEnd() {
        if (peek().kind() != Kind.END) {
            throw Tokenizer.syntax(which, expression, "the end of the expression", peek().at());
        }
    }
}
