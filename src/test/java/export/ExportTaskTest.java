package export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExportTaskTest {
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
}
