package dev.tandem.core.traffic;

import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.addr.Cidr;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.WorkloadIdentity;
import dev.tandem.core.traffic.HttpDecision.Answer;
import dev.tandem.core.traffic.HttpDecision.Forward;
import dev.tandem.core.traffic.Model.Destination;
import dev.tandem.core.traffic.Model.DestinationRule;
import dev.tandem.core.traffic.Model.HeaderOps;
import dev.tandem.core.traffic.Model.HttpMatch;
import dev.tandem.core.traffic.Model.HttpRoute;
import dev.tandem.core.traffic.Model.LoadBalancing;
import dev.tandem.core.traffic.Model.MatchKind;
import dev.tandem.core.traffic.Model.Resolution;
import dev.tandem.core.traffic.Model.ServiceEntry;
import dev.tandem.core.traffic.Model.ServicePort;
import dev.tandem.core.traffic.Model.StringMatch;
import dev.tandem.core.traffic.Model.Subset;
import dev.tandem.core.traffic.Model.TcpMatch;
import dev.tandem.core.traffic.Model.TcpRoute;
import dev.tandem.core.traffic.Model.TrafficPolicy;
import dev.tandem.core.traffic.Model.VirtualService;
import dev.tandem.core.traffic.Model.WeightedDestination;
import dev.tandem.core.traffic.Model.WorkloadEntry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The routing one configuration file describes, as Istio's sidecar would apply it to the pod's outbound traffic:
 * a request's host selects a VirtualService (or the original destination selects a ServiceEntry by its addresses),
 * the first matching route wins and names a destination, and the destination's ServiceEntry and DestinationRule
 * make it a cluster of endpoints with its policies. With no match, the call goes where it was going.
 */
public final class RouteTable {

    /** The pod the proxy serves: its namespace completes short names; its labels are what sourceLabels match. */
    public record Identity(String namespace, String clusterDomain, Map<String, String> labels) {

        public static Identity of(WorkloadIdentity workload) {
            return new Identity(workload.namespace(), workload.clusterDomain(), workload.labels());
        }
    }

    private record Entry(ServiceEntry entry, List<String> hosts) {
    }

    private record Service(VirtualService service, List<String> hosts) {
    }

    private final TrafficConfig config;
    private final Identity identity;
    private final EndpointRegistry registry;
    private final DnsCache dns;
    private final List<Service> services = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();

    private RouteTable(TrafficConfig config, Identity identity, EndpointRegistry registry, DnsCache dns) {
        this.config = config;
        this.identity = identity;
        this.registry = registry;
        this.dns = dns;
        for (VirtualService vs : config.virtualServices()) {
            services.add(new Service(vs, complete(vs.hosts(), vs.meta().namespace())));
        }
        for (ServiceEntry se : config.serviceEntries()) {
            entries.add(new Entry(se, complete(se.hosts(), se.meta().namespace())));
        }
    }

    /** Compiles a configuration; DNS names it needs are looked up, waiting a little for their first answers. */
    public static RouteTable build(TrafficConfig config, Identity identity, EndpointRegistry registry, DnsCache dns) {
        RouteTable table = new RouteTable(config, identity, registry, dns);
        if (dns != null) {
            dns.keep(table.dnsHosts(), Duration.ofMillis(500)); // a reload still applies within a second
        }
        table.buildKnownClusters();
        return table;
    }

    /**
     * The clusters the configuration names outright, built now so that the admin API lists them before any request:
     * each port of each ServiceEntry (except resolution NONE, whose endpoint is each request's destination), whole
     * and per subset of its DestinationRule. Clusters a request names otherwise are built on first use.
     */
    private void buildKnownClusters() {
        for (Entry entry : entries) {
            if (entry.entry().resolution() == Resolution.NONE) {
                continue;
            }
            for (String host : entry.hosts()) {
                Entry owner = entryForHost(host);
                if (host.startsWith("*") || owner == null || owner.entry().resolution() == Resolution.NONE) {
                    continue;
                }
                DestinationRule rule = ruleFor(host);
                for (ServicePort port : entry.entry().ports()) {
                    cluster(host, null, port.number(), null);
                    if (rule != null) {
                        rule.subsets().forEach(subset -> cluster(host, subset.name(), port.number(), null));
                    }
                }
            }
        }
    }

