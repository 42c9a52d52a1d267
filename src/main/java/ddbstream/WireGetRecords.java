package ddbstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.exception.Crc32MismatchException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * GetRecords through the AWS SDK, with the records kept as the JSON the stream sent instead of read into the SDK's
 * objects. Reading them into objects was most of what a replica spent per record (README, "Benchmarks"), and the lake
 * wants their JSON anyway. The rest of the call stays the SDK's: endpoint, credentials, signing, its retry strategy,
 * and its error handling (only a successful response is taken). The CRC32 that DynamoDB puts on its responses is
 * checked here, on the bytes read, with the SDK's own exception.
 *
 * <p>The records are split from the body on the calling thread by a request-scoped interceptor (a per-request plugin,
 * so any client works, including one the user built); the SDK then reads a body holding only the next iterator. A
 * response the split does not take (compressed, or not the JSON it expects) goes to the SDK whole, and its records come
 * back as JSON from the SDK's objects.
 */
final class WireGetRecords {
    /**
     * One GetRecords page: the records in order, the iterator of the next page (null at a closed shard's end), and
     * whether the records were split from the response (false: the SDK read them).
     */
    record Page(List<RawRecord> records, String nextShardIterator, boolean fromBody) {}

    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final ExecutionAttribute<Capture> CAPTURE =
            new ExecutionAttribute<>("dynamolake.ddbstream.rawRecords");
    private static final ExecutionInterceptor INTERCEPTOR = new Interceptor();
    private static final SdkPlugin PLUGIN =
            config -> config.overrideConfiguration(config.overrideConfiguration().toBuilder()
                    .addExecutionInterceptor(INTERCEPTOR)
                    .build());

    private WireGetRecords() {}

    static Page getRecords(DynamoDbStreamsClient streams, String iterator, int limit) {
        Capture capture = new Capture();
        GetRecordsResponse response = streams.getRecords(b -> b.shardIterator(iterator)
                .limit(limit)
                .overrideConfiguration(
                        o -> o.putExecutionAttribute(CAPTURE, capture).addPlugin(PLUGIN)));
        if (capture.records != null) {
            return new Page(capture.records, response.nextShardIterator(), true);
        }
        return new Page(response.records().stream().map(RawRecord::of).toList(), response.nextShardIterator(), false);
    }

    /** What the interceptor took of one call's response. */
    private static final class Capture {
        List<RawRecord> records;
        byte[] replacement;
    }

    private static final class Interceptor implements ExecutionInterceptor {
        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            Capture capture = attributes.getAttribute(CAPTURE);
            SdkHttpResponse response = context.httpResponse();
            if (capture != null) {
                // Each attempt of the call starts afresh: a retry must not return an earlier attempt's records.
                capture.records = null;
                capture.replacement = null;
            }
            if (capture == null
                    || !response.isSuccessful()
                    || context.responseBody().isEmpty()
                    || response.firstMatchingHeader("Content-Encoding")
                            .filter(e -> !"identity".equalsIgnoreCase(e.trim()))
                            .isPresent()) {
                return response;
            }
            byte[] body;
            try (InputStream in = context.responseBody().get()) {
                body = in.readAllBytes();
            } catch (IOException e) {
                throw SdkClientException.create("Reading the GetRecords response failed: " + e.getMessage(), e);
            }
            Optional<String> crc = response.firstMatchingHeader("x-amz-crc32");
            if (crc.isPresent()) {
                CRC32 computed = new CRC32();
                computed.update(body);
                if (!crc.get().trim().equals(Long.toString(computed.getValue()))) {
                    throw Crc32MismatchException.create(
                            "The GetRecords response's x-amz-crc32 is " + crc.get() + ", its body's CRC32 is "
                                    + computed.getValue(),
                            null);
                }
            }
            try {
                split(body, capture);
            } catch (IOException | RuntimeException e) {
                // Not the JSON expected: the SDK reads the body itself and reports what is wrong with it.
                capture.records = null;
                capture.replacement = body;
                return response;
            }
            return response.toBuilder()
                    .removeHeader("x-amz-crc32")
                    .putHeader("Content-Length", Integer.toString(capture.replacement.length))
                    .build();
        }

