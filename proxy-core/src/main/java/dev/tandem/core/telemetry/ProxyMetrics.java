package dev.tandem.core.telemetry;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.detect.Protocol;
import dev.tandem.core.http.Http1Pool;
import dev.tandem.core.http.Http2Pool;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.Endpoint;
import dev.tandem.core.traffic.TrafficRouting;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy's own health, beside Istio's metrics: connections per listener, upstream connection pools, each
 * cluster's circuit-breaker occupancy and ejected endpoints, configuration reloads, what protocol detection found,
 * backpressure pauses and dropped access log lines. Most are read from the live objects at each scrape, so the data
 * path pays nothing for them.
 */
public final class ProxyMetrics {

    private final PrometheusRegistry registry;
    private final Map<Protocol, CounterDataPoint> detected = new EnumMap<>(Protocol.class);
    private final CounterDataPoint accessLogDropped;

    ProxyMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        Counter detections = Counter.builder().name("tandem_detected_connections_total")
                .help("Connections by the protocol detection found (or the port declared)")
                .labelNames("protocol").withoutExemplars().register(registry);
        for (Protocol protocol : Protocol.values()) {
            detected.put(protocol, detections.labelValues(protocol.name().toLowerCase(Locale.ROOT)));
        }
        accessLogDropped = Counter.builder().name("tandem_access_log_dropped_total")
                .help("Access log lines dropped because the writer fell behind").withoutExemplars().register(registry);
        CounterWithCallback.builder().name("tandem_backpressure_pauses_total")
                .help("Times a connection's reading paused until the other side drained")
                .callback(cb -> cb.call(ConnectionContext.allPauses())).register(registry);
        GaugeWithCallback.builder().name("tandem_upstream_http1_connections")
                .help("Pooled upstream HTTP/1.1 connections, by state").labelNames("state")
                .callback(cb -> {
                    cb.call(Http1Pool.openConnections() - Http1Pool.idleConnections(), "busy");
                    cb.call(Http1Pool.idleConnections(), "idle");
                }).register(registry);
        GaugeWithCallback.builder().name("tandem_upstream_http2_connections")
                .help("Pooled upstream HTTP/2 connections").callback(cb -> cb.call(Http2Pool.openConnections()))
                .register(registry);
    }

    /** Counts a connection's protocol, as detection found it or as its port declared it. */
    public void detected(Protocol protocol) {
        detected.get(protocol).inc();
    }

    void accessLogDropped() {
        accessLogDropped.inc();
    }

    void watch(Listeners listeners, TrafficRouting routing) {
        GaugeWithCallback.builder().name("tandem_listener_connections_active")
                .help("Connections open now, per traffic listener").labelNames("listener")
                .callback(cb -> listeners.counters().forEach((name, c) -> cb.call(c.active(), name)))
                .register(registry);
        CounterWithCallback.builder().name("tandem_listener_connections_total")
                .help("Connections accepted, per traffic listener").labelNames("listener")
                .callback(cb -> listeners.counters().forEach((name, c) -> cb.call(c.total(), name)))
                .register(registry);
        CounterWithCallback.builder().name("tandem_config_reloads_total")
                .help("Changes of the TANDEM_CONFIG file, applied or rejected").labelNames("result")
                .callback(cb -> {
                    cb.call(routing.reloadsApplied(), "success");
                    cb.call(routing.reloadsRejected(), "rejected");
                }).register(registry);
        GaugeWithCallback.builder().name("tandem_cluster_upstream_connections")
                .help("Upstream connections counted against each cluster's maxConnections").labelNames("cluster")
                .callback(cb -> clusters(routing).forEach(c -> cb.call(c.connections(), c.name()))).register(registry);
        GaugeWithCallback.builder().name("tandem_cluster_pending_requests")
                .help("Requests waiting for a connection, per cluster").labelNames("cluster")
                .callback(cb -> clusters(routing).forEach(c -> cb.call(c.pendingRequests(), c.name())))
                .register(registry);
        GaugeWithCallback.builder().name("tandem_cluster_active_requests")
                .help("Requests in flight, per cluster").labelNames("cluster")
                .callback(cb -> clusters(routing).forEach(c -> cb.call(c.activeRequests(), c.name())))
                .register(registry);
        GaugeWithCallback.builder().name("tandem_cluster_endpoints_ejected")
                .help("Endpoints outlier detection has taken out now, per cluster").labelNames("cluster")
                .callback(cb -> clusters(routing).forEach(c -> cb.call(ejected(c), c.name()))).register(registry);
    }

    private static Iterable<Cluster> clusters(TrafficRouting routing) {
        return routing.table().clusters();
    }

    private static long ejected(Cluster cluster) {
        long now = System.nanoTime();
        return cluster.detectsOutliers()
                ? cluster.endpoints().stream().filter((Endpoint e) -> e.ejected(now)).count() : 0;
    }
}
