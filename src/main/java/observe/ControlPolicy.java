package observe;

import javax.management.ObjectName;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * Jolokia's access with {@code observe.jolokia.allow-control=true}: the read-only policy decides everything, and an
 * operation is also allowed where the control policy's allow-list names it. Two policies rather than one file,
 * because a Jolokia policy consults only one of the patterns an MBean matches: the read-only policy's {@code
 * org.apache.camel:*} (Camel's {@code dump*} operations) would hide the routes' and the services' entries.
 */
final class ControlPolicy implements Restrictor {
    private final Restrictor readOnly;
    private final Restrictor operations;

    ControlPolicy(Restrictor readOnly, Restrictor operations) {
        this.readOnly = readOnly;
        this.operations = operations;
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return readOnly.isOperationAllowed(name, operation) || operations.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return readOnly.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return readOnly.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return readOnly.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return readOnly.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return readOnly.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        return readOnly.isOriginAllowed(origin, onlyWhenStrictCheckingIsEnabled);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return readOnly.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return readOnly.ignoreScheme();
    }
}
