package localaws.dynamodb.attributes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.b;
import static testsupport.Fixtures.bool;
import static testsupport.Fixtures.bs;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.l;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.ns;
import static testsupport.Fixtures.nul;
import static testsupport.Fixtures.s;
import static testsupport.Fixtures.ss;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import localaws.http.AwsHttpServer;
import localaws.http.AwsServiceException;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** DynamoDB JSON as AWS documents it for AttributeValue, read from requests and written into responses and files. */
class DynamoJsonTest {
    private static JsonNode json(String text) {
        try {
            return AwsHttpServer.JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static AttributeValue read(String value) {
        return DynamoJson.readValue(json(value));
    }

    private static String write(AttributeValue value) {
        return DynamoJson.toJson(item("a", value));
    }

    private static AbstractThrowableAssert<?, ?> assertRefused(String value, String errorCode, String message) {
        return assertThatThrownBy(() -> read(value))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(errorCode))
                .hasMessage(message);
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    @Test
    void readsAStringFromS() {
        assertThat(read("{\"S\":\"x\"}")).isEqualTo(s("x"));
    }

    @Test
    void readsAnEmptyStringAsAString() {
        assertThat(read("{\"S\":\"\"}")).isEqualTo(s(""));
    }

    @Test
    void readsANumberAsTheTextSent() {
        assertThat(read("{\"N\":\"0100.50\"}"))
                .as("trimming is a storage rule, not the wire's")
                .isEqualTo(n("0100.50"));
    }

    @Test
    void readsBinaryFromBase64() {
        assertThat(read("{\"B\":\"/wD+\"}")).isEqualTo(b((byte) 0xff, (byte) 0x00, (byte) 0xfe));
    }

    @Test
    void readsEmptyBinary() {
        assertThat(read("{\"B\":\"\"}")).isEqualTo(b());
    }

    @Test
    void readsBooleans() {
        assertThat(read("{\"BOOL\":false}")).isEqualTo(bool(false));
    }

    @Test
    void readsNull() {
        assertThat(read("{\"NULL\":true}")).isEqualTo(nul());
    }

    @Test
    void readsNullFalseAsSentForTheStorageRulesToRefuse() {
        assertThat(read("{\"NULL\":false}").nul()).isFalse();
    }

    @Test
    void readsSetsInTheOrderSent() {
        assertThat(read("{\"SS\":[\"b\",\"a\"]}")).isEqualTo(ss("b", "a"));
        assertThat(read("{\"NS\":[\"10\",\"2\"]}")).isEqualTo(ns("10", "2"));
        assertThat(read("{\"BS\":[\"Ag==\",\"AQ==\"]}")).isEqualTo(bs(new byte[] {2}, new byte[] {1}));
    }

    @Test
    void readsNestedListsAndMaps() {
        assertThat(read("{\"L\":[{\"M\":{\"x\":{\"L\":[]}}},{\"N\":\"1\"}]}")).isEqualTo(l(m("x", l()), n("1")));
    }

    @Test
    void readsAMapKeyThatLooksLikeATypeAsAnAttributeName() {
        assertThat(read("{\"M\":{\"S\":{\"S\":\"x\"},\"NULL\":{\"N\":\"1\"}}}"))
                .isEqualTo(m("S", s("x"), "NULL", n("1")));
    }

    @Test
    void keepsAttributeOrder() {
        Map<String, AttributeValue> item = DynamoJson.readItem(json("{\"z\":{\"S\":\"1\"},\"a\":{\"S\":\"2\"}}"));
        assertThat(item.keySet()).containsExactly("z", "a");
    }

    @Test
    void ignoresMembersThatAreNoType() {
        assertThat(read("{\"S\":\"x\",\"X\":\"y\"}")).isEqualTo(s("x"));
    }

    @Test
    void takesANullMemberAsAbsent() {
        assertThat(read("{\"S\":null,\"N\":\"1\"}")).isEqualTo(n("1"));
    }

    @Test
    void refusesAValueWithoutAType() {
        assertRefused(
                "{}",
                "ValidationException",
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    }

    @Test
    void refusesAValueWithOnlyUnknownMembersAsEmpty() {
        assertRefused(
                "{\"X\":\"y\"}",
                "ValidationException",
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    }

    @Test
    void refusesAnEmptyValueNestedInAList() {
        assertRefused(
                "{\"L\":[{}]}",
                "ValidationException",
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    }

    @Test
    void refusesAValueWithTwoTypes() {
        assertRefused(
                "{\"S\":\"a\",\"N\":\"1\"}",
                "ValidationException",
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported"
                        + " datatypes");
    }

    @Test
    void refusesANumberSentAsAJsonNumberWhileDeserializing() {
        assertRefused("{\"N\":12}", "SerializationException", "NUMBER value found where a String was expected");
    }

    @Test
    void refusesAListWhereAStringBelongs() {
        assertRefused("{\"S\":[\"x\"]}", "SerializationException", "Start of list found where not expected");
    }

    @Test
    void refusesAnObjectWhereAListBelongs() {
        assertRefused("{\"L\":{}}", "SerializationException", "Start of structure or map found where not expected.");
    }

    @Test
    void refusesAStringWhereABooleanBelongs() {
        assertRefused(
                "{\"BOOL\":\"true\"}", "SerializationException", "STRING value found where a Boolean was expected");
    }

    @Test
    void refusesMalformedBase64WhileDeserializing() {
        assertThatThrownBy(() -> read("{\"B\":\"not base64!\"}"))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("SerializationException"))
                .hasMessageStartingWith("Base64 encoded binary value is malformed");
    }

    @Test
    void refusesAnItemThatIsNotAnObject() {
        assertThatThrownBy(() -> DynamoJson.readItem(json("[]")))
                .isInstanceOf(AwsServiceException.class)
                .hasMessage("Start of list found where not expected");
    }

    // ---- writing -------------------------------------------------------------------------------------------------

    @Test
    void writesEachTypeUnderItsMember() {
        assertThat(write(s("x"))).isEqualTo("{\"a\":{\"S\":\"x\"}}");
        assertThat(write(n("1.5"))).isEqualTo("{\"a\":{\"N\":\"1.5\"}}");
        assertThat(write(bool(true))).isEqualTo("{\"a\":{\"BOOL\":true}}");
        assertThat(write(nul())).isEqualTo("{\"a\":{\"NULL\":true}}");
        assertThat(write(l(s("x")))).isEqualTo("{\"a\":{\"L\":[{\"S\":\"x\"}]}}");
        assertThat(write(m("k", n("1")))).isEqualTo("{\"a\":{\"M\":{\"k\":{\"N\":\"1\"}}}}");
    }

    @Test
    void writesAnEmptyStringAsAnEmptyString() {
        assertThat(write(s(""))).isEqualTo("{\"a\":{\"S\":\"\"}}");
    }

    @Test
    void writesNumbersAsTheirStoredTextNeverAsJsonNumbers() {
        String tiny = "0." + "0".repeat(129) + "1";
        assertThat(write(n(tiny))).isEqualTo("{\"a\":{\"N\":\"" + tiny + "\"}}");
        assertThat(write(n("12345678901234567890123456789012345678")))
                .isEqualTo("{\"a\":{\"N\":\"12345678901234567890123456789012345678\"}}");
    }

    @Test
    void writesBinaryThatIsNotUtf8AsPaddedBase64() {
        assertThat(write(b((byte) 0xff, (byte) 0x00, (byte) 0xfe))).isEqualTo("{\"a\":{\"B\":\"/wD+\"}}");
        assertThat(write(b((byte) 0xff))).isEqualTo("{\"a\":{\"B\":\"/w==\"}}");
    }

    @Test
    void writesSetsInStoredOrder() {
        assertThat(write(ss("b", "a"))).isEqualTo("{\"a\":{\"SS\":[\"b\",\"a\"]}}");
        assertThat(write(ns("10", "2"))).isEqualTo("{\"a\":{\"NS\":[\"10\",\"2\"]}}");
        assertThat(write(bs(new byte[] {2}, new byte[] {1}))).isEqualTo("{\"a\":{\"BS\":[\"Ag==\",\"AQ==\"]}}");
    }

    @Test
    void writesMapKeysThatLookLikeTypesAsNames() {
        assertThat(write(m("S", m("S", s("x"))))).isEqualTo("{\"a\":{\"M\":{\"S\":{\"M\":{\"S\":{\"S\":\"x\"}}}}}}");
    }

    @Test
    void escapesStringsAsJsonRequires() {
        assertThat(write(s("\"\\\n\u0001é😀"))).isEqualTo("{\"a\":{\"S\":\"\\\"\\\\\\n\\u0001é😀\"}}");
    }

    @Test
    void keepsAttributeOrderWhenWriting() {
        assertThat(DynamoJson.toJson(item("z", n("1"), "a", n("2"))))
                .isEqualTo("{\"z\":{\"N\":\"1\"},\"a\":{\"N\":\"2\"}}");
    }

    @Test
    void refusesToWriteAValueWithoutAType() {
        assertThatThrownBy(() -> write(AttributeValue.builder().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("an attribute value without a DynamoDB type");
    }

    @Test
    void readsBackWhatItWrites() {
        String every = "{\"s\":{\"S\":\"\"},\"n\":{\"N\":\"2\"},\"b\":{\"B\":\"/w==\"},\"bool\":{\"BOOL\":false},"
                + "\"nul\":{\"NULL\":true},\"ss\":{\"SS\":[\"b\",\"a\"]},\"ns\":{\"NS\":[\"1\",\"0.5\"]},"
                + "\"bs\":{\"BS\":[\"AQ==\"]},\"l\":{\"L\":[]},\"m\":{\"M\":{\"S\":{\"S\":\"x\"}}}}";
        assertThat(DynamoJson.toJson(DynamoJson.readItem(json(every)))).isEqualTo(every);
    }
}
