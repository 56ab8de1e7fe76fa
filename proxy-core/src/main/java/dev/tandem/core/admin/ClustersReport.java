package dev.tandem.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.ClusterLimits;
import dev.tandem.core.traffic.Endpoint;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Admin {@code /clusters}: each upstream cluster with its circuit breakers, what is in flight, and each endpoint with
 * its weight, labels, requests in flight, health and ejections. Text as Envoy prints it, one
 * {@code cluster::endpoint::field::value} a line, or JSON in the shape of Envoy's {@code ?format=json}.
 */
public final class ClustersReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClustersReport() {
    }

    public static String text(Collection<Cluster> clusters, long nowNanos) {
        var out = new StringBuilder();
        for (Cluster cluster : sorted(clusters)) {
            String name = cluster.name();
            ClusterLimits limits = cluster.limits();
            line(out, name, "default_priority::max_connections", limits.maxConnections());
            line(out, name, "default_priority::max_pending_requests", limits.maxPendingRequests());
            line(out, name, "default_priority::max_requests", limits.maxRequests());
            line(out, name, "default_priority::max_retries", limits.maxRetries());
            line(out, name, "cx_active", cluster.connections());
            line(out, name, "rq_pending_active", cluster.pendingRequests());
            line(out, name, "rq_active", cluster.activeRequests());
            for (Endpoint endpoint : cluster.endpoints()) {
                String host = name + "::" + Addresses.format(endpoint.address());
                line(out, host, "rq_active", endpoint.active());
                line(out, host, "health_flags", endpoint.ejected(nowNanos) ? "/failed_outlier_check" : "healthy");
                line(out, host, "weight", endpoint.weight());
                line(out, host, "labels", new TreeMap<>(endpoint.labels()).entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
                line(out, host, "ejections", endpoint.ejections());
            }
        }
        return out.toString().stripTrailing();
    }

    public static String json(Collection<Cluster> clusters, long nowNanos) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode statuses = root.putArray("cluster_statuses");
        for (Cluster cluster : sorted(clusters)) {
            ObjectNode status = statuses.addObject().put("name", cluster.name());
            ClusterLimits limits = cluster.limits();
            status.putObject("circuit_breakers").putArray("thresholds").addObject()
                    .put("max_connections", limits.maxConnections())
                    .put("max_pending_requests", limits.maxPendingRequests())
                    .put("max_requests", limits.maxRequests())
                    .put("max_retries", limits.maxRetries());
            status.putObject("stats")
                    .put("cx_active", cluster.connections())
                    .put("rq_pending_active", cluster.pendingRequests())
                    .put("rq_active", cluster.activeRequests());
            status.put("outlier_detection", cluster.detectsOutliers());
            ArrayNode hosts = status.putArray("host_statuses");
            for (Endpoint endpoint : cluster.endpoints()) {
                ObjectNode host = hosts.addObject();
                host.putObject("address").putObject("socket_address")
                        .put("address", endpoint.address().getAddress().getHostAddress())
                        .put("port_value", endpoint.address().getPort());
                host.put("weight", endpoint.weight());
                ObjectNode labels = host.putObject("labels");
                new TreeMap<>(endpoint.labels()).forEach(labels::put);
                host.putObject("stats").put("rq_active", endpoint.active());
                host.putObject("health_status")
                        .put("eds_health_status", "HEALTHY")
                        .put("failed_outlier_check", endpoint.ejected(nowNanos));
                host.put("ejections", endpoint.ejections());
            }
        }
        return root.toPrettyString();
    }

    private static List<Cluster> sorted(Collection<Cluster> clusters) {
        return clusters.stream().sorted(Comparator.comparing(Cluster::name)).toList();
    }

    private static void line(StringBuilder out, String prefix, String field, Object value) {
        out.append(prefix).append("::").append(field).append("::").append(value).append('\n');
    }
}
