package views;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.athena.Athena2Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.paginators.GetQueryResultsIterable;

/**
 * Runs Athena statements through Camel's aws2-athena component: {@code startQueryExecution} waits for the statement
 * to end (polling every {@code views.athena.poll-interval}, up to {@code views.athena.query-timeout}, one attempt:
 * a failed merge is not retried blindly, the next scheduled run starts over), then {@code getQueryResults} pages
 * through the rows of a SELECT. A statement still running at the timeout is stopped, so it does not go on writing
 * into a folder the next run empties.
 */
public final class CamelAthenaQueries implements AthenaViews.Queries {
    private static final Logger LOG = LoggerFactory.getLogger(CamelAthenaQueries.class);

    private final ProducerTemplate template;
    private final AthenaClient client;
    private final String start;
    private final String results;

    /**
     * @param label the endpoints' label (shown in Hawtio's endpoint list)
     * @param database the Glue database the statements name their tables in
     * @param encryption how Athena encrypts what it writes (its results, the parts a CREATE TABLE AS writes): the
     *     lake's server-side encryption
     */
    public CamelAthenaQueries(
            ProducerTemplate template,
            AthenaClient client,
            String label,
            String database,
            String workGroup,
            String outputLocation,
            Duration timeout,
            Duration poll,
            lake.LakeEncryption encryption) {
        this.template = template;
        this.client = client;
        String common = "aws2-athena:" + label + "?amazonAthenaClient=#athenaClient";
        this.start = common + "&operation=startQueryExecution&database=" + database + "&workGroup=" + workGroup
                + "&outputLocation=RAW(" + outputLocation + ")&waitTimeout=" + timeout.toMillis() + "&initialDelay="
                + poll.toMillis() + "&delay=" + poll.toMillis() + "&maxAttempts=1" + encryption(encryption);
        this.results = common + "&operation=getQueryResults&outputType=StreamList&maxResults=1000";
    }

    /** Athena's ResultConfiguration.EncryptionConfiguration for the lake's encryption; empty for none. */
    static String encryption(lake.LakeEncryption e) {
        if (!e.enabled()) {
            return "";
        }
        boolean kms = e.algorithm() == software.amazon.awssdk.services.s3.model.ServerSideEncryption.AWS_KMS;
        return "&encryptionOption=" + (kms ? "SSE_KMS" : "SSE_S3")
                + (kms && e.kmsKeyId() != null ? "&kmsKey=RAW(" + e.kmsKeyId() + ")" : "");
    }

    @Override
    public List<List<String>> run(String sql) throws Exception {
        Exchange done = template.request(start, e -> e.getMessage().setBody(sql));
        if (done.getException() != null) {
            throw done.getException();
        }
        String id = done.getMessage().getHeader(Athena2Constants.QUERY_EXECUTION_ID, String.class);
        GetQueryExecutionResponse execution = done.getMessage().getBody(GetQueryExecutionResponse.class);
        QueryExecutionState state =
                execution == null ? null : execution.queryExecution().status().state();
        if (state == QueryExecutionState.QUEUED || state == QueryExecutionState.RUNNING || state == null) {
            client.stopQueryExecution(b -> b.queryExecutionId(id));
            throw new IllegalStateException("Athena query " + id + " did not end within views.athena.query-timeout;"
                    + " it was stopped: " + head(sql));
        }
        if (state != QueryExecutionState.SUCCEEDED) {
            throw new IllegalStateException("Athena query " + id + " " + state + ": "
                    + execution.queryExecution().status().stateChangeReason() + " (" + head(sql) + ")");
        }
        LOG.debug("Athena query {} succeeded: {}", id, head(sql));
        if (!"DML".equals(execution.queryExecution().statementTypeAsString())) {
            return List.of();
        }
        Exchange read =
                template.request(results, e -> e.getMessage().setHeader(Athena2Constants.QUERY_EXECUTION_ID, id));
        if (read.getException() != null) {
            throw read.getException();
        }
        List<List<String>> rows = new ArrayList<>();
        boolean header = true;
        for (GetQueryResultsResponse page : read.getMessage().getBody(GetQueryResultsIterable.class)) {
            for (Row row : page.resultSet().rows()) {
                if (header) { // a SELECT's first row holds the column names
                    header = false;
                    continue;
                }
                rows.add(row.data().stream().map(Datum::varCharValue).toList());
            }
        }
        return rows;
    }

    private static String head(String sql) {
        String one = sql.replaceAll("\\s+", " ").trim();
        return one.length() > 160 ? one.substring(0, 160) + "…" : one;
    }
}
