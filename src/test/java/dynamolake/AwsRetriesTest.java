package dynamolake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import localaws.Faults;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import testsupport.LocalStackExtension;

/**
 * Every client the application builds retries an AWS call the one way {@code aws.retry.*} says, over the wire against
 * the local emulator failing calls on purpose: throttling (DynamoDB Streams' LimitExceededException, which the SDK
 * alone does not count as throttling) and server errors up to the attempts given and no more, anything else at once.
 */
class AwsRetriesTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String LIST_STREAMS = "DynamoDBStreams_20120810.ListStreams";
    private static final String LIST_TABLES = "DynamoDB_20120810.ListTables";

    private static final AwsClients.Retries FOUR =
            new AwsClients.Retries(4, Duration.ofMillis(1), Duration.ofMillis(5));

    private static Faults faults() {
        return aws.stack().emulator().faults();
    }

    private static long calls(String target) {
        return faults().calls().getOrDefault(target, 0L);
    }

    private static AwsClients clients(AwsClients.Retries retries) {
        return AwsClients.local(
                        aws.stack().emulatorEndpoint(),
                        aws.stack().s3Endpoint(),
                        aws.stack().sqsEndpoint(),
                        "us-east-1")
                .withRetries(retries);
    }

    @AfterEach
    void clear() {
        faults().clear();
    }

    @Test
    void aStreamsLimitExceededIsRetriedUpToTheAttemptsGivenAndNoFurther() {
        try (DynamoDbStreamsClient streams = clients(FOUR).dynamoDbStreams()) {
            faults().throttle(LIST_STREAMS, 3, null); // LimitExceededException, as DynamoDB Streams throttles
            long before = calls(LIST_STREAMS);
            assertThat(streams.listStreams(b -> {}).streams()).isNotNull();
            assertThat(calls(LIST_STREAMS) - before)
                    .as("three refused, the fourth served")
                    .isEqualTo(4);

            faults().throttle(LIST_STREAMS, 4, null);
            long again = calls(LIST_STREAMS);
            assertThatThrownBy(() -> streams.listStreams(b -> {}))
                    .isInstanceOf(AwsServiceException.class)
                    .satisfies(e -> assertThat(
                                    ((AwsServiceException) e).awsErrorDetails().errorCode())
                            .isEqualTo("LimitExceededException"));
            assertThat(calls(LIST_STREAMS) - again)
                    .as("four calls in all, none after")
                    .isEqualTo(4);
        }
    }

    @Test
    void throttlingAndServerErrorsAreRetriedAndOtherErrorsAreNot() {
        try (DynamoDbClient dynamoDb = clients(FOUR).dynamoDb()) {
            faults().throttle(LIST_TABLES, 2, "ProvisionedThroughputExceededException");
            long before = calls(LIST_TABLES);
            dynamoDb.listTables();
            assertThat(calls(LIST_TABLES) - before).isEqualTo(3);

            faults().throttle(LIST_TABLES, 3, "InternalServerError");
            long five = calls(LIST_TABLES);
            dynamoDb.listTables();
            assertThat(calls(LIST_TABLES) - five).isEqualTo(4);

            faults().throttle(LIST_TABLES, 1, "AccessDeniedException");
            long denied = calls(LIST_TABLES);
            assertThatThrownBy(dynamoDb::listTables).isInstanceOf(AwsServiceException.class);
            assertThat(calls(LIST_TABLES) - denied).as("not retried").isEqualTo(1);
        }
    }

    @Test
    void theDefaultsGiveNineCalls() {
        try (DynamoDbClient dynamoDb = clients(new AwsClients.Retries(
                        AwsClients.Retries.DEFAULT.maxAttempts(), Duration.ofMillis(1), Duration.ofMillis(2)))
                .dynamoDb()) {
            faults().throttle(LIST_TABLES, 100, null);
            long before = calls(LIST_TABLES);
            assertThatThrownBy(dynamoDb::listTables).isInstanceOf(AwsServiceException.class);
            assertThat(calls(LIST_TABLES) - before).isEqualTo(9);
        }
    }
}
