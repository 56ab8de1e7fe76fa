package dev.tandem.core.traffic;

import dev.tandem.core.traffic.Model.ConnectionPool;
import java.time.Duration;

/** A cluster's circuit breakers and connection settings: Istio's connectionPool, unlimited where it says nothing. */
public record ClusterLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRequestsPerConnection,
        int maxRetries, Duration connectTimeout, Duration idleTimeout) {

    public static final ClusterLimits NONE = new ClusterLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
            0, Integer.MAX_VALUE, null, null);

    static ClusterLimits of(ConnectionPool pool) {
        if (pool == null) {
            return NONE;
        }
        return new ClusterLimits(
                orMax(pool.maxConnections()), orMax(pool.http1MaxPendingRequests()), orMax(pool.http2MaxRequests()),
                pool.maxRequestsPerConnection() == null ? 0 : pool.maxRequestsPerConnection(),
                orMax(pool.maxRetries()), pool.connectTimeout(), pool.idleTimeout());
    }

    private static int orMax(Integer value) {
        return value == null ? Integer.MAX_VALUE : value;
    }
}
