package dynamolake;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.spi.PropertiesComponent;

/** ConfigCheck's problems, for tests outside its package (the Kubernetes ConfigMap's). */
public final class ConfigCheckAccess {
    private ConfigCheckAccess() {}

    public static List<String> problems(PropertiesComponent properties, Properties system, Map<String, String> env) {
        return ConfigCheck.problems(properties, system, env);
    }
}