    public TrafficConfig config() {
        return config;
    }

    public Collection<Cluster> clusters() {
        return clusters.values();
    }

    private List<String> complete(List<String> hosts, String namespace) {
        return hosts.stream().map(h -> HostNames.complete(h, namespace, identity.clusterDomain())).toList();
    }

    // --- HTTP

    public HttpDecision route(RequestView request) {
        String host = HostNames.ofAuthority(request.authority());
        int port = request.origDst().port();
        Service service = serviceFor(List.of(host), true);
        Entry byAddress = entryForAddress(request.origDst());
        if (service == null && byAddress != null) {
            service = serviceFor(byAddress.hosts(), false);
        }
        if (service != null && !service.service().http().isEmpty()) {
            for (HttpRoute route : service.service().http()) {
                HttpMatch matched = null;
                boolean applies = route.match().isEmpty();
                for (HttpMatch m : route.match()) {
                    if (matches(m, request, port)) {
                        matched = m;
                        applies = true;
                        break;
                    }
                }
                if (applies) {
                    return decide(service, route, matched, request, port);
                }
            }
            return new Answer(404, ResponseFlag.NR, "no route of " + service.service().meta() + " matches", Map.of());
        }
        Entry entry = entryForHost(host);
        if (entry == null) {
            entry = byAddress;
        }
        if (entry != null) {
            String entryHost = entry.hosts().stream()
                    .filter(h -> !h.startsWith("*") && HostNames.matches(h, host, identity.namespace(), identity.clusterDomain()))
                    .findFirst().orElse(entry.hosts().get(0));
            return new Forward(RoutePlan.direct(cluster(entryHost, null, port, request.origDst())));
        }
        return new Forward(RoutePlan.direct(null));
    }

    /** The VirtualService for a host; of several, the one naming it most specifically (a name before a wildcard). */
    private Service serviceFor(List<String> hosts, boolean asWritten) {
        Service best = null;
        int bestSpecificity = -1;
        for (Service service : services) {
            for (String candidate : hosts) {
                for (String host : service.hosts()) {
                    boolean match = asWritten
                            ? HostNames.matches(host, candidate, identity.namespace(), identity.clusterDomain())
                            : host.equals(candidate);
                    if (match && HostNames.specificity(host) > bestSpecificity) {
                        best = service;
                        bestSpecificity = HostNames.specificity(host);
                    }
                }
            }
        }
        return best;
    }

    private boolean matches(HttpMatch m, RequestView request, int port) {
        String path = request.path();
        int query = path.indexOf('?');
        String pathOnly = query < 0 ? path : path.substring(0, query);
        if (m.uri() != null && !m.uri().matches(pathOnly, m.ignoreUriCase())) {
            return false;
        }
        if (m.method() != null && !m.method().matches(request.method(), false)) {
            return false;
        }
        if (m.authority() != null && !m.authority().matches(request.authority(), false)) {
            return false;
        }
        for (Map.Entry<String, StringMatch> header : m.headers().entrySet()) {
            if (!header.getValue().matches(request.header(header.getKey()), false)) {
                return false;
            }
        }
        if (m.port() != null && m.port() != port) {
            return false;
        }
        return sourceLabelsMatch(m.sourceLabels());
    }

