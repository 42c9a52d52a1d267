package dynamolake;

import ddbstream.DdbStreamConfiguration;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With the stream component's {@code mode} shared (the default, {@code camel.component.ddbstream.mode}) every replica
 * starts the stream route and reads its share of the shards: nothing is elected. With {@code single}, which replica
 * reads the stream ({@code cluster.leader-election}). In Kubernetes, Camel's master component holds a
 * coordination.k8s.io Lease named {@code <cluster.kubernetes.resource-name>-stream}: only its holder starts the stream
 * route, and a standby takes over when the holder goes. Elsewhere, every replica starts the route and the stream
 * consumer's own lease in the checkpoint table lets one of them read (it stays in force under Kubernetes too, as a
 * fence). Export landing (the shared queue) and view builds (their own lease) run on every replica either way.
 *
 * <p>{@code auto} picks Kubernetes when the pod's environment says so ({@code KUBERNETES_SERVICE_HOST}).
 */
@Configuration
public class ClusterConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterConfiguration.class);

    /** The master component's namespace for the stream; the Lease is {@code <resource-name>-stream}. */
    public static final String STREAM_GROUP = "stream";

    /** Where the stream route starts from: bound as {@code leaderElection}, read by the route builder. */
    public record LeaderElection(String mode, String streamUri) {}

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings s = new Settings(context);
        String table = s.text("table.name");
        String mode = s.text("cluster.leader-election").toLowerCase(Locale.ROOT);
        if (streamMode(context).equals("shared")) {
            // Every replica reads its share of the shards: no replica is elected to read them all.
            context.getRegistry().bind("leaderElection", new LeaderElection("shared", "ddbstream:" + table));
            LOG.info("Stream mode shared: every replica reads its share of the shards of {}, a lease per shard", table);
            return;
        }
        if (mode.equals("auto")) {
            mode = System.getenv("KUBERNETES_SERVICE_HOST") != null ? "kubernetes" : "checkpoint-table";
        }
        LeaderElection election;
        if (mode.equals("kubernetes")) {
            // The API server: the in-cluster one (the pod's service account), unless a URL is given.
            KubernetesConfiguration api = new KubernetesConfiguration();
            String master = s.optional("cluster.kubernetes.master-url");
            if (master != null) {
                api.setMasterUrl(master);
            }
            KubernetesClusterService cluster = new KubernetesClusterService(api);
            cluster.setId("dynamo-lake-cluster");
            cluster.setLeaseResourceType(LeaseResourceType.Lease);
            cluster.setKubernetesResourceName(s.text("cluster.kubernetes.resource-name"));
            String namespace = s.optional("cluster.kubernetes.namespace");
            if (namespace != null) {
                cluster.setKubernetesNamespace(namespace);
                cluster.setKubernetesResourcesNamespace(namespace);
            }
            cluster.setClusterLabels(labels(s.text("cluster.kubernetes.pod-labels")));
            String pod = s.optional("cluster.kubernetes.pod-name");
            if (pod != null) {
                cluster.setPodName(pod);
            }
            context.addService(cluster);
            election = new LeaderElection(mode, "master:" + STREAM_GROUP + ":ddbstream:" + table);
            LOG.info(
                    "Leader election: the replica holding the Kubernetes Lease {}-{} reads the stream of {}; the"
                            + " others stand by",
                    cluster.getKubernetesResourceName(),
                    STREAM_GROUP,
                    table);
        } else {
            election = new LeaderElection(mode, "ddbstream:" + table);
            LOG.info(
                    "Leader election: the stream consumer's lease in the checkpoint table picks the reader of {}",
                    table);
        }
        context.getRegistry().bind("leaderElection", election);
    }

    /** {@code a=b,c=d} as a map. */
    static Map<String, String> labels(String text) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String pair : text.split(",")) {
            String[] kv = pair.trim().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException(
                        "cluster.kubernetes.pod-labels: expected name=value pairs separated by commas, was '" + text
                                + "'");
            }
            out.put(kv[0].trim(), kv[1].trim());
        }
        return out;
    }

    /**
     * The stream component's {@code mode}, read before the component is configured: the election decides whether its
     * route starts at all.
     */
    private static String streamMode(CamelContext context) {
        return context.getPropertiesComponent()
                .resolveProperty("camel.component.ddbstream.mode")
                .filter(mode -> !mode.isBlank())
                .map(String::trim)
                .orElse(new DdbStreamConfiguration().getMode());
    }
}
