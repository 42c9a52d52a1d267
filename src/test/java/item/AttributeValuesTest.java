package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.s;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class AttributeValuesTest {
    private static final String EVERY_TYPE = "{\"s\":{\"S\":\"\"},\"n\":{\"N\":\"2.0\"},\"b\":{\"B\":\"/w==\"},"
            + "\"bool\":{\"BOOL\":true},\"nul\":{\"NULL\":true},\"ss\":{\"SS\":[\"a\",\"b\"]},"
            + "\"ns\":{\"NS\":[\"1\",\"1E-130\"]},\"bs\":{\"BS\":[\"AQ==\"]},\"l\":{\"L\":[]},"
            + "\"m\":{\"M\":{\"S\":{\"S\":\"x\"}}}}";

    @Test
    void roundTripsEveryTypeToTheSameText() {
        assertThat(AttributeValues.toJson(AttributeValues.parseItem(EVERY_TYPE)))
                .isEqualTo(EVERY_TYPE);
    }

    @Test
    void keepsAttributeOrder() {
        Map<String, AttributeValue> parsed = AttributeValues.parseItem("{\"z\":{\"S\":\"1\"},\"a\":{\"S\":\"2\"}}");
        assertThat(parsed.keySet()).containsExactly("z", "a");
    }

    @Test
    void numbersMustBeSentAsStrings() {
        assertThatThrownBy(() -> AttributeValues.parseItem("{\"n\":{\"N\":12}}"))
                .hasMessageStartingWith("n: a number must be sent as a string");
    }

    @Test
    void anSdkValueWithoutTypeIsAnError() {
        assertThatThrownBy(() -> PlainJson.toJson(
                        item("ok", s("x"), "bad", AttributeValue.builder().build())))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("bad: empty attribute value");
    }

    @Test
    void textAfterTheItemIsAnError() {
        assertThatThrownBy(() -> AttributeValues.parseItem("{\"s\":{\"S\":\"x\"}} {}"))
                .hasMessage("(item): text after the end of the item");
    }
}
