package kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dynamolake.ConfigKeys;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * k8s/ without a cluster: every manifest parses into its Kubernetes model, and what would only break at apply time
 * or at the first probe is checked here: names that must meet (ServiceAccount, Role, ConfigMap, ports, labels),
 * probe paths and the management port, the image the build makes, every ConfigMap key, and the Camel K
 * Integration's fields against Camel K's Integration schema.
 */
class ManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path K8S = Path.of("k8s");
    private static List<HasMetadata> base;
    private static Deployment deployment;
    private static GenericKubernetesResource integration;
    private static Properties app;

    @BeforeAll
    static void load() throws IOException {
        base = new ArrayList<>();
        for (String file : resources(K8S.resolve("base"))) {
            base.add(
                    Serialization.unmarshal(Files.readString(K8S.resolve("base").resolve(file)), HasMetadata.class));
        }
        deployment = Serialization.unmarshal(Files.readString(K8S.resolve("deployment.yaml")), Deployment.class);
        integration = Serialization.unmarshal(
                Files.readString(K8S.resolve("camel-k/integration.yaml")), GenericKubernetesResource.class);
        app = new Properties();
        try (InputStream in = ManifestsTest.class.getResourceAsStream("/application.properties")) {
            app.load(in);
        }
    }

    @Test
    void everyKustomizationListsExactlyTheFilesBesideIt() throws IOException {
        assertThat(resources(K8S)).containsExactly("base", "deployment.yaml");
        assertThat(resources(K8S.resolve("camel-k"))).containsExactly("../base", "integration.yaml");
        Set<String> files;
        try (Stream<Path> list = Files.list(K8S.resolve("base"))) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(new TreeSet<>(resources(K8S.resolve("base")))).isEqualTo(files);
        assertThat(base.stream().map(HasMetadata::getKind))
                .containsExactlyInAnyOrder(
                        "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "PodDisruptionBudget");
        assertThat(integration.getKind()).isEqualTo("Integration");
        assertThat(integration.getApiVersion()).isEqualTo("camel.apache.org/v1");
    }

    @Test
    void theDeploymentMeetsTheManagementPortTheConfigMapAndTheRbac() {
        Container c =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        int port = Integer.parseInt(app.getProperty("camel.management.port").trim());
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("jolokia");
            assertThat(p.getContainerPort()).isEqualTo(port);
        });
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo(healthPath() + "/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo(healthPath() + "/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("jolokia");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("jolokia");
        assertThat(c.getImage()).isEqualTo(imageOfTheBuild());

        Map<String, String> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("CAMEL_MAIN_PROFILE", "aws");
        String conf = env.get("CAMEL_MAIN_CLOUD_PROPERTIES_LOCATION");
        assertThat(conf).isEqualTo("/etc/camel/conf.d");
        ConfigMap configMap = only(ConfigMap.class);
        String volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null
                        && v.getConfigMap()
                                .getName()
                                .equals(configMap.getMetadata().getName()))
                .findFirst()
                .orElseThrow()
                .getName();
        assertThat(c.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(volume);
            // Where Camel K mounts a ConfigMap, so both read the same place.
            assertThat(m.getMountPath())
                    .isEqualTo(conf + "/_configmaps/" + configMap.getMetadata().getName());
        });
        // The work dirs the ConfigMap names are on the writable volume.
        Properties props = configMapProperties();
        assertThat(c.getVolumeMounts()).anySatisfy(m -> {
            assertThat(props.getProperty("views.work-dir")).startsWith(m.getMountPath() + "/");
            assertThat(props.getProperty("export.work-dir")).startsWith(m.getMountPath() + "/");
        });

        String sa = only(ServiceAccount.class).getMetadata().getName();
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(sa);
        RoleBinding binding = only(RoleBinding.class);
        assertThat(binding.getRoleRef().getName())
                .isEqualTo(only(Role.class).getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(sa);
        });

        // SIGTERM lets the batch in flight land: the pod is given longer than Camel's shutdown timeout.
        long shutdown = Long.parseLong(
                props.getProperty("camel.main.shutdown-timeout", app.getProperty("camel.main.shutdown-timeout"))
                        .trim());
        assertThat(deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isGreaterThan(shutdown);
    }

    @Test
    void theServiceAndTheBudgetFindThePodsAndHawtioOnlineFindsJolokia() {
        Map<String, String> podLabels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();
        Service service = only(Service.class);
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("jolokia");
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("jolokia");
        });
        PodDisruptionBudget pdb = only(PodDisruptionBudget.class);
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getReplicas())
                .isGreaterThan(pdb.getSpec().getMinAvailable().getIntVal());
        String jolokia = app.getProperty("camel.management.jolokia-path", "/observe/jolokia")
                .trim();
        for (Map<String, String> annotations : List.of(
                deployment.getSpec().getTemplate().getMetadata().getAnnotations(),
                service.getMetadata().getAnnotations(),
                integration.getMetadata().getAnnotations())) {
            assertThat(annotations)
                    .containsEntry("hawt.io/protocol", "http")
                    .containsEntry("hawt.io/jolokiaPath", jolokia + "/");
        }
        // The leader-election candidates are these pods.
        assertThat(podLabels)
                .containsAllEntriesOf(
                        dynamolakeLabels(configMapProperties().getProperty("cluster.kubernetes.pod-labels")));
    }

    @Test
    void everyConfigMapKeyIsOneTheApplicationKnowsAndTheAwsProfileStartsWithThem() throws IOException {
        Properties props = configMapProperties();
        Set<String> camelKeys = camelMainKeys();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("camel.")) {
                assertThat(camelKeys).as("Camel Main has no property %s", key).contains(normalized(key));
            } else {
                assertThat(ConfigKeys.keys())
                        .as("dynamo-lake has no property %s", key)
                        .contains(key);
            }
        }
        // The jar's properties, the aws profile's, then the ConfigMap's over them: nothing missing, nothing bad.
        assertThat(dynamolake.ConfigCheckAccess.problems("aws", props, Map.of(), Map.of()))
                .isEmpty();
    }

    @Test
    void theIntegrationRunsTheSameImageProbesAndConfigurationAsTheDeployment() throws IOException {
        Map<String, Object> spec = integration.get("spec");
        Container c =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        JsonNode traits = YAML.valueToTree(spec).path("traits");
        assertThat(traits.path("container").path("image").asText()).isEqualTo(imageOfTheBuild());
        assertThat(traits.path("container").path("port").asInt())
                .isEqualTo(c.getPorts().get(0).getContainerPort());
        assertThat(traits.path("container").path("portName").asText()).isEqualTo("jolokia");
        assertThat(traits.path("health").path("livenessProbe").asText()).isEqualTo(healthPath() + "/live");
        assertThat(traits.path("health").path("readinessProbe").asText()).isEqualTo(healthPath() + "/ready");
        assertThat(traits.path("mount").path("configs").get(0).asText())
                .isEqualTo("configmap:" + only(ConfigMap.class).getMetadata().getName());
        Set<String> vars = new HashSet<>();
        traits.path("environment").path("vars").forEach(v -> vars.add(v.asText()));
        assertThat(vars)
                .containsExactlyInAnyOrderElementsOf(c.getEnv().stream()
                        .map(e -> e.getName() + "=" + e.getValue())
                        .toList());
        assertThat(YAML.valueToTree(spec).path("serviceAccountName").asText())
                .isEqualTo(only(ServiceAccount.class).getMetadata().getName());
        // The pods carry the labels the base Service and budget select on.
        assertThat(traits.path("owner").path("targetLabels").get(0).asText()).isEqualTo("app.kubernetes.io/name");
        assertThat(integration.getMetadata().getLabels())
                .containsAllEntriesOf(only(Service.class).getSpec().getSelector());

        // Every field is one Camel K's Integration schema has (the schema itself accepts unknown keys).
        JsonNode schema;
        try (InputStream in = ManifestsTest.class.getResourceAsStream("/camel.apache.org_integrations.yaml")) {
            JsonNode crd = YAML.readTree(in);
            JsonNode v1 = null;
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals("v1")) {
                    v1 = v;
                }
            }
            schema =
                    v1.path("schema").path("openAPIV3Schema").path("properties").path("spec");
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(YAML.valueToTree(spec), schema, "spec", unknown);
        assertThat(unknown)
                .as("fields Camel K's Integration schema does not have")
                .isEmpty();
    }

    @Test
    void theDockerfileAndJibBuildTheImageTheManifestsRun() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("docker build -t " + imageOfTheBuild() + " .");
        assertThat(dockerfile)
                .contains("CAMEL_MAIN_PROFILE=aws")
                .contains("CAMEL_MAIN_CLOUD_PROPERTIES_LOCATION=/etc/camel/conf.d");
        assertThat(dockerfile)
                .contains("EXPOSE " + app.getProperty("camel.management.port").trim());
        assertThat(dockerfile).contains("COPY target/dynamo-lake.jar");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static void unknownFields(JsonNode value, JsonNode schema, String path, List<String> unknown) {
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            if (props.isMissingNode()) {
                return; // a free-form map (labels, configuration)
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                var field = it.next();
                if (!props.has(field.getKey())) {
                    unknown.add(path + "." + field.getKey());
                } else {
                    unknownFields(field.getValue(), props.get(field.getKey()), path + "." + field.getKey(), unknown);
                }
            }
        } else if (value.isArray()) {
            for (JsonNode element : value) {
                unknownFields(element, schema.path("items"), path + "[]", unknown);
            }
        }
    }

    /** The image the build makes: Jib's target in pom.xml, with the project's version. */
    private static String imageOfTheBuild() {
        try {
            String pom = Files.readString(Path.of("pom.xml"));
            Matcher version = Pattern.compile("<artifactId>dynamo-lake</artifactId>\\s*<version>([^<]+)</version>")
                    .matcher(pom);
            Matcher image = Pattern.compile("<to>\\s*<image>([^<]+)</image>").matcher(pom);
            assertThat(version.find()).isTrue();
            assertThat(image.find()).as("jib's <to><image> in pom.xml").isTrue();
            return image.group(1).replace("${project.version}", version.group(1));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String healthPath() {
        return app.getProperty("camel.management.health-path", "/observe/health")
                .trim();
    }

    private static Properties configMapProperties() {
        Properties p = new Properties();
        try {
            p.load(new StringReader(only(ConfigMap.class).getData().get("application.properties")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    private static Map<String, String> dynamolakeLabels(String text) {
        return java.util.Arrays.stream(text.split(","))
                .map(pair -> pair.trim().split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    }

    /** Camel Main's own keys, camelCase, from its configuration metadata. */
    private static Set<String> camelMainKeys() throws IOException {
        Set<String> names = new HashSet<>();
        try (InputStream in = org.apache.camel.main.Main.class.getResourceAsStream(
                "/META-INF/camel-main-configuration-metadata.json")) {
            new ObjectMapper()
                    .readTree(in)
                    .path("properties")
                    .forEach(p -> names.add(p.path("name").asText()));
        }
        // The stream component's options, from the catalogue Camel's component plugin generates from its annotations.
        try (InputStream in = ManifestsTest.class.getResourceAsStream("/META-INF/ddbstream/ddbstream.json")) {
            new ObjectMapper()
                    .readTree(in)
                    .path("componentProperties")
                    .fieldNames()
                    .forEachRemaining(option -> names.add("camel.component.ddbstream." + option));
        }
        return names;
    }

    /** camel.main.shutdown-timeout as Camel Main's metadata names it: camel.main.shutdownTimeout. */
    private static String normalized(String key) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char ch : key.toCharArray()) {
            if (ch == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> T only(Class<T> type) {
        List<HasMetadata> found = base.stream().filter(type::isInstance).toList();
        assertThat(found).as("one %s in k8s/base", type.getSimpleName()).hasSize(1);
        return (T) found.get(0);
    }

    /** The resources a kustomization.yaml lists. */
    private static List<String> resources(Path dir) throws IOException {
        JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<String> out = new ArrayList<>();
        k.path("resources").forEach(r -> out.add(r.asText()));
        return out;
    }
}