    private boolean sourceLabelsMatch(Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(identity.labels().get(e.getKey())));
    }

    private HttpDecision decide(Service service, HttpRoute route, HttpMatch matched, RequestView request, int port) {
        if (route.redirect() != null) {
            return redirect(route, request);
        }
        var fault = route.fault();
        if (fault != null && fault.abortStatus() != null && roll(fault.abortPercent())) {
            return new Answer(fault.abortStatus(), ResponseFlag.FI, "fault filter abort", Map.of());
        }
        Duration delay = fault != null && fault.delay() != null && roll(fault.delayPercent()) ? fault.delay() : null;
        WeightedDestination chosen = pick(route.route());
        Cluster cluster = cluster(service, chosen.destination(), port, request.origDst());
        Cluster mirror = route.mirror() != null && roll(route.mirrorPercent())
                ? cluster(service, route.mirror(), port, request.origDst()) : null;
        String path = null;
        String authority = null;
        if (route.rewrite() != null) {
            path = rewrittenPath(route.rewrite().uri(), matched, request.path());
            authority = route.rewrite().authority();
        }
        List<HeaderOps> requestOps = nonEmpty(route.requestHeaders(), chosen.requestHeaders());
        List<HeaderOps> responseOps = nonEmpty(route.responseHeaders(), chosen.responseHeaders());
        Duration timeout = route.timeout() == null || route.timeout().isZero() ? null : route.timeout();
        return new Forward(new RoutePlan(cluster, route.name(), path, authority, requestOps, responseOps, timeout,
                RetryPolicy.of(route.retries()), delay, mirror));
    }

    private static List<HeaderOps> nonEmpty(HeaderOps... ops) {
        List<HeaderOps> out = new ArrayList<>(2);
        for (HeaderOps op : ops) {
            if (!op.isEmpty()) {
                out.add(op);
            }
        }
        return out;
    }

    /** A prefix match has the matched prefix replaced; any other match has the whole path replaced, query kept. */
    private static String rewrittenPath(String uri, HttpMatch matched, String path) {
        if (uri == null) {
            return null;
        }
        if (matched != null && matched.uri() != null && matched.uri().kind() == MatchKind.PREFIX) {
            return uri + path.substring(Math.min(path.length(), matched.uri().value().length()));
        }
        int query = path.indexOf('?');
        return query < 0 ? uri : uri + path.substring(query);
    }

    private static HttpDecision redirect(HttpRoute route, RequestView request) {
        var r = route.redirect();
        String scheme = r.scheme() == null ? "http" : r.scheme();
        String authority = r.authority() == null ? request.authority() : r.authority();
        if (r.port() != null) {
            authority = HostNames.ofAuthority(authority) + ":" + r.port();
        }
        String path = r.uri() == null ? request.path() : r.uri();
        return new Answer(r.code(), null, "", Map.of("location", scheme + "://" + authority + path));
    }

    private static boolean roll(double percent) {
        return percent >= 100 || ThreadLocalRandom.current().nextDouble(100) < percent;
    }

    private static WeightedDestination pick(List<WeightedDestination> destinations) {
        if (destinations.size() == 1) {
            return destinations.get(0);
        }
        int ticket = ThreadLocalRandom.current().nextInt(100);
        for (WeightedDestination d : destinations) {
            ticket -= d.weight();
            if (ticket < 0) {
                return d;
            }
        }
        return destinations.get(destinations.size() - 1);
    }

    // --- TCP

    /** The cluster an opaque connection goes to, or null to go where it was going. */
    public Cluster routeTcp(OrigDstAddr dst) {
        Entry entry = entryForAddress(dst);
        if (entry == null) {
            return null;
        }
        Service service = serviceFor(entry.hosts(), false);
        if (service != null) {
            for (TcpRoute route : service.service().tcp()) {
                if (route.match().isEmpty() || route.match().stream().anyMatch(m -> tcpMatches(m, dst.port()))) {
                    return cluster(service, pick(route.route()).destination(), dst.port(), dst);
                }
            }
        }
        return cluster(entry.hosts().get(0), null, dst.port(), dst);
    }

    private boolean tcpMatches(TcpMatch m, int port) {
        return (m.port() == null || m.port() == port) && sourceLabelsMatch(m.sourceLabels());
    }

    /** True when connections to this destination are TCP by configuration, so protocol detection must not wait. */
    public boolean opaque(OrigDstAddr dst) {
        Entry entry = entryForAddress(dst);
        if (entry == null) {
            return false;
        }
        for (ServicePort port : entry.entry().ports()) {
            if (port.number() == dst.port() && port.opaque()) {
                return true;
            }
        }
        Service service = serviceFor(entry.hosts(), false);
        return service != null && service.service().http().isEmpty() && !service.service().tcp().isEmpty();
    }

    // --- ServiceEntries, DestinationRules and clusters

    private Entry entryForAddress(OrigDstAddr dst) {
        InetAddress ip = dst.address().getAddress();
        for (Entry entry : entries) {
            for (Cidr cidr : entry.entry().addresses()) {
                if (cidr.contains(ip) && portMatches(entry.entry(), dst.port())) {
                    return entry;
                }
            }
        }
        return null;
    }

    private static boolean portMatches(ServiceEntry entry, int port) {
        return entry.ports().isEmpty() || entry.ports().stream().anyMatch(p -> p.number() == port);
    }

    /** The ServiceEntry for a host; of several, the one naming it most specifically. */
    private Entry entryForHost(String host) {
        Entry best = null;
        int bestSpecificity = -1;
        for (Entry entry : entries) {
            for (String h : entry.hosts()) {
                if (HostNames.matches(h, host, identity.namespace(), identity.clusterDomain())
                        && HostNames.specificity(h) > bestSpecificity) {
                    best = entry;
                    bestSpecificity = HostNames.specificity(h);
                }
            }
        }
        return best;
    }

    private Cluster cluster(Service service, Destination destination, int requestPort, OrigDstAddr dst) {
        String host = HostNames.complete(destination.host(), service.service().meta().namespace(), identity.clusterDomain());
        int port = destination.port() != null ? destination.port() : requestPort;
        return cluster(host, destination.subset(), port, dst);
    }

    private Cluster cluster(String host, String subset, int port, OrigDstAddr dst) {
        String name = "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
        Entry entry = entryForHost(host);
        if (entry != null && entry.entry().resolution() == Resolution.NONE) {
            // Resolution NONE: the service's policies, to wherever the client was going; limits count per address.
            String perAddress = name + "|" + Addresses.format(dst.address());
            return clusters.computeIfAbsent(perAddress, n -> newCluster(n, host, subset,
                    () -> List.of(registry.endpoint(name, dst.address(), Map.of(), 1))));
        }
        return clusters.computeIfAbsent(name, n -> newCluster(n, host, subset, endpoints(n, entry, host, subset, port)));
    }

    private Cluster newCluster(String name, String host, String subset, Supplier<List<Endpoint>> endpoints) {
        DestinationRule rule = ruleFor(host);
        TrafficPolicy policy = rule == null ? TrafficPolicy.NONE : rule.trafficPolicy();
        if (rule != null && subset != null) {
            for (Subset s : rule.subsets()) {
                if (s.name().equals(subset)) {
                    policy = overlay(policy, s.trafficPolicy());
                }
            }
        }
        LoadBalancing lb = policy.loadBalancer() == null ? LoadBalancing.LEAST_REQUEST : policy.loadBalancer();
        return new Cluster(name, host, endpoints, lb, ClusterLimits.of(policy.connectionPool()),
                OutlierSettings.of(policy.outlierDetection()));
    }

    private static TrafficPolicy overlay(TrafficPolicy base, TrafficPolicy subset) {
        return new TrafficPolicy(
                subset.loadBalancer() != null ? subset.loadBalancer() : base.loadBalancer(),
                subset.connectionPool() != null ? subset.connectionPool() : base.connectionPool(),
                subset.outlierDetection() != null ? subset.outlierDetection() : base.outlierDetection());
    }

    /** The DestinationRule for a host; of several, the one naming it most specifically (Istio's precedence). */
    private DestinationRule ruleFor(String host) {
        DestinationRule best = null;
        int bestSpecificity = -1;
        for (DestinationRule rule : config.destinationRules()) {
            String ruleHost = HostNames.complete(rule.host(), rule.meta().namespace(), identity.clusterDomain());
            if (HostNames.matches(ruleHost, host, identity.namespace(), identity.clusterDomain())
                    && HostNames.specificity(ruleHost) > bestSpecificity) {
                best = rule;
                bestSpecificity = HostNames.specificity(ruleHost);
            }
        }
        return best;
    }

    private Map<String, String> subsetLabels(String host, String subset) {
        DestinationRule rule = ruleFor(host);
        if (subset == null || rule == null) {
            return Map.of();
        }
        return rule.subsets().stream().filter(s -> s.name().equals(subset)).findFirst().map(Subset::labels)
                .orElse(Map.of("tandem.dev/undefined-subset", subset));
    }

    /** The endpoints of a cluster: a ServiceEntry's (STATIC, or DNS-resolved), or the host itself looked up in DNS. */
    private Supplier<List<Endpoint>> endpoints(String name, Entry entry, String host, String subset, int port) {
        Map<String, String> labels = subsetLabels(host, subset);
        if (entry == null) {
            return dnsEndpoints(name, List.of(new WorkloadEntry(host, Map.of(), Map.of(), 1)), port, null);
        }
        ServiceEntry se = entry.entry();
        ServicePort servicePort = se.ports().stream().filter(p -> p.number() == port).findFirst().orElse(null);
        List<WorkloadEntry> selected = se.endpoints().stream()
                .filter(e -> e.labels().entrySet().containsAll(labels.entrySet())).toList();
        if (se.resolution() == Resolution.STATIC) {
            List<Endpoint> fixed = new ArrayList<>();
            for (WorkloadEntry e : selected) {
                var address = new InetSocketAddress(Addresses.parseIp(e.address()), targetPort(e, servicePort, port));
                fixed.add(registry.endpoint(name, address, e.labels(), e.weight()));
            }
            List<Endpoint> endpoints = List.copyOf(fixed);
            return () -> endpoints;
        }
        // DNS: the endpoints' names, or with none the service's own host, each looked up.
        String own = entry.hosts().contains(host) ? host : se.hosts().get(0);
        List<WorkloadEntry> named = se.endpoints().isEmpty() ? List.of(new WorkloadEntry(own, Map.of(), Map.of(), 1)) : selected;
        return dnsEndpoints(name, named, port, servicePort);
    }

    private Supplier<List<Endpoint>> dnsEndpoints(String name, List<WorkloadEntry> named, int port, ServicePort servicePort) {
        return () -> {
            List<Endpoint> out = new ArrayList<>();
            for (WorkloadEntry e : named) {
                int target = targetPort(e, servicePort, port);
                for (InetAddress ip : addressesOf(e.address())) {
                    out.add(registry.endpoint(name, new InetSocketAddress(ip, target), e.labels(), e.weight()));
                }
            }
            return out;
        };
    }

    private List<InetAddress> addressesOf(String host) {
        try {
            return List.of(Addresses.parseIp(host));
        } catch (IllegalArgumentException notAnIp) {
            return dns == null ? List.of() : dns.addresses(host);
        }
    }

    private static int targetPort(WorkloadEntry endpoint, ServicePort servicePort, int port) {
        if (servicePort != null && servicePort.name() != null && endpoint.ports().containsKey(servicePort.name())) {
            return endpoint.ports().get(servicePort.name());
        }
        if (servicePort != null && servicePort.targetPort() != null) {
            return servicePort.targetPort();
        }
        return port;
    }

    /** Every name DNS must answer for this configuration. */
    private Set<String> dnsHosts() {
        Set<String> hosts = new LinkedHashSet<>();
        for (Entry entry : entries) {
            ServiceEntry se = entry.entry();
            if (se.resolution() != Resolution.DNS && se.resolution() != Resolution.DNS_ROUND_ROBIN) {
                continue;
            }
            if (se.endpoints().isEmpty()) {
                hosts.addAll(se.hosts());
            }
            for (WorkloadEntry e : se.endpoints()) {
                if (addressesOfLiteral(e.address()) == null) {
                    hosts.add(e.address());
                }
            }
        }
        for (Service service : services) {
            List<Destination> destinations = new ArrayList<>();
            service.service().http().forEach(r -> {
                r.route().forEach(d -> destinations.add(d.destination()));
                if (r.mirror() != null) {
                    destinations.add(r.mirror());
                }
            });
            service.service().tcp().forEach(r -> r.route().forEach(d -> destinations.add(d.destination())));
            for (Destination d : destinations) {
                String host = HostNames.complete(d.host(), service.service().meta().namespace(), identity.clusterDomain());
                if (entryForHost(host) == null && addressesOfLiteral(host) == null) {
                    hosts.add(host);
                }
            }
        }
        return hosts;
    }

    private static InetAddress addressesOfLiteral(String host) {
        try {
            return Addresses.parseIp(host);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
