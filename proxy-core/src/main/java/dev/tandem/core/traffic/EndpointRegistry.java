package dev.tandem.core.traffic;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endpoint objects by cluster and address, kept across reloads and DNS answers, so that what outlier detection learned
 * of an endpoint (its ejection) survives a configuration change that keeps the endpoint.
 */
public final class EndpointRegistry {

    private final Map<String, Map<InetSocketAddress, Endpoint>> byCluster = new ConcurrentHashMap<>();

    Endpoint endpoint(String cluster, InetSocketAddress address, Map<String, String> labels, int weight) {
        Endpoint endpoint = byCluster.computeIfAbsent(cluster, c -> new ConcurrentHashMap<>())
                .computeIfAbsent(address, a -> new Endpoint(a, labels, weight));
        if (endpoint.weight() != weight || !endpoint.labels().equals(labels)) {
            endpoint.update(labels, weight);
        }
        return endpoint;
    }
}
