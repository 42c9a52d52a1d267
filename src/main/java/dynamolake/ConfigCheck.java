package dynamolake;

import ddbstream.DdbStreamComponent;
import ddbstream.DdbStreamConfiguration;
import ddbstream.InvalidOptionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Configuration;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.PropertyConfigurer;
import org.apache.camel.spi.PropertyConfigurerGetter;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Holds the configuration against {@link ConfigKeys} before anything starts (it is the first configuration class),
 * after putting the declared defaults under it:
 * an unknown key under the project's prefixes (a typo: {@code views.bukets}), a value that does not fit its key (a
 * cron expression, a bucket name, a negative interval), a required key left empty (the {@code aws} profile leaves
 * the table, the buckets, the delivery stream and the queue empty, to be set) or Jolokia's control without
 * credentials stops startup with one line naming every such key and what it expects. {@link DynamoLake} prints that
 * line and exits with status 2.
 *
 * <p>Keys come from the properties files (the jar's, {@code camel.main.cloud-properties-location}'s, any
 * {@code --propertiesLocation}), system properties and environment variables ({@code VIEWS_BUCKETS} for
 * {@code views.buckets}).
 */
@Configuration
public class ConfigCheck implements CamelConfiguration {
    /** The configuration does not fit: the message is the one line to show. */
    public static final class ConfigurationException extends IllegalArgumentException {
        ConfigurationException(String message) {
            super(message);
        }
    }

    @Override
    public void configure(CamelContext context) {
        List<String> problems = problems(context.getPropertiesComponent(), System.getProperties(), System.getenv());
        if (!problems.isEmpty()) {
            throw new ConfigurationException("configuration: " + String.join("; ", problems));
        }
    }

    /**
     * The declared defaults ({@link ConfigKeys}) under everything else: a properties file, an override, a system
     * property or an environment variable that sets a key comes first. Routes' placeholders ({@code
     * {{views.compaction-interval}}}) and {@link Settings} read them alike.
     */
    private static void withDefaults(PropertiesComponent properties) {
        for (ConfigKeys.Setting setting : ConfigKeys.settings()) {
            if (properties.resolveProperty(setting.key()).isEmpty()) {
                properties.addInitialProperty(setting.key(), setting.defaultValue());
            }
        }
    }

    /**
     * Every problem, unknown keys first, each as {@code key: what is wrong}, after putting the declared defaults under
     * the configuration: every declared key has a value then, empty where it has no default.
     */
    static List<String> problems(PropertiesComponent properties, Properties system, Map<String, String> env) {
        withDefaults(properties);
        Set<String> configured = new TreeSet<>();
        properties.loadProperties().stringPropertyNames().forEach(configured::add);
        system.stringPropertyNames().forEach(configured::add);
        List<String> problems = new ArrayList<>();
        for (String key : configured) {
            if (ConfigKeys.isProjects(key) && ConfigKeys.rule(key) == null) {
                problems.add(key + ": unknown key" + suggestion(key));
            }
        }
        for (String name : new TreeSet<>(env.keySet())) {
            if (isProjectsVariable(name) && known(name).isEmpty()) {
                String replaced = ConfigKeys.REPLACED.keySet().stream()
                        .filter(k -> asVariable(k).equals(name))
                        .findFirst()
                        .orElse(asKey(name));
                problems.add("environment variable " + name + ": unknown key" + suggestion(replaced));
            }
        }
        for (String key : ConfigKeys.keys()) {
            String value = resolve(
                    properties, properties.resolveProperty(key).orElse("").trim());
            String expected = ConfigKeys.rule(key).problem(value);
            if (expected != null) {
                problems.add(key
                        + (value.isEmpty() ? ": missing; expected " : ": expected ")
                        + expected
                        + (value.isEmpty() ? "" : ", was '" + value + "'"));
            }
        }
        jolokiaCredentials(properties).ifPresent(problems::add);
        problems.addAll(streamOptionProblems(properties, system));
        if (!value(properties, "lake.sse-kms-key-id").isBlank()
                && !value(properties, "lake.sse").equalsIgnoreCase("aws:kms")) {
            problems.add("lake.sse-kms-key-id: a KMS key needs lake.sse=aws:kms");
        }
        return problems;
    }

    private static final String STREAM = "camel.component.ddbstream.";

    /** The component's options dynamo-lake sets from the settings the views and the exports share. */
    private static final Map<String, String> SHARED_STREAM_OPTIONS = Map.of(
            "checkpointtable", "checkpoint.table",
            "checkpointgroup", "checkpoint.group",
            "createcheckpointtable", "checkpoint.create-table");

