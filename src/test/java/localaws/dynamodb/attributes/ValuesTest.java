package localaws.dynamodb.attributes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static testsupport.Fixtures.bs;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.l;
import static testsupport.Fixtures.m;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.ns;
import static testsupport.Fixtures.s;
import static testsupport.Fixtures.ss;

import java.util.List;
import localaws.http.AwsServiceException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What DynamoDB requires of a stored value, in its own words (the set messages, double spaces included, as dynalite's
 * tests recorded them from DynamoDB).
 */
class ValuesTest {
    private static void assertRefused(AttributeValue v, String message) {
        assertThatThrownBy(() -> Values.normalize(v))
                .isInstanceOfSatisfying(
                        AwsServiceException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("ValidationException"))
                .hasMessage(message);
    }

    @Test
    void trimsNumbersInsideListsAndMaps() {
        assertThat(Values.normalize(l(m("x", n("1.0")), ns("2.50")))).isEqualTo(l(m("x", n("1")), ns("2.5")));
    }

    @Test
    void keepsStringsAsSent() {
        assertThat(Values.normalize(s(" 0100 "))).isEqualTo(s(" 0100 "));
    }

    @Test
    void refusesAnEmptyStringSet() {
        assertRefused(
                AttributeValue.fromSs(List.of()),
                "One or more parameter values were invalid: An string set  may not be empty");
    }

    @Test
    void refusesAnEmptyNumberSet() {
        assertRefused(
                AttributeValue.fromNs(List.of()),
                "One or more parameter values were invalid: An number set  may not be empty");
    }

    @Test
    void refusesAnEmptyBinarySet() {
        assertRefused(bs(), "One or more parameter values were invalid: Binary sets should not be empty");
    }

    @Test
    void refusesDuplicateStringsNamingTheCollection() {
        assertRefused(
                ss("a", "a"),
                "One or more parameter values were invalid: Input collection [a, a] contains duplicates.");
    }

    @Test
    void refusesNumbersThatAreDuplicatesOnceTrimmed() {
        assertRefused(ns("1", "1.0"), "Input collection contains duplicates");
    }

    @Test
    void refusesDuplicateBinariesNamingThemInBase64() {
        assertRefused(
                bs(new byte[] {'b'}, new byte[] {'b'}),
                "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains"
                        + " duplicates.");
    }

    @Test
    void refusesNullFalse() {
        assertRefused(
                AttributeValue.builder().nul(false).build(),
                "One or more parameter values were invalid: Null attribute value types must have the value of true");
    }

    @Test
    void refusesAnInvalidNumberNestedInAMap() {
        assertRefused(
                m("deep", l(n("1E126"))),
                "Number overflow. Attempting to store a number with magnitude larger" + " than supported range");
    }

    @Test
    void refusesAnEmptyAttributeName() {
        assertThatThrownBy(() -> Values.normalizeItem(item("", s("x"))))
                .hasMessage("One or more parameter values were invalid: An attribute name cannot be empty");
    }
}
