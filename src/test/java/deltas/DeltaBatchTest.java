package deltas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponseEntry;

class DeltaBatchTest {
    private static List<byte[]> lines(int count, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] line = new byte[size];
            line[0] = (byte) i;
            out.add(line);
        }
        return out;
    }

    @Test
    void cutsAtFiveHundredRecords() {
        List<FirehoseBatch> batches = new DeltaBatch(lines(1001, 10), List.of(), 5, 0).getFirehoseBatches();
        assertThat(batches).extracting(FirehoseBatch::size).containsExactly(500, 500, 1);
    }

    @Test
    void cutsAtFourMebibytesKeepingOrder() {
        // Firehose: at most 4 MiB per PutRecordBatch call.
        List<byte[]> lines = lines(9, 1000 * 1024);
        List<FirehoseBatch> batches = new DeltaBatch(lines, List.of(), 5, 0).getFirehoseBatches();
        assertThat(batches).extracting(FirehoseBatch::size).containsExactly(4, 4, 1);
        assertThat(batches.get(1).getRecords().get(0).data().asByteArray()[0]).isEqualTo((byte) 4);
    }

    @Test
    void packsConsecutiveLinesIntoRecordsOfAtMostTheGivenSize() {
        List<FirehoseBatch> batches = new DeltaBatch(lines(10, 300), List.of(), 5, 1000).getFirehoseBatches();
        assertThat(batches).hasSize(1);
        List<byte[]> records = batches.get(0).getRecords().stream()
                .map(r -> r.data().asByteArray())
                .toList();
        assertThat(records).extracting(r -> r.length).containsExactly(900, 900, 900, 300);
        assertThat(records.get(1)[0]).as("lines stay in order and whole").isEqualTo((byte) 3);
    }

    private static PutRecordBatchResponse response(boolean... failed) {
        List<PutRecordBatchResponseEntry> entries = new ArrayList<>();
        int count = 0;
        for (boolean f : failed) {
            entries.add(
                    f
                            ? PutRecordBatchResponseEntry.builder()
                                    .errorCode("ServiceUnavailableException")
                                    .errorMessage("Slow down.")
                                    .build()
                            : PutRecordBatchResponseEntry.builder()
                                    .recordId("r")
                                    .build());
            count += f ? 1 : 0;
        }
        return PutRecordBatchResponse.builder()
                .failedPutCount(count)
                .requestResponses(entries)
                .build();
    }

    @Test
    void keepsExactlyTheRefusedEntriesByPosition() {
        FirehoseBatch batch = new DeltaBatch(lines(4, 10), List.of(), 5, 0)
                .getFirehoseBatches()
                .get(0);
        assertThat(batch.getBackoffMillis()).isZero();
        assertThat(batch.accept(response(false, true, false, true))).isEqualTo(2);
        assertThat(batch.getRecords())
                .extracting(r -> r.data().asByteArray()[0])
                .containsExactly((byte) 1, (byte) 3);
        assertThat(batch.getBackoffMillis()).isEqualTo(100);
        assertThat(batch.accept(response(false, false))).isZero();
        assertThat(batch.isPending()).isFalse();
        assertThat(batch.getBackoffMillis()).isZero();
    }

    @Test
    void givesUpAfterTheLastAttemptSoTheStreamBatchIsRetriedWhole() {
        FirehoseBatch batch = new DeltaBatch(lines(1, 10), List.of(), 2, 0)
                .getFirehoseBatches()
                .get(0);
        batch.accept(response(true));
        assertThatThrownBy(() -> batch.accept(response(true)))
                .isInstanceOf(FirehoseRefusedException.class)
                .hasMessageContaining("1 records still refused by Firehose after 2 attempts");
    }

    @Test
    void aResponseOfTheWrongLengthIsAnError() {
        FirehoseBatch batch = new DeltaBatch(lines(2, 10), List.of(), 2, 0)
                .getFirehoseBatches()
                .get(0);
        assertThatThrownBy(() -> batch.accept(response(false))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noSimpleNameHasTwoMethods() {
        // Past bug: DeltaBatch had lakeObjects() and getLakeObjects(); Simple found ${body.lakeObjects} ambiguous in
        // some runs and the route failed every batch. Camel resolves x as x(), getX() or isX().
        for (Class<?> type : List.of(DeltaBatch.class, FirehoseBatch.class, LakeObject.class)) {
            java.util.Map<String, Long> byName = java.util.Arrays.stream(type.getMethods())
                    .filter(m -> m.getParameterCount() == 0 && m.getDeclaringClass() == type)
                    .map(m -> m.getName().replaceFirst("^(get|is)(?=[A-Z])", "").toLowerCase())
                    .collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.stream.Collectors.counting()));
            assertThat(byName)
                    .as(type.getSimpleName())
                    .allSatisfy((name, count) -> assertThat(count).isOne());
        }
    }

    @Test
    void theRouteReachesItsPartsThroughSimple() throws Exception {
        DeltaBatch batch = new DeltaBatch(lines(3, 10), List.of(LakeObject.of("k", "v")), 5, 0);
        try (var context = new org.apache.camel.impl.DefaultCamelContext()) {
            context.start();
            var exchange = new org.apache.camel.support.DefaultExchange(context);
            exchange.getIn().setBody(batch);
            assertThat(context.resolveLanguage("simple")
                            .createExpression("${body.lakeObjects}")
                            .evaluate(exchange, List.class))
                    .hasSize(1);
            List<?> firehose = context.resolveLanguage("simple")
                    .createExpression("${body.firehoseBatches}")
                    .evaluate(exchange, List.class);
            exchange.getIn().setBody(firehose.get(0));
            assertThat(context.resolveLanguage("simple")
                            .createExpression("${body.pending}")
                            .evaluate(exchange, Boolean.class))
                    .isTrue();
            assertThat(context.resolveLanguage("simple")
                            .createExpression("${body.records}")
                            .evaluate(exchange, List.class))
                    .hasSize(3);
            assertThat(context.resolveLanguage("simple")
                            .createExpression("${body.backoffMillis}")
                            .evaluate(exchange, Long.class))
                    .isZero();
        }
    }
}