    /**
     * The stream component's options ({@code camel.component.ddbstream.*}) held against the component's own rules
     * before anything starts: each bound to a scratch component through its generated configurer (an unknown option, a
     * value of the wrong type), then checked together ({@link DdbStreamConfiguration#validate}). Camel binds them to
     * the real component after the configuration classes have run, when the local stack already runs.
     */
    static List<String> streamOptionProblems(PropertiesComponent properties, Properties system) {
        Map<String, String> options = new TreeMap<>();
        properties.loadProperties(k -> k.startsWith(STREAM)).forEach((k, v) -> options.put((String) k, (String) v));
        system.stringPropertyNames().stream()
                .filter(k -> k.startsWith(STREAM))
                .forEach(k -> options.put(k, system.getProperty(k)));
        if (options.isEmpty() || !(properties instanceof CamelContextAware aware) || aware.getCamelContext() == null) {
            return List.of();
        }
        CamelContext context = aware.getCamelContext();
        DdbStreamComponent scratch = new DdbStreamComponent();
        scratch.setCamelContext(context);
        ServiceHelper.initService(scratch);
        PropertyConfigurerGetter configurer = (PropertyConfigurerGetter) scratch.getComponentPropertyConfigurer();
        List<String> problems = new ArrayList<>();
        for (var option : options.entrySet()) {
            String name = option.getKey().substring(STREAM.length()).replace("-", "");
            String value = resolve(properties, option.getValue().trim());
            String shared = SHARED_STREAM_OPTIONS.get(name.toLowerCase(Locale.ROOT));
            if (shared != null) {
                problems.add(option.getKey() + ": set " + shared + " instead, which the views and the exports share");
            } else if (configurer.getOptionType(name, true) == null) {
                problems.add(option.getKey() + ": unknown option of the stream component");
            } else {
                try {
                    PropertyBindingSupport.build()
                            .withConfigurer((PropertyConfigurer) configurer)
                            .withIgnoreCase(true)
                            .withMandatory(true)
                            .bind(context, scratch, name, value);
                } catch (RuntimeException e) {
                    problems.add(option.getKey() + ": cannot be read as the option's type, was '" + value + "'");
                }
            }
        }
        if (problems.isEmpty()) {
            try {
                scratch.getConfiguration().setTableName("any");
                scratch.getConfiguration().validate();
            } catch (InvalidOptionException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /**
     * Control runs operations, so Jolokia must know its callers: a bearer token, or Camel's basic authentication on
     * the management port. Not both: Camel's authentication answers a bearer token with 401 before Jolokia sees it.
     */
    private static Optional<String> jolokiaCredentials(PropertiesComponent properties) {
        boolean token = !value(properties, "observe.jolokia.token-file").isBlank();
        boolean camel = value(
                        properties, "camel.management.authenticationEnabled", "camel.management.authentication-enabled")
                .equalsIgnoreCase("true");
        boolean basic = camel
                && !value(properties, "camel.management.basicPropertiesFile", "camel.management.basic-properties-file")
                        .isBlank();
        if (token && camel) {
            return Optional.of("observe.jolokia.token-file: set it or camel.management.authentication-enabled, not"
                    + " both (Camel's authentication answers a bearer token with 401)");
        }
        if (value(properties, "observe.jolokia.allow-control").equalsIgnoreCase("true") && !token && !basic) {
            return Optional.of("observe.jolokia.allow-control: true needs credentials for Jolokia; set"
                    + " observe.jolokia.token-file (a file holding a bearer token) or"
                    + " camel.management.authentication-enabled=true with camel.management.basic-properties-file (a"
                    + " file of user.<name> = <password> lines)");
        }
        return Optional.empty();
    }

    /** The first of the spellings of a key that is set, resolved and trimmed; empty when none is. */
    private static String value(PropertiesComponent properties, String... spellings) {
        for (String key : spellings) {
            Optional<String> raw = properties.resolveProperty(key);
            if (raw.isPresent() && !raw.get().isBlank()) {
                return resolve(properties, raw.get().trim());
            }
        }
        return "";
    }

    private static String resolve(PropertiesComponent properties, String value) {
        try {
            return value.contains("{{") ? properties.parseUri(value) : value;
        } catch (RuntimeException e) {
            return value;
        }
    }

    private static boolean isProjectsVariable(String name) {
        // AWS_* belongs to the AWS SDK (AWS_REGION, AWS_ACCESS_KEY_ID ...), not to the aws.* keys.
        return !name.startsWith("AWS_") && ConfigKeys.isProjects(asKey(name));
    }

    private static Optional<String> known(String variable) {
        return ConfigKeys.keys().stream()
                .filter(k -> asVariable(k).equals(variable))
                .findFirst();
    }

    private static String asKey(String variable) {
        return variable.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    static String asVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String suggestion(String key) {
        String replaced = ConfigKeys.REPLACED.get(key);
        if (replaced != null) {
            return " (replaced by " + replaced + ")";
        }
        LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : ConfigKeys.keys()) {
            int d = distance.apply(key.replace('-', '.'), known.replace('-', '.'));
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 5) ? " (did you mean " + best + "?)" : "";
    }
}
