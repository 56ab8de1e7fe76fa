package dev.tandem.core.telemetry;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.config.WorkloadIdentity;
import dev.tandem.core.http.RequestContext;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's standard metrics, with Istio's names, label names and histogram buckets, so that Istio's dashboards and
 * Kiali read them unchanged. The outbound side reports as {@code reporter="source"}, the inbound side as
 * {@code reporter="destination"}; this pod's labels come from its identity, the other end's from its sidecar's peer
 * header (or {@code unknown}).
 *
 * <p>Each distinct label set's data points are looked up once and kept, so a request costs a map lookup and a few
 * lock-free adds. The number of distinct destination services is bounded: past {@link #MAX_SERVICES} a new one is
 * counted as {@code unknown}, so a client sending random Host headers cannot grow the registry without end; so is the
 * number of distinct peers, past {@link #MAX_PEERS}, so a client without a sidecar sending made-up peer headers to
 * the inbound side cannot either.
 */
public final class MeshMetrics {

    /** Envoy's default histogram buckets, which Istio's metrics use (milliseconds and bytes alike). */
    static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
            300000, 600000, 1800000, 3600000};
    static final int MAX_SERVICES = 1000;
    static final int MAX_PEERS = 1000;
    /**
     * Istio's clusters for traffic that no service of the registry took: a call to one is counted with the cluster's
     * name as its destination_service_name, as istio_stats does, whatever host it was for.
     */
    private static final Set<String> PASSTHROUGH_CLUSTERS = Set.of("PassthroughCluster", "BlackHoleCluster",
            "InboundPassthroughCluster", "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6");

    private static final String[] PEER_LABELS = {"reporter",
            "source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
            "source_canonical_service", "source_canonical_revision", "source_cluster",
            "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app",
            "destination_version", "destination_service", "destination_service_name", "destination_service_namespace",
            "destination_canonical_service", "destination_canonical_revision", "destination_cluster"};
    private static final String[] REQUEST_LABELS = concat(PEER_LABELS, "request_protocol", "response_code",
            "grpc_response_status", "response_flags", "connection_security_policy");
    private static final String[] TCP_LABELS = concat(PEER_LABELS, "request_protocol", "response_flags",
            "connection_security_policy");

    private final Peer local;
    private final String clusterDomain;
    private final Counter requests;
    private final Histogram duration;
    private final Histogram requestBytes;
    private final Histogram responseBytes;
    private final Counter requestMessages;
    private final Counter responseMessages;
    private final Counter tcpOpened;
    private final Counter tcpClosed;
    private final Counter tcpSent;
    private final Counter tcpReceived;
    private final Map<RequestKey, RequestSeries> requestSeries = new ConcurrentHashMap<>();
    private final Map<TcpKey, TcpSeries> tcpSeries = new ConcurrentHashMap<>();
    private final Map<String, Boolean> services = new ConcurrentHashMap<>();
    private final Map<Peer, Boolean> peers = new ConcurrentHashMap<>();

    MeshMetrics(PrometheusRegistry registry, WorkloadIdentity identity) {
        this.local = Peer.of(identity);
        this.clusterDomain = identity.clusterDomain();
        requests = Counter.builder().name("istio_requests_total").help("Requests, by source and destination")
                .labelNames(REQUEST_LABELS).withoutExemplars().register(registry);
        duration = histogram(registry, "istio_request_duration_milliseconds", "Request durations in milliseconds");
        requestBytes = histogram(registry, "istio_request_bytes", "Request sizes (headers and body) in bytes");
        responseBytes = histogram(registry, "istio_response_bytes", "Response sizes (headers and body) in bytes");
        requestMessages = Counter.builder().name("istio_request_messages_total")
                .help("gRPC messages sent by the client, for gRPC calls").labelNames(REQUEST_LABELS).withoutExemplars()
                .register(registry);
        responseMessages = Counter.builder().name("istio_response_messages_total")
                .help("gRPC messages sent to the client, for gRPC calls").labelNames(REQUEST_LABELS).withoutExemplars()
                .register(registry);
        tcpOpened = Counter.builder().name("istio_tcp_connections_opened_total").help("TCP connections opened")
                .labelNames(TCP_LABELS).withoutExemplars().register(registry);
        tcpClosed = Counter.builder().name("istio_tcp_connections_closed_total").help("TCP connections closed")
                .labelNames(TCP_LABELS).withoutExemplars().register(registry);
        tcpSent = Counter.builder().name("istio_tcp_sent_bytes_total")
                .help("Bytes sent to the client of a TCP connection (the response direction)")
                .labelNames(TCP_LABELS).withoutExemplars().register(registry);
        tcpReceived = Counter.builder().name("istio_tcp_received_bytes_total")
                .help("Bytes received from the client of a TCP connection (the request direction)")
                .labelNames(TCP_LABELS).withoutExemplars().register(registry);
    }

    private static Histogram histogram(PrometheusRegistry registry, String name, String help) {
        return Histogram.builder().name(name).help(help).labelNames(REQUEST_LABELS).classicOnly()
                .classicUpperBounds(BUCKETS).withoutExemplars().register(registry);
    }

    public Peer local() {
        return local;
    }

    // --- HTTP

    private record RequestKey(boolean outbound, Peer peer, String service, String passthrough, boolean grpc, int code,
            String grpcStatus, String flags) {
    }

    /** The data points of one label set; the message counters only for gRPC, as Istio has them only there. */
    private record RequestSeries(CounterDataPoint count, DistributionDataPoint duration,
            DistributionDataPoint requestBytes, DistributionDataPoint responseBytes, CounterDataPoint requestMessages,
            CounterDataPoint responseMessages) {
    }

    void requestDone(boolean outbound, RequestContext r) {
        var key = new RequestKey(outbound, boundedPeer(r.peer()), boundedService(r.service()), passthrough(r.cluster()),
                r.isGrpc(), r.status(), r.grpcStatus() == null ? "" : r.grpcStatus(), r.flagsText());
        RequestSeries series = requestSeries.get(key);
        if (series == null) {
            series = requestSeries.computeIfAbsent(key, this::newRequestSeries);
        }
        series.count().inc();
        series.duration().observe(r.elapsedMillis());
        series.requestBytes().observe(r.requestSize());
        series.responseBytes().observe(r.responseSize());
        if (series.requestMessages() != null) {
            series.requestMessages().inc(r.requestMessages());
            series.responseMessages().inc(r.responseMessages());
        }
    }

    private RequestSeries newRequestSeries(RequestKey key) {
        String[] labels = concat(peerLabels(key.outbound(), key.peer(), key.service(), key.passthrough()),
                key.grpc() ? "grpc" : "http", Integer.toString(key.code()), key.grpcStatus(), key.flags(),
                securityPolicy(key.outbound()));
        return new RequestSeries(requests.labelValues(labels), duration.labelValues(labels),
                requestBytes.labelValues(labels), responseBytes.labelValues(labels),
                key.grpc() ? requestMessages.labelValues(labels) : null,
                key.grpc() ? responseMessages.labelValues(labels) : null);
    }

    // --- TCP

    private record TcpKey(boolean outbound, Peer peer, String service, String passthrough, String flags) {
    }

    /** The data points of one opaque connection's label set; the connection keeps them from open to close. */
    record TcpSeries(CounterDataPoint opened, CounterDataPoint closed, CounterDataPoint sent,
            CounterDataPoint received) {
    }

    TcpSeries tcpSeries(boolean outbound, ConnectionContext c, String flags) {
        String passthrough = passthrough(c.cluster());
        // A connection has no Host header: through a passthrough cluster Istio knows no service (destination_service
        // unknown, destination_service_name the cluster), whatever address the application dialled.
        String service = passthrough != null ? Peer.UNKNOWN_VALUE : boundedService(c.service());
        var key = new TcpKey(outbound, Peer.UNKNOWN, service, passthrough, flags);
        return tcpSeries.computeIfAbsent(key, k -> {
            String[] labels = concat(peerLabels(k.outbound(), k.peer(), k.service(), k.passthrough()), "tcp", k.flags(),
                    securityPolicy(k.outbound()));
            return new TcpSeries(tcpOpened.labelValues(labels), tcpClosed.labelValues(labels),
                    tcpSent.labelValues(labels), tcpReceived.labelValues(labels));
        });
    }

    // --- Labels

    private String boundedService(String service) {
        if (service == null || service.isEmpty()) {
            return Peer.UNKNOWN_VALUE;
        }
        if (services.containsKey(service)) {
            return service;
        }
        if (services.size() >= MAX_SERVICES) {
            return Peer.UNKNOWN_VALUE;
        }
        services.put(service, Boolean.TRUE);
        return service;
    }

    private Peer boundedPeer(Peer peer) {
        if (peer == Peer.UNKNOWN || peers.containsKey(peer)) {
            return peer;
        }
        if (peers.size() >= MAX_PEERS) {
            return Peer.UNKNOWN;
        }
        peers.put(peer, Boolean.TRUE);
        return peer;
    }

    /** Without mutual TLS yet: {@code none} where the proxy accepted the call, unknown where it made it, as Istio. */
    private static String securityPolicy(boolean outbound) {
        return outbound ? Peer.UNKNOWN_VALUE : "none";
    }

    private static String passthrough(String cluster) {
        return cluster != null && PASSTHROUGH_CLUSTERS.contains(cluster) ? cluster : null;
    }

    /**
     * The destination labels as istio_stats sets them. destination_service is the service's host (the route's cluster
     * host, else the request's authority); on the destination side, with none, this pod's canonical service.
     * destination_service_name is the passthrough cluster's name for a call through one; a Kubernetes service's name
     * (the first label of {@code NAME.NAMESPACE.svc.DOMAIN}); else the host whole, as Istio names a ServiceEntry's
     * service, so an address is never cut at its first dot. destination_service_namespace is this pod's on the
     * destination side; on the source side the Kubernetes service's namespace, else the peer's, else unknown.
     */
    private String[] peerLabels(boolean outbound, Peer peer, String service, String passthrough) {
        Peer source = outbound ? local : peer;
        Peer destination = outbound ? peer : local;
        boolean known = !service.equals(Peer.UNKNOWN_VALUE);
        String svcSuffix = ".svc." + clusterDomain;
        int nameEnd = service.indexOf('.');
        int namespaceEnd = service.length() - svcSuffix.length();
        boolean kubernetes = known && nameEnd > 0 && nameEnd < namespaceEnd && service.endsWith(svcSuffix)
                && service.indexOf('.', nameEnd + 1) == namespaceEnd;
        String serviceNamespace;
        if (!outbound) {
            serviceNamespace = local.namespace();
            if (!known) {
                service = local.canonicalService();
            }
        } else if (kubernetes) {
            serviceNamespace = service.substring(nameEnd + 1, namespaceEnd);
        } else {
            serviceNamespace = peer.namespace();
        }
        String serviceName = passthrough != null ? passthrough
                : kubernetes ? service.substring(0, nameEnd) : service;
        return new String[] {outbound ? "source" : "destination",
                source.workload(), source.namespace(), Peer.UNKNOWN_VALUE, source.app(), source.version(),
                source.canonicalService(), source.canonicalRevision(), source.cluster(),
                destination.workload(), destination.namespace(), Peer.UNKNOWN_VALUE, destination.app(),
                destination.version(), service, serviceName, serviceNamespace,
                destination.canonicalService(), destination.canonicalRevision(), destination.cluster()};
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
