package dev.tandem.core.config;

import java.util.List;

/**
 * Every {@code TANDEM_*} environment variable Tandem reads, with its default. This is the one place they are named;
 * the README's table and each command's flags follow from it.
 */
public final class Settings {

    private Settings() {
    }

    // --- Identity of the proxy process: the redirect rules exempt its traffic so nothing loops.
    public static final Setting PROXY_UID = new Setting("TANDEM_PROXY_UID", "1337",
            "uid the proxy runs as; connections it opens are never captured");
    public static final Setting PROXY_GID = new Setting("TANDEM_PROXY_GID", "1337",
            "gid the proxy runs as; connections it opens are never captured");

    // --- Ports the proxy listens on. None of them is ever captured on the way in.
    public static final Setting OUTBOUND_PORT = new Setting("TANDEM_OUTBOUND_PORT", "15001",
            "outbound listener: the application's captured outbound TCP arrives here");
    public static final Setting INBOUND_PORT = new Setting("TANDEM_INBOUND_PORT", "15006",
            "inbound listener: TCP captured on its way into the pod arrives here");
    public static final Setting TUNNEL_PORT = new Setting("TANDEM_TUNNEL_PORT", "15008",
            "reserved for the proxy-to-proxy tunnel; never captured");
    public static final Setting HEALTH_PORT = new Setting("TANDEM_HEALTH_PORT", "15021",
            "readiness endpoint GET /healthz/ready, on every address");
    public static final Setting ADMIN_PORT = new Setting("TANDEM_ADMIN_PORT", "15000",
            "admin endpoint, bound to 127.0.0.1 only");
    public static final Setting METRICS_PORT = new Setting("TANDEM_METRICS_PORT", "15090",
            "reserved for Prometheus metrics; never captured");

    // --- Interception: what the redirect rules capture. Read by `tandem redirect`.
    public static final Setting INBOUND_INTERCEPTION_MODE = new Setting("TANDEM_INBOUND_INTERCEPTION_MODE", "REDIRECT",
            "REDIRECT (nat table) or TPROXY (mangle table, policy route, transparent listener)");
    public static final Setting INBOUND_PORTS = new Setting("TANDEM_INBOUND_PORTS", "*",
            "inbound ports to capture: * for all, empty for none, or a comma-separated list");
    public static final Setting INBOUND_EXCLUDE_PORTS = new Setting("TANDEM_INBOUND_EXCLUDE_PORTS", "",
            "inbound ports never captured, besides the proxy's own");
    public static final Setting OUTBOUND_INCLUDE_CIDRS = new Setting("TANDEM_OUTBOUND_INCLUDE_CIDRS", "*",
            "outbound destinations to capture: * for all, or a comma-separated list of CIDRs (IPv4 and IPv6)");
    public static final Setting OUTBOUND_EXCLUDE_CIDRS = new Setting("TANDEM_OUTBOUND_EXCLUDE_CIDRS", "",
            "outbound destinations never captured (comma-separated CIDRs)");
    public static final Setting OUTBOUND_EXCLUDE_PORTS = new Setting("TANDEM_OUTBOUND_EXCLUDE_PORTS", "",
            "outbound destination ports never captured");
    public static final Setting OUTBOUND_INCLUDE_PORTS = new Setting("TANDEM_OUTBOUND_INCLUDE_PORTS", "",
            "outbound destination ports captured whatever the destination address, even outside "
                    + "TANDEM_OUTBOUND_INCLUDE_CIDRS (comma-separated); excluded CIDRs and ports still win");
    public static final Setting IPTABLES_BACKEND = new Setting("TANDEM_IPTABLES_BACKEND", "auto",
            "auto (the backend already holding rules, else the system default), nft or legacy");
    public static final Setting IPV6 = new Setting("TANDEM_IPV6", "auto",
            "auto (rules for IPv6 when the namespace has it), true or false");
    public static final Setting TPROXY_MARK = new Setting("TANDEM_TPROXY_MARK", "1337",
            "packet mark for TPROXY interception");
    public static final Setting TPROXY_ROUTE_TABLE = new Setting("TANDEM_TPROXY_ROUTE_TABLE", "133",
            "routing table that delivers TPROXY-marked packets locally");

    // --- Where the proxy runs: set by a pod from its downward API. Read by `tandem proxy`.
    public static final Setting NAMESPACE = new Setting("TANDEM_NAMESPACE", "default",
            "the pod's namespace; completes short host names (reviews -> reviews.NAMESPACE.svc.CLUSTER_DOMAIN)");
    public static final Setting CLUSTER_DOMAIN = new Setting("TANDEM_CLUSTER_DOMAIN", "cluster.local",
            "the cluster's DNS domain");
    public static final Setting POD_NAME = new Setting("TANDEM_POD_NAME", "",
            "the pod's name (downward API metadata.name)");
    public static final Setting SERVICE_ACCOUNT = new Setting("TANDEM_SERVICE_ACCOUNT", "default",
            "the pod's service account (downward API spec.serviceAccountName)");
    public static final Setting WORKLOAD_NAME = new Setting("TANDEM_WORKLOAD_NAME", "",
            "the workload the pod belongs to (its Deployment, StatefulSet, ...); empty: the pod name");
    public static final Setting APP = new Setting("TANDEM_APP", "",
            "the pod's app label (canonical service); empty: the workload name");
    public static final Setting VERSION = new Setting("TANDEM_VERSION", "",
            "the pod's version label (canonical revision); empty: latest");

