package observe;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeCompletedEvent;
import org.apache.camel.spi.CamelEvent.ExchangeFailedEvent;
import org.apache.camel.support.EventNotifierSupport;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Readiness DOWN while a route's last exchange failed, after the AWS SDK's attempts were exhausted or at once when
 * the failure cannot be retried (access denied, say): the route's source
 * keeps the data (the stream consumer does not move its checkpoint, the export task goes back to the queue), but
 * nothing moves until the cause is fixed. UP again as soon as an exchange of that route completes.
 */
public final class RouteExhaustion extends AbstractHealthCheck {
    private final Map<String, String> exhausted = new ConcurrentHashMap<>();
    private final Notifier notifier = new Notifier();

    public RouteExhaustion() {
        super("dynamo-lake", "routes-exhausted");
    }

    /** The event notifier to add to the context's management strategy. */
    public EventNotifierSupport notifier() {
        return notifier;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (exhausted.isEmpty()) {
            builder.up();
        } else {
            builder.detail("exhausted", Map.copyOf(exhausted));
            builder.message(String.join("; ", exhausted.values()));
            builder.down();
        }
    }

    /** The innermost cause, with AWS's error code when AWS answered: {@code AccessDeniedException: ...}. */
    static String cause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            return aws.awsErrorDetails().serviceName() + " "
                    + aws.awsErrorDetails().errorCode() + ": "
                    + aws.awsErrorDetails().errorMessage();
        }
        return root.toString();
    }

    private final class Notifier extends EventNotifierSupport {
        Notifier() {
            setIgnoreCamelContextEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreStepEvents(true);
            setIgnoreExchangeCreatedEvent(true);
            setIgnoreExchangeSendingEvents(true);
            setIgnoreExchangeSentEvents(true);
            setIgnoreExchangeRedeliveryEvents(true);
            setIgnoreExchangeAsyncProcessingStartedEvents(true);
        }

        @Override
        public void notify(CamelEvent event) {
            if (!(event instanceof CamelEvent.ExchangeEvent e)) {
                return;
            }
            Exchange exchange = e.getExchange();
            String route = exchange.getFromRouteId();
            if (route == null) {
                return;
            }
            if (event instanceof ExchangeFailedEvent && exchange.getException() != null) {
                int redeliveries = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
                exhausted.put(
                        route,
                        "route " + route + " failed"
                                + (redeliveries > 0 ? " after " + redeliveries + " redeliveries" : "") + " at "
                                + Instant.now() + ": " + cause(exchange.getException()));
            } else if (event instanceof ExchangeCompletedEvent && exchange.getException() == null) {
                exhausted.remove(route);
            }
        }
    }
}
