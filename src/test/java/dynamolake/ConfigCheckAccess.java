package dynamolake;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;

/** ConfigCheck for tests: the problems it finds with a profile's configuration and whatever overrides it. */
public final class ConfigCheckAccess {
    private ConfigCheckAccess() {}

    /**
     * The problems with the jar's application.properties, {@code profile}'s file over it (as in Camel Main), and
     * {@code more} over both (a ConfigMap's keys, or {@code system} properties), with {@code env} as the
     * environment.
     */
    public static List<String> problems(
            String profile, Map<?, ?> more, Map<String, String> system, Map<String, String> env) {
        PropertiesComponent pc = new DefaultCamelContext().getPropertiesComponent();
        pc.setLocation("classpath:application.properties");
        Properties overrides = new Properties();
        try (InputStream in = ConfigCheckAccess.class.getResourceAsStream("/application-" + profile + ".properties")) {
            overrides.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        overrides.putAll(more);
        overrides.putAll(system);
        pc.setOverrideProperties(overrides);
        Properties sys = new Properties();
        sys.putAll(system);
        return ConfigCheck.problems(pc, sys, env);
    }
}