    // --- Traffic management. Read by `tandem proxy`.
    public static final Setting CONFIG = new Setting("TANDEM_CONFIG", "",
            "a file of Istio ServiceEntry, VirtualService and DestinationRule resources (YAML or JSON); watched, "
                    + "and a changed file is applied without a restart; empty: no routing, calls go where they were going");

    // --- Protocol detection and HTTP. Read by `tandem proxy`.
    public static final Setting OPAQUE_PORTS = new Setting("TANDEM_OPAQUE_PORTS", "",
            "ports relayed as opaque TCP without detection, besides the server-first defaults (25, 587, 3306, 4444, "
                    + "5432, 6379, 9300, 11211, 27017)");
    public static final Setting DETECTION_TIMEOUT = new Setting("TANDEM_DETECTION_TIMEOUT", "100ms",
            "a client that sends nothing for this long is relayed as TCP (a server-first protocol)");
    public static final Setting REQUEST_HEADERS_TIMEOUT = new Setting("TANDEM_REQUEST_HEADERS_TIMEOUT", "10s",
            "a client must finish a request's headers within this time, else 408 and the connection is closed");
    public static final Setting REQUEST_TIMEOUT = new Setting("TANDEM_REQUEST_TIMEOUT", "0s",
            "time for the upstream to answer a request completely, else 504 (UT); 0s never, as Istio's default");
    public static final Setting MAX_REQUEST_HEADERS_KB = new Setting("TANDEM_MAX_REQUEST_HEADERS_KB", "60",
            "largest request or response head in KiB, else 431 (or 502 for a response)");
    public static final Setting MAX_HEADERS_COUNT = new Setting("TANDEM_MAX_HEADERS_COUNT", "100",
            "most header fields in a request or response head, else 431 (or 502 for a response)");

    // --- Proxy behaviour. Read by `tandem proxy`.
    public static final Setting CONNECT_TIMEOUT = new Setting("TANDEM_CONNECT_TIMEOUT", "10s",
            "time allowed to open an upstream connection (ms, s, m, h)");
    public static final Setting IDLE_TIMEOUT = new Setting("TANDEM_IDLE_TIMEOUT", "1h",
            "a relayed connection with no bytes either way for this long is closed; 0s never");
    public static final Setting DRAIN_DURATION = new Setting("TANDEM_DRAIN_DURATION", "5s",
            "on SIGTERM, how long open connections may go on before they are closed");
    public static final Setting CONCURRENCY = new Setting("TANDEM_CONCURRENCY", "2",
            "worker threads (event loops)");
    public static final Setting EXIT_ON_ZERO_ACTIVE_CONNECTIONS = new Setting("TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS",
            "false", "on SIGTERM, exit as soon as no connection remains rather than at the end of the drain period "
                    + "(Istio's EXIT_ON_ZERO_ACTIVE_CONNECTIONS)");
    public static final Setting LOG_LEVEL = new Setting("TANDEM_LOG_LEVEL", "info",
            "trace, debug, info, warn or error; changed at runtime by admin /logging");
    public static final Setting LOG_FORMAT = new Setting("TANDEM_LOG_FORMAT", "text",
            "the proxy's own log on standard error: text or json");
    public static final Setting METRICS = new Setting("TANDEM_METRICS", "true",
            "count requests and TCP connections in Istio's metrics (false: only the proxy's own and the JVM's)");
    public static final Setting ACCESS_LOG = new Setting("TANDEM_ACCESS_LOG", "json",
            "one line per HTTP request and TCP connection on standard output: json (Istio's fields), text or off");
    public static final Setting JAVA_OPTS = new Setting("TANDEM_JAVA_OPTS", "",
            "extra JVM options, read by bin/tandem before the JVM starts");

    public static final List<Setting> ALL = List.of(
            PROXY_UID, PROXY_GID,
            OUTBOUND_PORT, INBOUND_PORT, TUNNEL_PORT, HEALTH_PORT, ADMIN_PORT, METRICS_PORT,
            INBOUND_INTERCEPTION_MODE, INBOUND_PORTS, INBOUND_EXCLUDE_PORTS,
            OUTBOUND_INCLUDE_CIDRS, OUTBOUND_EXCLUDE_CIDRS, OUTBOUND_EXCLUDE_PORTS, OUTBOUND_INCLUDE_PORTS,
            IPTABLES_BACKEND, IPV6, TPROXY_MARK, TPROXY_ROUTE_TABLE,
            NAMESPACE, CLUSTER_DOMAIN, POD_NAME, SERVICE_ACCOUNT, WORKLOAD_NAME, APP, VERSION, CONFIG,
            OPAQUE_PORTS, DETECTION_TIMEOUT, REQUEST_HEADERS_TIMEOUT, REQUEST_TIMEOUT, MAX_REQUEST_HEADERS_KB,
            MAX_HEADERS_COUNT,
            CONNECT_TIMEOUT, IDLE_TIMEOUT, DRAIN_DURATION, EXIT_ON_ZERO_ACTIVE_CONNECTIONS, CONCURRENCY, LOG_LEVEL, LOG_FORMAT,
            METRICS, ACCESS_LOG, JAVA_OPTS);

    /** Variables whose name starts with TANDEM_ but that no setting knows: most likely typos. */
    public static List<String> unknown(java.util.Map<String, String> environment) {
        return environment.keySet().stream()
                .filter(name -> name.startsWith("TANDEM_"))
                .filter(name -> ALL.stream().noneMatch(s -> s.name().equals(name)))
                .sorted()
                .toList();
    }
}
