package routes;

import ddbstream.AwsErrors;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Error handling for every route: throttling, server errors and network failures of AWS calls are redelivered at
 * the failing step with bounded exponential backoff. Anything else fails the exchange whole: its source keeps it
 * (the stream consumer processes the batch again, without moving its checkpoint), so nothing is dropped.
 */
public class ErrorHandling extends RouteConfigurationBuilder {
    @Override
    public void configuration() {
        routeConfiguration()
                .onException(Exception.class)
                .onWhen(exchange -> AwsErrors.isRetriable(exchange.getException()))
                .maximumRedeliveries("{{aws.retry.max-redeliveries}}")
                .redeliveryDelay("{{aws.retry.delay}}")
                .useExponentialBackOff()
                .backOffMultiplier(2)
                .maximumRedeliveryDelay("{{aws.retry.max-delay}}")
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .logExhausted(true)
                .handled(false);
    }
}
