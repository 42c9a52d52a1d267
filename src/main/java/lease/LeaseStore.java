package lease;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Leases in a DynamoDB table of string keys {@code pk} and {@code sk} (the checkpoint table): one item per lease,
 * under {@code pk = <group>|lease|<scope>}, {@code sk = lease}, holding its owner, epoch and expiry. Every write is
 * conditional, so any number of processes can contend for a lease; each take increments the epoch (after the Kinesis
 * Client Library's leases: owner, counter, expiry). The stream's consumers hold one per table's stream
 * ({@code <table>}), the view builders one per table's views ({@code views|<table>}).
 */
public final class LeaseStore {
    private final DynamoDbClient dynamoDb;
    private final String table;

    public LeaseStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    /**
     * Takes the lease when it is free, expired or already ours.
     *
     * @return the lease with its new epoch, or empty when another owner holds it
     */
    public Optional<Lease> acquire(String group, String scope, String owner, Duration duration, Instant now) {
        return take(
                group, scope, owner, duration, now, "attribute_not_exists(#owner) OR expiresAt < :now OR #owner = :me");
    }

    private Optional<Lease> take(
            String group, String scope, String owner, Duration duration, Instant now, String condition) {
        try {
            var out = dynamoDb.updateItem(b -> b.tableName(table)
                    .key(leaseKey(group, scope))
                    .updateExpression("SET #owner = :me, expiresAt = :expires ADD epoch :one")
                    .conditionExpression(condition)
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":me", AttributeValue.fromS(owner),
                            ":expires", millis(now.plus(duration)),
                            ":now", millis(now),
                            ":one", AttributeValue.fromN("1")))
                    .returnValues(ReturnValue.ALL_NEW));
            long epoch = Long.parseLong(out.attributes().get("epoch").n());
            return Optional.of(new Lease(group + "|lease|" + scope, owner, epoch, now.plus(duration)));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    /**
     * Takes or extends a lease several processes hold together under one owner name (the replicas sharing a stream):
     * taken with a new epoch when free or expired; while held under that name, only ever extended, so a holder whose
     * clock runs behind the others' never shortens it, and its epoch stays.
     *
     * @return the lease as held now (its epoch, and the expiry the table holds), or empty when another owner holds it
     */
    public Optional<Lease> holdTogether(String group, String scope, String owner, Duration duration, Instant now) {
        Map<String, AttributeValue> key = leaseKey(group, scope);
        try {
            var out = dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key)
                    .updateExpression("SET expiresAt = :expires")
                    .conditionExpression("#owner = :me AND expiresAt >= :now AND expiresAt < :expires")
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":me", AttributeValue.fromS(owner),
                            ":expires", millis(now.plus(duration)),
                            ":now", millis(now)))
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(leaseOf(group, scope, out.attributes()));
        } catch (ConditionalCheckFailedException e) {
            // Not ours, free, expired, or another holder extended it further already.
        }
        Optional<Lease> current = currentLease(group, scope);
        if (current.isPresent()
                && current.get().owner().equals(owner)
                && !current.get().expiresAt().isBefore(now)) {
            return current;
        }
        // Free or expired: taken with a new epoch. Not "or ours": another holder may have extended it meanwhile.
        Optional<Lease> taken =
                take(group, scope, owner, duration, now, "attribute_not_exists(#owner) OR expiresAt < :now");
        if (taken.isPresent()) {
            return taken;
        }
        return currentLease(group, scope)
                .filter(l -> l.owner().equals(owner) && !l.expiresAt().isBefore(now));
    }

    /** Extends a lease we hold; false when it was taken over meanwhile. */
    public boolean renew(String group, String scope, Lease lease, Duration duration, Instant now) {
        return conditionalLeaseUpdate(group, scope, lease, millis(now.plus(duration)));
    }

    /** Gives a lease up at once, so a standby takes over without waiting for it to expire. */
    public void release(String group, String scope, Lease lease) {
        conditionalLeaseUpdate(group, scope, lease, AttributeValue.fromN("0"));
    }

    /** Who holds the lease and until when, or empty when nobody ever did. */
    public Optional<Lease> currentLease(String group, String scope) {
        var item = dynamoDb.getItem(
                        b -> b.tableName(table).key(leaseKey(group, scope)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(leaseOf(group, scope, item));
    }

    private static Lease leaseOf(String group, String scope, Map<String, AttributeValue> item) {
        return new Lease(
                group + "|lease|" + scope,
                item.get("owner").s(),
                Long.parseLong(item.get("epoch").n()),
                Instant.ofEpochMilli(Long.parseLong(item.get("expiresAt").n())));
    }

    private boolean conditionalLeaseUpdate(String group, String scope, Lease lease, AttributeValue expiresAt) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(leaseKey(group, scope))
                    .updateExpression("SET expiresAt = :expires")
                    .conditionExpression("#owner = :me AND epoch = :epoch")
                    .expressionAttributeNames(Map.of("#owner", "owner"))
                    .expressionAttributeValues(Map.of(
                            ":expires", expiresAt,
                            ":me", AttributeValue.fromS(lease.owner()),
                            ":epoch", AttributeValue.fromN(Long.toString(lease.epoch())))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Map<String, AttributeValue> leaseKey(String group, String scope) {
        return Map.of("pk", AttributeValue.fromS(group + "|lease|" + scope), "sk", AttributeValue.fromS("lease"));
    }

    private static AttributeValue millis(Instant t) {
        return AttributeValue.fromN(Long.toString(t.toEpochMilli()));
    }
}