        @Override
        public Optional<InputStream> modifyHttpResponseContent(
                Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            Capture capture = attributes.getAttribute(CAPTURE);
            if (capture == null || capture.replacement == null) {
                return context.responseBody();
            }
            return Optional.of(new ByteArrayInputStream(capture.replacement));
        }
    }

    /**
     * Splits a GetRecords body ({@code {"NextShardIterator":..., "Records":[...]}}) into its records' bytes; the body
     * left for the SDK holds only the next iterator. The split only finds where each record begins and ends (strings
     * and nesting), so a record's JSON is read once, by whatever converts it; a body it does not understand is an
     * {@link IOException}, and the SDK reads that one itself.
     */
    private static void split(byte[] body, Capture capture) throws IOException {
        Scanner s = new Scanner(body);
        List<RawRecord> records = new ArrayList<>();
        String next = null;
        s.expect('{');
        if (s.peek() == '}') {
            s.pos++;
        } else {
            do {
                String field = s.fieldName();
                s.expect(':');
                int start = s.skipWhitespace();
                if (field.equals("Records") && body[start] == '[') {
                    s.pos++;
                    if (s.peek() == ']') {
                        s.pos++;
                    } else {
                        do {
                            int from = s.skipWhitespace();
                            if (body[from] != '{') {
                                throw new IOException("a record is not a JSON object at byte " + from);
                            }
                            int end = s.endOfValue();
                            records.add(new RawRecord(Arrays.copyOfRange(body, from, end)));
                        } while (s.next(']'));
                    }
                } else if (field.equals("NextShardIterator") && body[start] == '"') {
                    int end = s.endOfValue();
                    try (JsonParser p = JSON.createParser(body, start, end - start)) {
                        p.nextToken();
                        next = p.getText();
                    }
                } else {
                    s.endOfValue();
                }
            } while (s.next('}'));
        }
        if (s.skipWhitespace() != body.length) {
            throw new IOException("text after the response's object");
        }
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(rest)) {
            g.writeStartObject();
            if (next != null) {
                g.writeStringField("NextShardIterator", next);
            }
            g.writeEndObject();
        }
        capture.records = records;
        capture.replacement = rest.toByteArray();
    }

    /**
     * Walks JSON text by its structure only: where strings, objects and arrays begin and end. UTF-8 never puts a
     * quote or a backslash inside a multi-byte character, so bytes are enough.
     */
    private static final class Scanner {
        final byte[] b;
        int pos;

        Scanner(byte[] b) {
            this.b = b;
        }

        int skipWhitespace() {
            while (pos < b.length && (b[pos] == ' ' || b[pos] == '\n' || b[pos] == '\r' || b[pos] == '\t')) {
                pos++;
            }
            return pos;
        }

        byte peek() throws IOException {
            skipWhitespace();
            if (pos >= b.length) {
                throw new IOException("the response ends early");
            }
            return b[pos];
        }

        void expect(char c) throws IOException {
            if (peek() != c) {
                throw new IOException("expected '" + c + "' at byte " + pos);
            }
            pos++;
        }

        /** After a member or element: true at a comma (another follows), false at {@code close}. */
        boolean next(char close) throws IOException {
            byte c = peek();
            pos++;
            if (c == ',') {
                return true;
            }
            if (c == close) {
                return false;
            }
            throw new IOException("expected ',' or '" + close + "' at byte " + (pos - 1));
        }

        String fieldName() throws IOException {
            int start = skipWhitespace();
            if (peek() != '"') {
                throw new IOException("expected a field name at byte " + pos);
            }
            int end = endOfValue();
            for (int i = start + 1; i < end - 1; i++) {
                if (b[i] == '\\') {
                    try (JsonParser p = JSON.createParser(b, start, end - start)) {
                        p.nextToken();
                        return p.getText();
                    }
                }
            }
            return new String(b, start + 1, end - start - 2, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** Moves past the value that starts here; returns where it ends (exclusive). */
        int endOfValue() throws IOException {
            int depth = 0;
            skipWhitespace();
            try {
                do {
                    byte c = b[pos++];
                    if (c == '"') {
                        while (b[pos] != '"') {
                            pos += b[pos] == '\\' ? 2 : 1;
                        }
                        pos++;
                    } else if (c == '{' || c == '[') {
                        depth++;
                    } else if (c == '}' || c == ']') {
                        depth--;
                    } else if (depth == 0) {
                        // A number, true, false or null: up to the next delimiter.
                        while (pos < b.length && ",}] \n\r\t".indexOf(b[pos]) < 0) {
                            pos++;
                        }
                    }
                } while (depth > 0);
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new IOException("the response ends inside a value");
            }
            if (depth < 0) {
                throw new IOException("unbalanced at byte " + pos);
            }
            return pos;
        }
    }
}
