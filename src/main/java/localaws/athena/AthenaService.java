package localaws.athena;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import localaws.http.AwsJsonService;
import localaws.http.AwsServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Athena's query API (the AWS JSON 1.1 protocol, target {@code AmazonAthena}: StartQueryExecution,
 * GetQueryExecution, GetQueryResults, StopQueryExecution), run on a Trino server, the engine Athena's version 3 is
 * built on. The Trino server reads the Glue catalog of this emulator and the lake's S3; this class submits each
 * query through Trino's client protocol and keeps its state the way Athena reports it (QUEUED, RUNNING, SUCCEEDED,
 * FAILED, CANCELLED; the rows of a SELECT with a header row first; the row count of a CREATE TABLE AS in
 * UpdateCount).
 *
 * <p>What Athena and Trino spell differently is translated here, and only this: Athena's CTAS property
 * {@code write_compression} is Trino's session property {@code compression_codec}. Without a Trino server
 * ({@code local.athena.trino-url} unset), StartQueryExecution is refused with a message saying so. Query results
 * are not written to the output location as CSV files.
 */
public final class AthenaService implements AwsJsonService {
    private static final Logger LOG = LoggerFactory.getLogger(AthenaService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WRITE_COMPRESSION =
            Pattern.compile("(?i)(,\\s*)?write_compression\\s*=\\s*'([a-z0-9_]+)'(\\s*,)?");
    /** The catalog Athena names the Glue Data Catalog by; the Trino server has its Hive catalog under this name. */
    public static final String CATALOG = "awsdatacatalog";

    private final Clock clock;
    private final URI trino;
    private final ExecutorService runner;
    private final Map<String, Query> queries = new ConcurrentHashMap<>();
    private final Map<String, String> byToken = new ConcurrentHashMap<>();
    private final Map<String, String> failNext = new ConcurrentHashMap<>();
    private final java.util.Set<String> hangNext = ConcurrentHashMap.newKeySet();

    /** @param trino the Trino coordinator's address, or null when this emulator has none */
    public AthenaService(Clock clock, URI trino) {
        this.clock = clock;
        this.trino = trino;
        this.runner = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "localaws-athena");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String targetPrefix() {
        return "AmazonAthena";
    }

    @Override
    public Object handle(String operation, JsonNode request) {
        return switch (operation) {
            case "StartQueryExecution" -> start(request);
            case "GetQueryExecution" ->
                JSON.createObjectNode().set("QueryExecution", query(request).describe());
            case "GetQueryResults" -> results(query(request), request);
            case "StopQueryExecution" -> {
                query(request).cancel();
                yield JSON.createObjectNode();
            }
            default ->
                throw new AwsServiceException(
                        "InvalidRequestException", 400, "The local Athena does not answer " + operation);
        };
    }

    /**
     * Fails the next statement that starts with {@code statementStart} (CREATE TABLE, SELECT, ...) with
     * {@code reason}, as Athena fails a query it cannot finish, without running it.
     */
    public void failNext(String statementStart, String reason) {
        failNext.put(statementStart.toUpperCase(Locale.ROOT), reason);
    }

    /**
     * Keeps the next statement that starts with {@code statementStart} RUNNING, without running it, until it is
     * stopped (StopQueryExecution): a query that outlasts its caller's patience.
     */
    public void hangNext(String statementStart) {
        hangNext.add(statementStart.toUpperCase(Locale.ROOT));
    }

    /** Stops the queries still running. */
    public void close() {
        queries.values().forEach(Query::cancel);
        runner.shutdownNow();
    }

    private ObjectNode start(JsonNode request) {
        if (trino == null) {
            throw new AwsServiceException(
                    "InvalidRequestException",
                    400,
                    "The local emulator runs Athena queries on a Trino server, and none is configured:"
                            + " set local.athena.trino-url");
        }
        String sql = request.path("QueryString").asText("");
        if (sql.isBlank()) {
            throw new AwsServiceException("InvalidRequestException", 400, "QueryString is required");
        }
        String output =
                request.path("ResultConfiguration").path("OutputLocation").asText("");
        if (output.isEmpty()) {
            throw new AwsServiceException(
                    "InvalidRequestException",
                    400,
                    "No output location provided. An output location is required either through the Workgroup"
                            + " result configuration setting or as an API input.");
        }
        String token = request.path("ClientRequestToken").asText("");
        if (!token.isEmpty() && byToken.containsKey(token)) {
            return JSON.createObjectNode().put("QueryExecutionId", byToken.get(token));
        }
        String id = UUID.randomUUID().toString();
        String database = request.path("QueryExecutionContext").path("Database").asText("default");
        Query q = new Query(id, sql, database, request.path("WorkGroup").asText("primary"), output, clock.instant());
        queries.put(id, q);
        if (!token.isEmpty()) {
            byToken.put(token, id);
        }
        String injected = failNext.keySet().stream()
                .filter(start -> sql.stripLeading().toUpperCase(Locale.ROOT).startsWith(start))
                .findFirst()
                .map(failNext::remove)
                .orElse(null);
        String hang = hangNext.stream()
                .filter(start -> sql.stripLeading().toUpperCase(Locale.ROOT).startsWith(start))
                .findFirst()
                .filter(hangNext::remove)
                .orElse(null);
        if (injected != null) {
            q.finish("FAILED", injected + " (injected by the local emulator)");
        } else if (hang != null) {
            q.state = "RUNNING";
        } else {
            runner.submit(q::run);
        }
        return JSON.createObjectNode().put("QueryExecutionId", id);
    }

    private Query query(JsonNode request) {
        String id = request.path("QueryExecutionId").asText("");
        Query q = queries.get(id);
        if (q == null) {
            throw new AwsServiceException("InvalidRequestException", 400, "QueryExecution " + id + " was not found");
        }
        return q;
    }

    private ObjectNode results(Query q, JsonNode request) {
        String state = q.state;
        if (!state.equals("SUCCEEDED")) {
            throw new AwsServiceException(
                    "InvalidRequestException",
                    400,
                    state.equals("QUEUED") || state.equals("RUNNING")
                            ? "Query has not yet finished. Current state: " + state
                            : "Query did not finish successfully. Final query state: " + state);
        }
        int max = Math.min(1000, request.path("MaxResults").asInt(1000));
        int from = request.hasNonNull("NextToken")
                ? Integer.parseInt(request.path("NextToken").asText())
                : 0;
        List<List<String>> all = new ArrayList<>();
        if (q.statementType.equals("DML") && !q.columns.isEmpty()) {
            all.add(q.columns.stream().map(c -> c.path("name").asText()).toList());
        }
        all.addAll(q.rows);
        ObjectNode out = JSON.createObjectNode();
        out.put("UpdateCount", q.updateCount);
        ObjectNode set = out.putObject("ResultSet");
        ArrayNode rows = set.putArray("Rows");
        int to = Math.min(all.size(), from + max);
        for (List<String> row : all.subList(Math.min(from, to), to)) {
            ArrayNode data = rows.addObject().putArray("Data");
            for (String v : row) {
                ObjectNode d = data.addObject();
                if (v != null) {
                    d.put("VarCharValue", v);
                }
            }
        }
        ArrayNode info = set.putObject("ResultSetMetadata").putArray("ColumnInfo");
        for (JsonNode c : q.columns) {
            info.addObject()
                    .put("CatalogName", "hive")
                    .put("Name", c.path("name").asText())
                    .put("Label", c.path("name").asText())
                    .put("Type", c.path("type").asText())
                    .put("Nullable", "UNKNOWN")
                    .put("CaseSensitive", false);
        }
        if (to < all.size()) {
            out.put("NextToken", Integer.toString(to));
        }
        return out;
    }

    private final class Query {
        final String id;
        final String sql;
        final String database;
        final String workGroup;
        final String output;
        final Instant submitted;
        final String statementType;
        volatile String state = "QUEUED";
        volatile String reason;
        volatile Instant completed;
        volatile String nextUri;
        volatile boolean cancelled;
        volatile long updateCount;
        volatile List<JsonNode> columns = List.of();
        final List<List<String>> rows = new ArrayList<>();

        Query(String id, String sql, String database, String workGroup, String output, Instant submitted) {
            this.id = id;
            this.sql = sql;
            this.database = database;
            this.workGroup = workGroup;
            this.output = output;
            this.submitted = submitted;
            String first = sql.stripLeading().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
            this.statementType = switch (first) {
                case "SELECT", "WITH", "INSERT", "VALUES", "TABLE" -> "DML";
                case "SHOW", "DESCRIBE", "EXPLAIN" -> "UTILITY";
                default -> "DDL";
            };
        }

        void run() {
            try {
                StringBuilder session = new StringBuilder();
                String text = sql;
                Matcher m = WRITE_COMPRESSION.matcher(text);
                if (m.find()) {
                    session.append(CATALOG)
                            .append(".compression_codec=")
                            .append(m.group(2).toUpperCase(Locale.ROOT));
                    boolean bothCommas = m.group(1) != null && m.group(3) != null;
                    text = text.substring(0, m.start()) + (bothCommas ? "," : "") + text.substring(m.end());
                }
                Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put("X-Trino-User", "athena-" + workGroup);
                headers.put("X-Trino-Catalog", CATALOG);
                headers.put("X-Trino-Schema", database);
                if (!session.isEmpty()) {
                    headers.put("X-Trino-Session", session.toString());
                }
                JsonNode r = send("POST", trino.resolve("/v1/statement"), headers, text);
                while (true) {
                    if (cancelled) {
                        return;
                    }
                    if (r.has("columns")) {
                        List<JsonNode> cols = new ArrayList<>();
                        r.path("columns").forEach(cols::add);
                        columns = cols;
                    }
                    for (JsonNode row : r.path("data")) {
                        List<String> values = new ArrayList<>();
                        row.forEach(v -> values.add(v.isNull() ? null : v.isTextual() ? v.asText() : v.toString()));
                        rows.add(values);
                    }
                    if (r.has("updateCount")) {
                        updateCount = r.path("updateCount").asLong();
                    }
                    if (r.has("error")) {
                        finish("FAILED", r.path("error").path("message").asText());
                        return;
                    }
                    if ("RUNNING".equals(r.path("stats").path("state").asText()) && state.equals("QUEUED")) {
                        state = "RUNNING";
                    }
                    if (!r.hasNonNull("nextUri")) {
                        break;
                    }
                    nextUri = r.path("nextUri").asText();
                    r = send("GET", URI.create(nextUri), Map.of(), null);
                }
                if (updateCount == 0
                        && statementType.equals("DDL")
                        && !rows.isEmpty()
                        && rows.get(0).size() == 1) {
                    // Trino answers a CREATE TABLE AS with one row: the rows written.
                    try {
                        updateCount = Long.parseLong(rows.get(0).get(0));
                    } catch (NumberFormatException notACount) {
                        // not a count
                    }
                }
                if (statementType.equals("DDL")) {
                    rows.clear();
                    columns = List.of();
                }
                finish("SUCCEEDED", null);
            } catch (Exception e) {
                LOG.warn("Athena query {} failed in the emulator", id, e);
                finish("FAILED", "The local Athena could not run the query: " + e);
            }
        }

        /** One call of Trino's client protocol (HttpURLConnection: it leaves no thread behind once the emulator stops). */
        private JsonNode send(String method, URI uri, Map<String, String> headers, String body) throws IOException {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(300_000);
            c.setRequestMethod(method);
            headers.forEach(c::setRequestProperty);
            if (body != null) {
                c.setDoOutput(true);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status != 200) {
                    throw new IOException("Trino answered " + status + ": " + text);
                }
                return JSON.readTree(text);
            }
        }

        void cancel() {
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return;
            }
            cancelled = true;
            String uri = nextUri;
            if (uri != null) {
                try {
                    HttpURLConnection c =
                            (HttpURLConnection) URI.create(uri).toURL().openConnection();
                    c.setRequestMethod("DELETE");
                    c.getResponseCode();
                } catch (IOException e) {
                    LOG.debug("Cancelling Athena query {} on Trino failed", id, e);
                }
            }
            finish("CANCELLED", "Query cancelled by user");
        }

