package dev.tandem.core.traffic;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tandem.core.addr.Cidr;
import dev.tandem.core.traffic.Model.ConnectionPool;
import dev.tandem.core.traffic.Model.Destination;
import dev.tandem.core.traffic.Model.DestinationRule;
import dev.tandem.core.traffic.Model.Fault;
import dev.tandem.core.traffic.Model.HeaderOps;
import dev.tandem.core.traffic.Model.HttpMatch;
import dev.tandem.core.traffic.Model.HttpRoute;
import dev.tandem.core.traffic.Model.LoadBalancing;
import dev.tandem.core.traffic.Model.MatchKind;
import dev.tandem.core.traffic.Model.Meta;
import dev.tandem.core.traffic.Model.OutlierDetection;
import dev.tandem.core.traffic.Model.Redirect;
import dev.tandem.core.traffic.Model.Resolution;
import dev.tandem.core.traffic.Model.Retries;
import dev.tandem.core.traffic.Model.Rewrite;
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
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads Istio's networking resources (networking.istio.io v1, v1beta1, v1alpha3) from YAML or JSON, one or several
 * documents. Everything is checked before anything is used: a file with any error is refused whole, every error
 * naming its document, resource, field and reason.
 */
public final class TrafficConfigReader {

    private static final Set<String> API_VERSIONS =
            Set.of("networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3");
    /** Istio's API groups: networking, security, telemetry, extensions. */
    private static final Pattern ISTIO_API = Pattern.compile("[a-z]+\\.istio\\.io/v[0-9a-z]+");
    /** Istio kinds Tandem does not read; a document of one is skipped with the warning, not refused. */
    private static final Set<String> OTHER_ISTIO_KINDS = Set.of("Gateway", "Sidecar", "WorkloadEntry", "WorkloadGroup",
            "EnvoyFilter", "ProxyConfig", "PeerAuthentication", "RequestAuthentication", "AuthorizationPolicy",
            "Telemetry", "WasmPlugin");
    private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "connect-failure", "reset",
            "refused-stream", "retriable-4xx", "retriable-status-codes", "cancelled", "deadline-exceeded",
            "internal", "resource-exhausted", "unavailable");
    private static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP",
            "TLS", "MYSQL", "REDIS");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String defaultNamespace;
    private final String clusterDomain;

    /** Resources without a namespace are taken to be in {@code defaultNamespace}, the pod's own. */
    public TrafficConfigReader(String defaultNamespace, String clusterDomain) {
        this.defaultNamespace = defaultNamespace;
        this.clusterDomain = clusterDomain;
    }

    public TrafficConfig read(String text, String file) throws TrafficConfigException {
        Problems problems = new Problems();
        List<ServiceEntry> entries = new ArrayList<>();
        List<VirtualService> services = new ArrayList<>();
        List<DestinationRule> rules = new ArrayList<>();
        int index = 0;
        // Whether the parser is inside document "index" (else between documents, looking for the next one).
        boolean inside = false;
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (documents.hasNextValue()) {
                index++;
                inside = true;
                JsonNode document = documents.nextValue();
                inside = false;
                if (document == null || document.isNull() || document.isEmpty()) {
                    continue;
                }
                if (!document.isObject()) {
                    problems.error("document " + index, "must be a resource (an object with apiVersion, kind, metadata, spec)");
                    continue;
                }
                readDocument(document, index, problems, entries, services, rules);
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.error("document " + (inside ? index : index + 1) + (at == null ? "" : " line " + at.getLineNr()),
                    "not valid YAML or JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            problems.error(file, e.getMessage());
        }
        checkReferences(entries, services, rules, problems);
        if (!problems.errors().isEmpty()) {
            throw new TrafficConfigException(file, problems.errors());
        }
        return new TrafficConfig(List.copyOf(entries), List.copyOf(services), List.copyOf(rules), problems.unimplemented(),
                problems.implementedInPart());
    }

    private void readDocument(JsonNode document, int index, Problems problems, List<ServiceEntry> entries,
            List<VirtualService> services, List<DestinationRule> rules) {
        String kind = document.path("kind").asText("");
        JsonNode metadata = document.path("metadata");
        String name = metadata.path("name").asText("");
        String namespace = metadata.path("namespace").asText(defaultNamespace);
        String label = "document " + index + (kind.isEmpty() ? "" : " (" + kind + " " + namespace + "/" + name + ")");
        Node root = new Node(document, "", label, problems);
        String apiVersion = root.requiredText("apiVersion");
        root.requiredText("kind");
        Node meta = root.object("metadata");
        if (meta == null) {
            root.error("metadata", "is required");
        } else {
            meta.requiredText("name");
            meta.text("namespace");
        }
        // Kubernetes' part: the rest of metadata (labels, annotations, uid, ...) and status.
        root.skip("status");
        if (OTHER_ISTIO_KINDS.contains(kind) && apiVersion != null && ISTIO_API.matcher(apiVersion).matches()) {
            problems.unimplemented(label);
            return;
        }
        if (apiVersion != null && !API_VERSIONS.contains(apiVersion)) {
            root.error("apiVersion", "\"" + apiVersion + "\" is not one of " + API_VERSIONS);
            return;
        }
        Meta m = new Meta(kind, namespace, name, index);
        Node spec = root.object("spec");
        if (spec == null) {
            if (!kind.isEmpty()) {
                root.error("spec", "is required");
            }
            return;
        }
        switch (kind) {
            case "ServiceEntry" -> entries.add(serviceEntry(m, spec));
            case "VirtualService" -> services.add(virtualService(m, spec));
            case "DestinationRule" -> rules.add(destinationRule(m, spec));
            case "" -> { }
            default -> root.error("kind", "\"" + kind + "\" is not ServiceEntry, VirtualService or DestinationRule");
        }
        root.finish();
    }

    // --- ServiceEntry

    private ServiceEntry serviceEntry(Meta meta, Node spec) {
        List<String> hosts = spec.texts("hosts");
        if (hosts.isEmpty()) {
            spec.error("hosts", "at least one host is required");
        }
        if (hosts.contains("*")) {
            spec.error("hosts", "\"*\" is not allowed: a ServiceEntry cannot be for every host");
        }
        List<Cidr> addresses = new ArrayList<>();
        List<String> rawAddresses = spec.texts("addresses");
        for (int i = 0; i < rawAddresses.size(); i++) {
            try {
                addresses.add(Cidr.parse(rawAddresses.get(i)));
            } catch (IllegalArgumentException e) {
                spec.error("addresses[" + i + "]", e.getMessage());
            }
        }
        List<ServicePort> ports = new ArrayList<>();
        Set<String> portNames = new HashSet<>();
        Set<Integer> portNumbers = new HashSet<>();
        for (Node p : spec.objects("ports")) {
            Integer number = p.integer("number", 1, 65535);
            if (number == null && !p.has("number")) {
                p.error("number", "is required");
            }
            if (number != null && !portNumbers.add(number)) {
                p.error("number", "port " + number + " is defined twice");
            }
            String protocol = p.text("protocol");
            if (protocol != null && !PROTOCOLS.contains(protocol.toUpperCase())) {
                p.error("protocol", "\"" + protocol + "\" is not one of " + PROTOCOLS);
            }
            String name = p.requiredText("name");
            if (name != null && !portNames.add(name)) {
                p.error("name", "port name \"" + name + "\" is defined twice");
            }
            Integer target = p.integer("targetPort", 1, 65535);
            p.finish();
            if (number != null) {
                ports.add(new ServicePort(number, protocol, name, target));
            }
        }
        Resolution resolution = enumValue(spec, "resolution", Resolution.class, Resolution.NONE);
        if (rawAddresses.stream().anyMatch(a -> a.contains("/"))
                && (resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN)) {
            spec.error("addresses", "CIDR addresses are allowed only with resolution NONE or STATIC");
        }
        List<WorkloadEntry> endpoints = new ArrayList<>();
        for (Node e : spec.objects("endpoints")) {
            String address = e.requiredText("address");
            Map<String, Integer> endpointPorts = new LinkedHashMap<>();
            Node portsNode = e.object("ports");
            if (portsNode != null) {
                e.textMap("ports").forEach((portName, value) -> {
                    if (!value.matches("\\d{1,5}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > 65535) {
                        e.error("ports." + portName, "\"" + value + "\" is not a port number");
                    } else if (!portNames.contains(portName)) {
                        e.error("ports." + portName, "the ServiceEntry has no port named \"" + portName + "\"");
                    } else {
                        endpointPorts.put(portName, Integer.parseInt(value));
                    }
                });
            }
            Map<String, String> labels = e.textMap("labels");
            Integer weight = e.integer("weight", 0, Integer.MAX_VALUE);
            e.unimplemented("network", "locality", "serviceAccount");
            e.finish();
            if (address != null && resolution == Resolution.STATIC && !isIp(address)) {
                e.error("address", "\"" + address + "\" must be an IP address with resolution STATIC");
            }
            if (address != null) {
                endpoints.add(new WorkloadEntry(address, endpointPorts, labels, weight == null || weight == 0 ? 1 : weight));
            }
        }
        if (resolution == Resolution.STATIC && endpoints.isEmpty() && !spec.has("workloadSelector")) {
            spec.error("endpoints", "resolution STATIC needs endpoints");
        }
        if (resolution == Resolution.NONE && !endpoints.isEmpty()) {
            spec.error("endpoints", "resolution NONE takes no endpoints (connections go where the client sent them)");
        }
        if (resolution == Resolution.DNS_ROUND_ROBIN && endpoints.size() > 1) {
            spec.error("endpoints", "resolution DNS_ROUND_ROBIN takes at most one endpoint");
        }
        if ((resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN) && endpoints.isEmpty()) {
            for (String host : hosts) {
                if (host.contains("*")) {
                    spec.error("hosts", "\"" + host + "\": resolution DNS cannot resolve a wildcard host");
                }
            }
        }
        spec.unimplemented("location", "exportTo", "subjectAltNames", "workloadSelector");
        spec.finish();
        return new ServiceEntry(meta, hosts, addresses, ports, resolution, endpoints);
    }

    private static boolean isIp(String address) {
        try {
            dev.tandem.core.addr.Addresses.parseIp(address);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // --- VirtualService

    private VirtualService virtualService(Meta meta, Node spec) {
        List<String> hosts = spec.texts("hosts");
        if (hosts.isEmpty()) {
            spec.error("hosts", "at least one host is required");
        }
        if (hosts.contains("*")) {
            spec.error("hosts", "\"*\" is not allowed for a VirtualService of the mesh (a sidecar's)");
        }
        List<String> gateways = spec.texts("gateways");
        if (!gateways.isEmpty() && !gateways.equals(List.of("mesh"))) {
            spec.error("gateways", "only \"mesh\" applies to a sidecar; Tandem has no gateways");
        }
        List<HttpRoute> http = new ArrayList<>();
        for (Node route : spec.objects("http")) {
            http.add(httpRoute(route));
        }
        List<TcpRoute> tcp = new ArrayList<>();
        for (Node route : spec.objects("tcp")) {
            tcp.add(tcpRoute(route));
        }
        if (http.isEmpty() && tcp.isEmpty() && !spec.has("tls")) {
            spec.error("http", "a VirtualService needs http, tcp or tls routes");
        }
        spec.unimplemented("tls", "exportTo");
        spec.finish();
        return new VirtualService(meta, hosts, http, tcp);
    }

    private HttpRoute httpRoute(Node route) {
        String name = route.text("name");
        List<HttpMatch> matches = new ArrayList<>();
        for (Node m : route.objects("match")) {
            matches.add(httpMatch(m));
        }
        List<WeightedDestination> destinations = weightedDestinations(route, true);
        Redirect redirect = null;
        Node r = route.object("redirect");
        if (r != null) {
            Integer code = r.integer("redirectCode", 300, 399);
            redirect = new Redirect(r.text("uri"), r.text("authority"), r.text("scheme"), r.integer("port", 1, 65535),
                    code == null ? 301 : code);
            if (redirect.scheme() != null && !redirect.scheme().equals("http") && !redirect.scheme().equals("https")) {
                r.error("scheme", "\"" + redirect.scheme() + "\" is not http or https");
            }
            if (redirect.uri() == null && redirect.authority() == null && redirect.scheme() == null
                    && redirect.port() == null && !r.has("port") && !r.has("derivePort")) {
                route.error("redirect", "a redirect must change the uri, authority, scheme or port");
            }
            r.unimplemented("derivePort");
            r.finish();
        }
        if (redirect == null && destinations.isEmpty()) {
            route.error("route", "a route needs destinations or a redirect");
        }
        if (redirect != null && !destinations.isEmpty()) {
            route.error("redirect", "a route has destinations or a redirect, not both");
        }
        Rewrite rewrite = null;
        Node w = route.object("rewrite");
        if (w != null) {
            rewrite = new Rewrite(w.text("uri"), w.text("authority"));
            if (rewrite.uri() == null && rewrite.authority() == null && !w.has("uriRegexRewrite")) {
                route.error("rewrite", "a rewrite must change the uri or the authority");
            }
            w.unimplemented("uriRegexRewrite");
            w.finish();
            if (redirect != null) {
                route.error("rewrite", "a route has a redirect or a rewrite, not both");
            }
        }
        var timeout = route.duration("timeout");
        Retries retries = null;
        Node rt = route.object("retries");
        if (rt != null) {
            // Istio: attempts left out is 0, retries off; and then no other retry field may be set.
            Integer attempts = rt.integer("attempts", 0, 100);
            boolean off = attempts == null ? !rt.has("attempts") : attempts == 0;
            if (off && (rt.has("perTryTimeout") || rt.has("retryOn") || rt.has("retryRemoteLocalities"))) {
                rt.error("attempts", "retries are off with 0 attempts (the default), yet perTryTimeout, retryOn "
                        + "or retryRemoteLocalities is set");
            }
            var perTry = rt.duration("perTryTimeout");
            List<String> retryOn = new ArrayList<>();
            String on = rt.text("retryOn");
            if (on != null) {
                for (String token : on.split(",")) {
                    String t = token.strip();
                    if (!RETRY_ON.contains(t) && !t.matches("[1-5]\\d\\d")) {
                        rt.error("retryOn", "\"" + t + "\" is not a retry condition (e.g. 5xx, gateway-error, "
                                + "connect-failure, reset, refused-stream, retriable-4xx, retriable-status-codes, 503)");
                    }
                    retryOn.add(t);
                }
            }
            rt.unimplemented("retryRemoteLocalities");
            rt.finish();
            retries = new Retries(attempts == null ? 0 : attempts, perTry, retryOn.isEmpty()
                    ? List.of("connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes",
                            "503")
                    : retryOn);
        }
        Fault fault = null;
        Node f = route.object("fault");
        if (f != null) {
            fault = fault(f);
            if (redirect != null) {
                route.error("fault", "a route has a redirect or a fault, not both");
            }
        }
        Destination mirror = null;
        Node mn = route.object("mirror");
        if (mn != null) {
            mirror = destination(mn);
            route.implementedInPart("mirror", "(not for HTTP/2 requests, nor HTTP/1 request bodies over 64 KiB)");
        }
        Double mirrorPercent = route.percent("mirrorPercentage");
        HeaderOps[] headers = headers(route);
        route.unimplemented("directResponse", "delegate", "mirrors", "corsPolicy", "mirror_percent", "mirrorPercent");
        route.finish();
        return new HttpRoute(name, matches, destinations, redirect, rewrite, timeout, retries, fault, mirror,
                mirrorPercent == null ? 100 : mirrorPercent, headers[0], headers[1]);
    }

    private HttpMatch httpMatch(Node m) {
        StringMatch uri = stringMatch(m, "uri");
        StringMatch method = stringMatch(m, "method");
        StringMatch authority = stringMatch(m, "authority");
        Map<String, StringMatch> headers = new LinkedHashMap<>();
        m.objectMap("headers", h -> h).forEach((name, node) -> {
            StringMatch match = stringMatchOf(node);
            if (match != null) {
                headers.put(name.toLowerCase(), match);
            }
        });
        Integer port = m.integer("port", 1, 65535);
        Map<String, String> sourceLabels = m.textMap("sourceLabels");
        boolean ignoreCase = m.bool("ignoreUriCase");
        m.text("name");
        m.unimplemented("scheme", "gateways", "queryParams", "withoutHeaders", "sourceNamespace", "statPrefix");
        m.finish();
        return new HttpMatch(uri, method, authority, headers, port, sourceLabels, ignoreCase);
    }

    private static StringMatch stringMatch(Node parent, String field) {
        Node node = parent.object(field);
        return node == null ? null : stringMatchOf(node);
    }

    private static StringMatch stringMatchOf(Node node) {
        String exact = node.text("exact");
        String prefix = node.text("prefix");
        String regex = node.text("regex");
        node.finish();
        int given = (exact != null ? 1 : 0) + (prefix != null ? 1 : 0) + (regex != null ? 1 : 0);
        if (given != 1) {
            node.error("", "give exactly one of exact, prefix, regex");
            return null;
        }
        if (exact != null) {
            return new StringMatch(MatchKind.EXACT, exact, null);
        }
        if (prefix != null) {
            if (prefix.isEmpty()) {
                node.error("prefix", "must not be empty");
                return null;
            }
            return new StringMatch(MatchKind.PREFIX, prefix, null);
        }
        if (regex.isEmpty()) {
            node.error("regex", "must not be empty");
            return null;
        }
        try {
            return new StringMatch(MatchKind.REGEX, regex, Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            node.error("regex", "\"" + regex + "\" is not a regular expression: " + e.getDescription());
            return null;
        }
    }

    private List<WeightedDestination> weightedDestinations(Node route, boolean http) {
        List<WeightedDestination> out = new ArrayList<>();
        List<Node> nodes = route.objects("route");
        int total = 0;
        // A weight already named as wrong is not added up again.
        boolean weightsRead = true;
        for (Node d : nodes) {
            Node dest = d.object("destination");
            Destination destination = dest == null ? null : destination(dest);
            if (dest == null) {
                d.error("destination", "is required");
            }
            Integer weight = d.integer("weight", 0, 100);
            weightsRead &= weight != null || !d.has("weight");
            HeaderOps[] headers = http ? headers(d) : new HeaderOps[] {HeaderOps.NONE, HeaderOps.NONE};
            d.finish();
            int w = weight == null ? (nodes.size() == 1 ? 100 : 0) : weight;
            total += w;
            if (destination != null) {
                out.add(new WeightedDestination(destination, w, headers[0], headers[1]));
            }
        }
        if (nodes.size() > 1 && weightsRead && total != 100) {
            route.error("route", "the weights add up to " + total + ", not 100");
        }
        return out;
    }

    private static Destination destination(Node d) {
        String host = d.requiredText("host");
        if ("*".equals(host)) {
            d.error("host", "\"*\" is not a destination");
        }
        String subset = d.text("subset");
        Integer port = null;
        Node p = d.object("port");
        if (p != null) {
            port = p.integer("number", 1, 65535);
            p.finish();
        }
        d.finish();
        return new Destination(host, subset, port);
    }

    private static HeaderOps[] headers(Node parent) {
        Node h = parent.object("headers");
        if (h == null) {
            return new HeaderOps[] {HeaderOps.NONE, HeaderOps.NONE};
        }
        HeaderOps request = headerOps(h.object("request"));
        HeaderOps response = headerOps(h.object("response"));
        h.finish();
        return new HeaderOps[] {request, response};
    }

    private static HeaderOps headerOps(Node ops) {
        if (ops == null) {
            return HeaderOps.NONE;
        }
        HeaderOps result = new HeaderOps(ops.textMap("set"), ops.textMap("add"), ops.texts("remove"));
        ops.finish();
        return result;
    }

    private static Fault fault(Node f) {
        Node delay = f.object("delay");
        Node abort = f.object("abort");
        if (!f.has("delay") && !f.has("abort")) {
            f.error("", "a fault needs an abort, a delay or both");
        }
        java.time.Duration fixed = null;
        double delayPercent = 0;
        if (delay != null) {
            fixed = delay.duration("fixedDelay");
            if (fixed == null && !delay.has("fixedDelay")) {
                delay.error("fixedDelay", "is required");
            }
            Double p = delay.percent("percentage");
            delayPercent = p == null ? 100 : p;
            delay.unimplemented("exponentialDelay", "percent");
            delay.finish();
        }
        Integer status = null;
        double abortPercent = 0;
        if (abort != null) {
            status = abort.integer("httpStatus", 200, 599);
            if (status == null && !abort.has("httpStatus")) {
                abort.error("httpStatus", "is required");
            }
            Double p = abort.percent("percentage");
            abortPercent = p == null ? 100 : p;
            abort.unimplemented("grpcStatus", "http2Error", "percent");
            abort.finish();
        }
        f.finish();
        return new Fault(fixed, delayPercent, status, abortPercent);
    }

    private TcpRoute tcpRoute(Node route) {
        List<TcpMatch> matches = new ArrayList<>();
        for (Node m : route.objects("match")) {
            Integer port = m.integer("port", 1, 65535);
            Map<String, String> labels = m.textMap("sourceLabels");
            m.unimplemented("destinationSubnets", "gateways", "sourceNamespace", "sourceSubnet");
            m.finish();
            matches.add(new TcpMatch(port, labels));
        }
        List<WeightedDestination> destinations = weightedDestinations(route, false);
        if (destinations.isEmpty()) {
            route.error("route", "a TCP route needs destinations");
        }
        route.finish();
        return new TcpRoute(matches, destinations);
    }

    // --- DestinationRule

    private DestinationRule destinationRule(Meta meta, Node spec) {
        String host = spec.requiredText("host");
        TrafficPolicy policy = trafficPolicy(spec.object("trafficPolicy"));
        List<Subset> subsets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Node s : spec.objects("subsets")) {
            String name = s.requiredText("name");
            if (name != null && !names.add(name)) {
                s.error("name", "subset \"" + name + "\" is defined twice");
            }
            Map<String, String> labels = s.textMap("labels");
            TrafficPolicy subsetPolicy = trafficPolicy(s.object("trafficPolicy"));
            s.finish();
            subsets.add(new Subset(name, labels, subsetPolicy));
        }
        spec.unimplemented("exportTo", "workloadSelector");
        spec.finish();
        return new DestinationRule(meta, host, policy, subsets);
    }

    private static TrafficPolicy trafficPolicy(Node p) {
        if (p == null) {
            return TrafficPolicy.NONE;
        }
        LoadBalancing lb = null;
        Node l = p.object("loadBalancer");
        if (l != null) {
            lb = enumValue(l, "simple", LoadBalancing.class, null);
            l.unimplemented("consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup");
            l.finish();
        }
        ConnectionPool pool = null;
        Node c = p.object("connectionPool");
        if (c != null) {
            Integer maxConnections = null;
            java.time.Duration connectTimeout = null;
            Node tcp = c.object("tcp");
            // As in Istio, 0 is the same as leaving a limit out: no limit.
            if (tcp != null) {
                maxConnections = unlessZero(tcp.integer("maxConnections", 0, Integer.MAX_VALUE));
                connectTimeout = tcp.duration("connectTimeout");
                tcp.unimplemented("tcpKeepalive", "maxConnectionDuration", "idleTimeout");
                tcp.finish();
            }
            Integer pending = null;
            Integer maxRequests = null;
            Integer perConnection = null;
            Integer maxRetries = null;
            java.time.Duration idle = null;
            Node http = c.object("http");
            if (http != null) {
                pending = unlessZero(http.integer("http1MaxPendingRequests", 0, Integer.MAX_VALUE));
                maxRequests = unlessZero(http.integer("http2MaxRequests", 0, Integer.MAX_VALUE));
                perConnection = http.integer("maxRequestsPerConnection", 0, Integer.MAX_VALUE);
                maxRetries = unlessZero(http.integer("maxRetries", 0, Integer.MAX_VALUE));
                idle = http.duration("idleTimeout");
                http.unimplemented("h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams");
                http.finish();
            }
            c.finish();
            pool = new ConnectionPool(maxConnections, connectTimeout, pending, maxRequests, perConnection, maxRetries, idle);
        }
        OutlierDetection outlier = null;
        Node o = p.object("outlierDetection");
        if (o != null) {
            outlier = new OutlierDetection(o.integer("consecutive5xxErrors", 0, Integer.MAX_VALUE),
                    o.integer("consecutiveGatewayErrors", 0, Integer.MAX_VALUE), o.duration("interval"),
                    o.duration("baseEjectionTime"), o.integer("maxEjectionPercent", 0, 100));
            o.unimplemented("minHealthPercent", "consecutiveLocalOriginFailures", "splitExternalLocalOriginErrors",
                    "consecutiveErrors");
            o.finish();
        }
        p.unimplemented("tls", "portLevelSettings", "tunnel", "proxyProtocol");
        p.finish();
        return new TrafficPolicy(lb, pool, outlier);
    }

    private static Integer unlessZero(Integer value) {
        return value == null || value == 0 ? null : value;
    }

    private static <E extends Enum<E>> E enumValue(Node node, String field, Class<E> type, E fallback) {
        String raw = node.text(field);
        if (raw == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(raw)) {
                return e;
            }
        }
        node.error(field, "\"" + raw + "\" is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
        return fallback;
    }

    /** Checks across resources: a destination's subset must be defined by a DestinationRule for its host. */
    private void checkReferences(List<ServiceEntry> entries, List<VirtualService> services, List<DestinationRule> rules,
            Problems problems) {
        Map<String, Set<String>> subsets = new LinkedHashMap<>();
        for (DestinationRule rule : rules) {
            if (rule.host() == null) {
                continue;
            }
            Set<String> names = subsets.computeIfAbsent(HostNames.complete(rule.host(), rule.meta().namespace(), clusterDomain),
                    h -> new HashSet<>());
            rule.subsets().forEach(s -> names.add(s.name()));
        }
        for (VirtualService service : services) {
            for (int i = 0; i < service.http().size(); i++) {
                HttpRoute route = service.http().get(i);
                for (int j = 0; j < route.route().size(); j++) {
                    checkSubset(service, "spec.http[" + i + "].route[" + j + "].destination.subset",
                            route.route().get(j).destination(), subsets, problems);
                }
                if (route.mirror() != null) {
                    checkSubset(service, "spec.http[" + i + "].mirror.subset", route.mirror(), subsets, problems);
                }
            }
            for (int i = 0; i < service.tcp().size(); i++) {
                for (int j = 0; j < service.tcp().get(i).route().size(); j++) {
                    checkSubset(service, "spec.tcp[" + i + "].route[" + j + "].destination.subset",
                            service.tcp().get(i).route().get(j).destination(), subsets, problems);
                }
            }
        }
    }

    private void checkSubset(VirtualService service, String field, Destination destination,
            Map<String, Set<String>> subsets, Problems problems) {
        if (destination == null || destination.subset() == null || destination.host() == null) {
            return;
        }
        String host = HostNames.complete(destination.host(), service.meta().namespace(), clusterDomain);
        Set<String> defined = null;
        int best = -1;
        for (Map.Entry<String, Set<String>> rule : subsets.entrySet()) {
            if (HostNames.matches(rule.getKey(), host, service.meta().namespace(), clusterDomain)
                    && HostNames.specificity(rule.getKey()) > best) {
                defined = rule.getValue();
                best = HostNames.specificity(rule.getKey());
            }
        }
        if (defined == null || !defined.contains(destination.subset())) {
            problems.error("document " + service.meta().document() + " (" + service.meta() + "): " + field,
                    "subset \"" + destination.subset() + "\" is not defined by a DestinationRule for " + destination.host());
        }
    }
}
