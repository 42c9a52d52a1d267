package localaws.dynamodb.expr;

import java.util.ArrayList;
import java.util.List;
import localaws.http.AwsServiceException;

/** Splits a DynamoDB expression into tokens; a syntax error is a ValidationException quoting the expression. */
final class Tokenizer {
    enum Kind {
        IDENT,
        NAME_REF,
        VALUE_REF,
        NUMBER,
        SYMBOL,
        END
    }

    record Token(Kind kind, String text, int at) {
        boolean is(String symbolOrKeyword) {
            return (kind == Kind.SYMBOL || kind == Kind.IDENT) && text.equalsIgnoreCase(symbolOrKeyword);
        }
    }

    private Tokenizer() {}

    static List<Token> tokenize(String expression, String which) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#' || c == ':') {
                int end = identEnd(expression, i + 1);
                if (end == i + 1) {
                    throw syntax(which, expression, "a name after '" + c + "'", i);
                }
                tokens.add(new Token(c == '#' ? Kind.NAME_REF : Kind.VALUE_REF, expression.substring(i, end), i));
                i = end;
            } else if (Character.isDigit(c)) {
                int end = i;
                while (end < n && Character.isDigit(expression.charAt(end))) {
                    end++;
                }
                tokens.add(new Token(Kind.NUMBER, expression.substring(i, end), i));
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int end = identEnd(expression, i);
                tokens.add(new Token(Kind.IDENT, expression.substring(i, end), i));
                i = end;
            } else {
                String two = i + 1 < n ? expression.substring(i, i + 2) : "";
                if (two.equals("<>") || two.equals("<=") || two.equals(">=")) {
                    tokens.add(new Token(Kind.SYMBOL, two, i));
                    i += 2;
                } else if ("()[],.=<>+-".indexOf(c) >= 0) {
                    tokens.add(new Token(Kind.SYMBOL, String.valueOf(c), i));
                    i++;
                } else {
                    throw syntax(which, expression, "a valid token", i);
                }
            }
        }
        tokens.add(new Token(Kind.END, "<EOF>", n));
        return tokens;
    }

    private static int identEnd(String s, int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    static AwsServiceException syntax(String which, String expression, String expected, int at) {
        String near = expression.substring(Math.min(at, expression.length()), Math.min(expression.length(), at + 10));
        return AwsServiceException.validation("Invalid " + which + ": Syntax error; expected " + expected + " near: \""
                + near + "\" in \"" + expression + "\"");
    }
}
