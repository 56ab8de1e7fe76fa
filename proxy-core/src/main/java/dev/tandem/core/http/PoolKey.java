package dev.tandem.core.http;

import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.traffic.Cluster;

/**
 * What an upstream pool keeps its connections by: the cluster (by name, so a reloaded cluster's pool carries on; none
 * for a request to its original destination) and the endpoint. Connections are pooled per cluster and endpoint, as
 * Envoy's are: two clusters with an endpoint in common (two subsets, say) each keep their own connections, and each
 * counts only its own against its limits.
 */
record PoolKey(String cluster, UpstreamTarget target) {

    static PoolKey of(Cluster cluster, UpstreamTarget target) {
        return new PoolKey(cluster == null ? null : cluster.name(), target);
    }
}
