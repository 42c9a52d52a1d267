package export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The export queue's message: what one replica sends, any other reads back as it was sent. */
class ExportTaskTest {
    private static final ExportTask TASK = new ExportTask(
            "01764000000000-abcdef12",
            ExportTask.Step.CONVERT,
            "exports",
            "exports/AWSDynamoDB/01764000000000-abcdef12/data/abc.json.gz",
            7,
            10,
            52_000,
            "bWQ1");

    @Test
    void survivesTheQueue() {
        ExportTask t = new ExportTask(
                "0123-ab",
                ExportTask.Step.DISCOVER,
                "bucket",
                "p/AWSDynamoDB/0123-ab/data/x.json.gz",
                3,
                10,
                5000,
                "md5==");
        assertThat(ExportTask.fromJson(t.toJson())).isEqualTo(t);
        assertThat(t.withStep(ExportTask.Step.CONVERT).step()).isEqualTo(ExportTask.Step.CONVERT);
    }

    @Test
    void aMessageThatIsNotATaskSaysWhatIsMissing() {
        assertThatThrownBy(() -> ExportTask.fromJson("hello"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> ExportTask.fromJson("{\"exportId\":\"x\",\"step\":\"DISCOVER\"}"))
                .hasMessageContaining("no bucket");
    }

    @Test
    void aTaskReadsBackAsItWasSent() {
        assertThat(ExportTask.fromJson(TASK.toJson())).isEqualTo(TASK);
        ExportTask withoutDigest = new ExportTask("e", ExportTask.Step.DELTAS, "b", "k", 0, 1, 0, null);
        assertThat(ExportTask.fromJson(withoutDigest.toJson())).isEqualTo(withoutDigest);
    }

    /** The fields earlier releases sent, so replicas of two releases share the queue during a rolling update. */
    @Test
    void itsBodyIsWhatEarlierReleasesSentAndRead() {
        String earlier = "{\"exportId\":\"01764000000000-abcdef12\",\"step\":\"CONVERT\",\"bucket\":\"exports\","
                + "\"key\":\"exports/AWSDynamoDB/01764000000000-abcdef12/data/abc.json.gz\",\"index\":7,\"files\":10,"
                + "\"itemCount\":52000,\"md5\":\"bWQ1\"}";
        assertThat(TASK.toJson()).isEqualTo(earlier);
        assertThat(ExportTask.fromJson(earlier)).isEqualTo(TASK);
    }

    @Test
    void aMessageThatIsNotATaskIsRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> ExportTask.fromJson("{\"exportId\":\"e\",\"step\":\"CONVERT\",\"bucket\":\"b\","
                        + "\"key\":\"k\",\"files\":1,\"itemCount\":3}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not an export task")
                .hasMessageContaining("index");
        assertThatThrownBy(() -> ExportTask.fromJson("{\"exportId\":\"e\",\"step\":\"SHRED\",\"bucket\":\"b\","
                        + "\"key\":\"k\",\"index\":0,\"files\":1,\"itemCount\":3}"))
                .hasMessageStartingWith("not an export task")
                .hasMessageContaining("SHRED");
        assertThatThrownBy(() -> ExportTask.fromJson("hello"))
                .hasMessageStartingWith("not an export task")
                .hasMessageEndingWith(": hello");
    }
}