        private synchronized void finish(String finalState, String why) {
            if (completed != null) {
                return;
            }
            reason = why;
            completed = clock.instant();
            state = finalState;
        }

        ObjectNode describe() {
            ObjectNode q = JSON.createObjectNode()
                    .put("QueryExecutionId", id)
                    .put("Query", sql)
                    .put("StatementType", statementType)
                    .put("WorkGroup", workGroup);
            q.putObject("ResultConfiguration")
                    .put("OutputLocation", output + (output.endsWith("/") ? "" : "/") + id + ".csv");
            q.putObject("QueryExecutionContext").put("Database", database).put("Catalog", CATALOG);
            ObjectNode status = q.putObject("Status").put("State", state).put("SubmissionDateTime", seconds(submitted));
            Instant done = completed;
            if (done != null) {
                status.put("CompletionDateTime", seconds(done));
            }
            if (reason != null) {
                status.put("StateChangeReason", reason);
                if (state.equals("FAILED")) {
                    status.putObject("AthenaError")
                            .put("ErrorCategory", 2)
                            .put("ErrorType", 1000)
                            .put("Retryable", false)
                            .put("ErrorMessage", reason);
                }
            }
            long millis = Duration.between(submitted, done == null ? clock.instant() : done)
                    .toMillis();
            q.putObject("Statistics")
                    .put("EngineExecutionTimeInMillis", millis)
                    .put("TotalExecutionTimeInMillis", millis)
                    .put("DataScannedInBytes", 0);
            q.putObject("EngineVersion")
                    .put("SelectedEngineVersion", "Trino on the local emulator")
                    .put("EffectiveEngineVersion", "Trino on the local emulator");
            return q;
        }
    }

    private static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }
}
