package kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static testsupport.Fixtures.item;
import static testsupport.Fixtures.n;
import static testsupport.Fixtures.s;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.LocalStackExtension;

/**
 * Leader election on a Kubernetes Lease, against a Kubernetes API server (fabric8's, storing what it is sent): of
 * two replicas only the Lease holder reads the stream; when it stops (and its pod leaves the running pods, as
 * Kubernetes does) the other takes the Lease and goes on from the checkpoints, losing nothing. Every request the replicas made is recorded, and k8s/base/role.yaml must grant
 * exactly those verbs on exactly those resources.
 */
class LeaderElectionTest {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "elected";
    private static final String NAMESPACE = "lake";
    private static KubernetesMockServer api;
    private static KubernetesClient client;

    @BeforeAll
    static void startApi() {
        api = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
        api.init();
        client = api.createClient();
        for (String pod : List.of("replica-a", "replica-b")) {
            client.pods()
                    .inNamespace(NAMESPACE)
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withName(pod)
                            .addToLabels("app.kubernetes.io/name", "dynamo-lake")
                            .endMetadata()
                            .withNewStatus()
                            .withPhase("Running")
                            .addNewCondition()
                            .withType("Ready")
                            .withStatus("True")
                            .endCondition()
                            .addNewContainerStatus()
                            .withName("dynamo-lake")
                            .withReady(true)
                            .withNewState()
                            .withNewRunning()
                            .endRunning()
                            .endState()
                            .endContainerStatus()
                            .endStatus()
                            .build())
                    .create();
        }
        Fixtures.createTable(aws.dynamoDb(), TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
    }

    @AfterAll
    static void stopApi() {
        client.close();
        api.destroy();
    }

    private static Main replica(String pod) {
        return Apps.against(
                aws,
                TABLE,
                Map.of(
                        "camel.component.ddbstream.mode",
                        "single",
                        "cluster.leader-election",
                        "kubernetes",
                        "cluster.kubernetes.master-url",
                        api.url("/"),
                        "cluster.kubernetes.namespace",
                        NAMESPACE,
                        "cluster.kubernetes.pod-name",
                        pod,
                        "camel.component.ddbstream.lease-duration",
                        "5s",
                        "camel.component.ddbstream.lease-renew-interval",
                        "1s"));
    }

    private static boolean reading(Main replica) {
        var consumer =
                replica.getCamelContext().getRoute("ddb-stream-to-firehose").getConsumer();
        return consumer instanceof org.apache.camel.component.master.MasterConsumer master && master.isMaster();
    }

    @Test
    void oneReplicaReadsTheStreamAndTheOtherTakesOverWhenItStops() throws Exception {
        api.clearExpectations();
        Main a = replica("replica-a");
        Main b = replica("replica-b");
        a.start();
        b.start();
        try {
            Main leader = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> reading(a) ? a : reading(b) ? b : null, m -> m != null);
            Main standby = leader == a ? b : a;
            assertThat(reading(standby)).as("the standby reads too").isFalse();
            var lease = client.leases()
                    .inNamespace(NAMESPACE)
                    .withName("dynamo-lake-stream")
                    .get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(leader == a ? "replica-a" : "replica-b");

            write("before", 30);
            awaitLanded("before", 30);

            leader.stop();
            // What Kubernetes does when a replica's pod terminates: it leaves the running pods. Camel's lock
            // holds as long as its holder's pod runs, so this is what hands the Lease over.
            client.pods()
                    .inNamespace(NAMESPACE)
                    .withName(leader == a ? "replica-a" : "replica-b")
                    .delete();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> reading(standby));
            write("after", 30);
            awaitLanded("after", 30);
            assertThat(client.leases()
                            .inNamespace(NAMESPACE)
                            .withName("dynamo-lake-stream")
                            .get()
                            .getSpec()
                            .getHolderIdentity())
                    .isEqualTo(leader == a ? "replica-b" : "replica-a");
        } finally {
            a.stop();
            b.stop();
        }

        Set<String> used = new TreeSet<>();
        RecordedRequest r;
        while ((r = api.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            used.add(verb(r));
        }
        used.remove("create pods"); // this test's own set-up, and what Kubernetes does when a pod ends
        used.remove("delete pods");
        Set<String> granted = new TreeSet<>();
        try (InputStream in = Files.newInputStream(Path.of("k8s/base/role.yaml"))) {
            Role role = Serialization.unmarshal(in, Role.class);
            for (PolicyRule rule : role.getRules()) {
                for (String resource : rule.getResources()) {
                    for (String v : rule.getVerbs()) {
                        granted.add(v + " " + resource);
                    }
                }
            }
        }
        System.out.println("Leader election used: " + used);
        assertThat(granted).isEqualTo(used);
    }

    /** The RBAC verb and resource of one API request, for example {@code update leases}. */
    private static String verb(RecordedRequest r) {
        String path = r.getPath().replaceAll("\\?.*", "");
        String[] parts = path.split("/");
        boolean named = parts.length >= 2
                && !parts[parts.length - 2].equals("namespaces")
                && List.of("leases", "pods").contains(parts[parts.length - 2]);
        String resource = named ? parts[parts.length - 2] : parts[parts.length - 1];
        String verb = switch (r.getMethod()) {
            case "GET" -> r.getPath().contains("watch=true") ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> r.getMethod();
        };
        return verb + " " + resource;
    }

    private static void write(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            var row = item("pk", s(prefix + "-" + i), "v", n(Integer.toString(i)));
            aws.dynamoDb().putItem(p -> p.tableName(TABLE).item(row));
        }
    }

    private static void awaitLanded(String prefix, int count) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> Apps.lake(aws, TABLE).envelopes().stream()
                                .map(e -> e.path("keys").path("pk").asText())
                                .filter(k -> k.startsWith(prefix + "-"))
                                .distinct()
                                .count(),
                        c -> c == count);
    }
}
