package dev.tandem.core.traffic;

import dev.tandem.core.addr.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Istio's networking resources as Tandem reads them: only the fields it implements, already checked. Host names are
 * kept as written; {@link RouteTable} completes short names.
 */
public final class Model {

    private Model() {
    }

    /** Where a resource came from, for messages: its kind, namespace and name, and its document in the file. */
    public record Meta(String kind, String namespace, String name, int document) {
        @Override
        public String toString() {
            return kind + " " + namespace + "/" + name;
        }
    }

    // --- ServiceEntry

    public enum Resolution { NONE, STATIC, DNS, DNS_ROUND_ROBIN }

    public record ServiceEntry(Meta meta, List<String> hosts, List<Cidr> addresses, List<ServicePort> ports,
            Resolution resolution, List<WorkloadEntry> endpoints) {
    }

    /** A port of a service; a TCP protocol (not HTTP, HTTP2, GRPC) means its connections skip detection. */
    public record ServicePort(int number, String protocol, String name, Integer targetPort) {
        public boolean opaque() {
            return switch (protocol == null ? "" : protocol.toUpperCase()) {
                case "TCP", "TLS", "HTTPS", "MONGO", "MYSQL", "REDIS" -> true;
                default -> false;
            };
        }
    }

    public record WorkloadEntry(String address, Map<String, Integer> ports, Map<String, String> labels, int weight) {
    }

    // --- VirtualService

    public record VirtualService(Meta meta, List<String> hosts, List<HttpRoute> http, List<TcpRoute> tcp) {
    }

    public enum MatchKind { EXACT, PREFIX, REGEX }

    public record StringMatch(MatchKind kind, String value, Pattern regex) {
        public boolean matches(String candidate, boolean ignoreCase) {
            if (candidate == null) {
                return false;
            }
            return switch (kind) {
                case EXACT -> ignoreCase ? candidate.equalsIgnoreCase(value) : candidate.equals(value);
                case PREFIX -> ignoreCase ? candidate.toLowerCase().startsWith(value.toLowerCase()) : candidate.startsWith(value);
                case REGEX -> regex.matcher(candidate).matches();
            };
        }
    }

    public record HttpMatch(StringMatch uri, StringMatch method, StringMatch authority, Map<String, StringMatch> headers,
            Integer port, Map<String, String> sourceLabels, boolean ignoreUriCase) {
    }

    public record Destination(String host, String subset, Integer port) {
    }

    public record HeaderOps(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public static final HeaderOps NONE = new HeaderOps(Map.of(), Map.of(), List.of());

        public boolean isEmpty() {
            return set.isEmpty() && add.isEmpty() && remove.isEmpty();
        }
    }

    public record WeightedDestination(Destination destination, int weight, HeaderOps requestHeaders, HeaderOps responseHeaders) {
    }

    public record Redirect(String uri, String authority, String scheme, Integer port, int code) {
    }

    public record Rewrite(String uri, String authority) {
    }

    public record Retries(int attempts, Duration perTryTimeout, List<String> retryOn) {
    }

    public record Fault(Duration delay, double delayPercent, Integer abortStatus, double abortPercent) {
    }

    public record HttpRoute(String name, List<HttpMatch> match, List<WeightedDestination> route, Redirect redirect,
            Rewrite rewrite, Duration timeout, Retries retries, Fault fault, Destination mirror, double mirrorPercent,
            HeaderOps requestHeaders, HeaderOps responseHeaders) {
    }

    public record TcpMatch(Integer port, Map<String, String> sourceLabels) {
    }

    public record TcpRoute(List<TcpMatch> match, List<WeightedDestination> route) {
    }

    // --- DestinationRule

    public enum LoadBalancing { ROUND_ROBIN, LEAST_REQUEST, RANDOM }

    public record ConnectionPool(Integer maxConnections, Duration connectTimeout, Integer http1MaxPendingRequests,
            Integer http2MaxRequests, Integer maxRequestsPerConnection, Integer maxRetries, Duration idleTimeout) {
        public static final ConnectionPool NONE = new ConnectionPool(null, null, null, null, null, null, null);
    }

    public record OutlierDetection(Integer consecutive5xxErrors, Integer consecutiveGatewayErrors, Duration interval,
            Duration baseEjectionTime, Integer maxEjectionPercent) {
    }

    public record TrafficPolicy(LoadBalancing loadBalancer, ConnectionPool connectionPool, OutlierDetection outlierDetection) {
        public static final TrafficPolicy NONE = new TrafficPolicy(null, null, null);
    }

    public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
    }

    public record DestinationRule(Meta meta, String host, TrafficPolicy trafficPolicy, List<Subset> subsets) {
    }
}
