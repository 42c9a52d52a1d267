package item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.b;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.l;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.nul;
import static testsupport.Fixtures.s;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class PlainJsonTest {
    @Test
    void copyingAValueWritesWhatParsingAndWritingItWould() throws Exception {
        String text = "{\"a\":[1E-130,12.50,-0,\"\\u00e9\\n\\\"\",{\"m\":{},\"l\":[]},true,null],"
                + "\"n\":9.9999999999999999999999999999999999999E+125}";
        com.fasterxml.jackson.core.JsonFactory f = new com.fasterxml.jackson.core.JsonFactory();
        java.io.StringWriter out = new java.io.StringWriter();
        try (var p = f.createParser(text);
                var g = f.createGenerator(out)) {
            p.nextToken();
            PlainJson.copyValue(p, g);
            assertThat(p.currentToken()).isEqualTo(com.fasterxml.jackson.core.JsonToken.END_OBJECT);
        }
        assertThat(out.toString())
                .isEqualTo(PlainJson.toJson(PlainJson.parseItem(text)))
                .contains("1E-130,12.50,-0,");
    }

    @Test
    void keepsThirtyEightDigitNumbersToTheLastDigit() {
        assertThat(PlainJson.fromDynamoJson("{\"n\":{\"N\":\"12345678901234567890123456789012345678\"}}"))
                .isEqualTo("{\"n\":12345678901234567890123456789012345678}");
    }

    @Test
    void keepsTheSmallestDynamoDbNumberAsText() {
        assertThat(PlainJson.fromDynamoJson("{\"n\":{\"N\":\"1E-130\"}}")).isEqualTo("{\"n\":1E-130}");
    }

    @Test
    void keepsTheLargestDynamoDbNumberAsText() {
        String huge = "9.9999999999999999999999999999999999999E+125";
        assertThat(PlainJson.fromDynamoJson("{\"n\":{\"N\":\"" + huge + "\"}}")).isEqualTo("{\"n\":" + huge + "}");
    }

    @Test
    void keepsTrailingZerosAsSent() {
        assertThat(PlainJson.fromDynamoJson("{\"n\":{\"N\":\"2.0\"}}")).isEqualTo("{\"n\":2.0}");
    }

    @Test
    void neverTurnsNumbersIntoDoubles() {
        // 0.1 + 17 digits would print as 0.10000000000000000555 through a double.
        assertThat(PlainJson.fromDynamoJson("{\"n\":{\"N\":\"0.10000000000000000001\"}}"))
                .isEqualTo("{\"n\":0.10000000000000000001}");
    }

    @Test
    void rewritesNumbersThatAreNotJsonNumbersWithoutChangingTheirValue() {
        assertThat(PlainJson.fromDynamoJson("{\"a\":{\"N\":\".5\"},\"b\":{\"N\":\"+7\"},\"c\":{\"N\":\"007\"}}"))
                .isEqualTo("{\"a\":0.5,\"b\":7,\"c\":7}");
    }

    @Test
    void keepsNumberSetMembersAsText() {
        assertThat(PlainJson.fromDynamoJson("{\"ns\":{\"NS\":[\"1.50\",\"1E-130\",\"-0\"]}}"))
                .isEqualTo("{\"ns\":[1.50,1E-130,-0]}");
    }

    @Test
    void writesBinaryThatIsNotUtf8AsBase64OfTheExactBytes() {
        byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80};
        String json = PlainJson.toJson(item("b", b(bytes)));
        assertThat(json).isEqualTo("{\"b\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}");
    }

    @Test
    void keepsEmptyStringsListsAndMaps() {
        assertThat(PlainJson.toJson(item("s", s(""), "l", l(), "m", m()))).isEqualTo("{\"s\":\"\",\"l\":[],\"m\":{}}");
    }

    @Test
    void convertsNullToJsonNull() {
        assertThat(PlainJson.toJson(item("x", nul()))).isEqualTo("{\"x\":null}");
    }

    @Test
    void convertsSetsToArraysInStoredOrder() {
        String json = PlainJson.fromDynamoJson(
                "{\"ss\":{\"SS\":[\"b\",\"a\"]},\"bs\":{\"BS\":[\"AQ==\",\"Ag==\"]}," + "\"bool\":{\"BOOL\":false}}");
        assertThat(json).isEqualTo("{\"ss\":[\"b\",\"a\"],\"bs\":[\"AQ==\",\"Ag==\"],\"bool\":false}");
    }

    @Test
    void convertsMapsAndListsThreeLevelsDeep() {
        String ddb = "{\"a\":{\"M\":{\"b\":{\"L\":[{\"M\":{\"c\":{\"N\":\"1.10\"},\"d\":{\"L\":[{\"S\":\"x\"}]}}}]}}}}";
        assertThat(PlainJson.fromDynamoJson(ddb)).isEqualTo("{\"a\":{\"b\":[{\"c\":1.10,\"d\":[\"x\"]}]}}");
    }

    @Test
    void mapKeysThatLookLikeTypeTagsStayAttributeNames() {
        String ddb = "{\"m\":{\"M\":{\"S\":{\"S\":\"s\"},\"N\":{\"N\":\"1\"},\"M\":{\"M\":{}}}}}";
        assertThat(PlainJson.fromDynamoJson(ddb)).isEqualTo("{\"m\":{\"S\":\"s\",\"N\":1,\"M\":{}}}");
    }

    @Test
    void emptyValueIsAnErrorNamingItsPath() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"a\":{\"M\":{\"b\":{\"L\":[{\"S\":\"x\"},{}]}}}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("a.b[1]: empty attribute value {}")
                .extracting(e -> ((ItemFormatException) e).path())
                .isEqualTo("a.b[1]");
    }

    @Test
    void unknownTypeTagIsAnErrorNamingItsPath() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"a\":{\"M\":{\"b\":{\"X\":\"1\"}}}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("a.b: unknown type tag 'X'");
    }

    @Test
    void malformedBase64IsAnErrorNamingItsPath() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"blob\":{\"B\":\"not base64!\"}}"))
                .isInstanceOf(ItemFormatException.class)
                .hasMessageStartingWith("blob: malformed base64");
    }

    @Test
    void numberThatIsNotANumberIsAnError() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"n\":{\"N\":\"12abc\"}}"))
                .hasMessage("n: '12abc' is not a number");
    }

    @Test
    void secondTypeTagIsAnError() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"v\":{\"S\":\"a\",\"N\":\"1\"}}"))
                .hasMessageStartingWith("v: more than one type tag");
    }

    @Test
    void nullMustBeTrue() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"v\":{\"NULL\":false}}"))
                .hasMessageStartingWith("v: NULL must be true");
    }

    @Test
    void attributeNamesWithDotsAreQuotedInPaths() {
        assertThatThrownBy(() -> PlainJson.fromDynamoJson("{\"a.b\":{}}"))
                .hasMessageStartingWith("\"a.b\": empty attribute value");
    }

    @Test
    void readsPlainJsonBackKeepingNumberText() {
        Map<String, AttributeValue> back =
                PlainJson.parseItem("{\"n\":1E-130,\"s\":\"x\",\"l\":[true,null]," + "\"m\":{\"k\":2.0}}");
        assertThat(back)
                .isEqualTo(item(
                        "n",
                        n("1E-130"),
                        "s",
                        s("x"),
                        "l",
                        AttributeValue.fromL(List.of(AttributeValue.fromBool(true), nul())),
                        "m",
                        m("k", n("2.0"))));
    }
}
