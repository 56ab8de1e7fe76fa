package dev.tandem.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import dev.tandem.core.traffic.Model.OutlierDetection;
import dev.tandem.core.traffic.Model.Redirect;
import dev.tandem.core.traffic.Model.Resolution;
import dev.tandem.core.traffic.Model.Retries;
import dev.tandem.core.traffic.Model.Rewrite;
import dev.tandem.core.traffic.Model.ServiceEntry;
import dev.tandem.core.traffic.Model.ServicePort;
import dev.tandem.core.traffic.Model.Subset;
import dev.tandem.core.traffic.Model.TcpRoute;
import dev.tandem.core.traffic.Model.VirtualService;
import dev.tandem.core.traffic.Model.WeightedDestination;
import dev.tandem.core.traffic.Model.WorkloadEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrafficConfigReaderTest {

    private static final String FILE = "/etc/tandem/traffic.yaml";

    private static TrafficConfig read(String text) throws TrafficConfigException {
        return new TrafficConfigReader("shop", "cluster.local").read(text, FILE);
    }

    /** The errors of a file that must be refused. */
    private static List<String> errors(String text) {
        TrafficConfigException e = catchThrowableOfType(TrafficConfigException.class, () -> read(text));
        assertThat(e).as("the file is refused").isNotNull();
        assertThat(e.getMessage()).startsWith("invalid traffic configuration " + FILE + ":");
        return e.errors();
    }

    private static String vs(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: %s
                  namespace: shop
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private static String se(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: %s
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private static String dr(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: %s
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private static String docs(String... documents) {
        return String.join("---\n", documents);
    }

    // --- Good files: the model holds what the user wrote.

    @Nested
    class GoodFiles {

        private static final String SHOP = """
                # Istio's resources for the shop namespace, as kubectl would take them.
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: payments
                  namespace: shop
                  labels: {team: pay}
                  annotations: {note: "kept by Kubernetes, ignored here"}
                spec:
                  hosts: [payments.example.com, pay.example.com]
                  addresses: [240.0.0.10/32, 240.0.1.0/24]
                  ports:
                  - number: 443
                    name: tls
                    protocol: TLS
                  - number: 8080
                    name: http
                    protocol: HTTP
                    targetPort: 18080
                  resolution: STATIC
                  endpoints:
                  - address: 10.1.0.1
                    ports: {http: 9090}
                    labels: {version: v1}
                    weight: 3
                  - address: 10.1.0.2
                    labels: {version: v2}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata:
                  name: reviews
                spec:
                  hosts: [reviews, reviews.shop.svc.cluster.local]
                  gateways: [mesh]
                  http:
                  - name: canary
                    match:
                    - uri: {exact: /admin}
                      method: {exact: POST}
                      authority: {prefix: reviews}
                      headers:
                        X-User: {prefix: adm}
                      port: 9080
                      sourceLabels: {app: web}
                    - uri: {regex: "/v[0-9]+/.*"}
                      ignoreUriCase: true
                    route:
                    - destination: {host: reviews, subset: v2, port: {number: 9080}}
                      weight: 80
                      headers:
                        request:
                          set: {x-split: canary}
                    - destination: {host: reviews, subset: v1}
                      weight: 20
                    timeout: 1.5s
                    retries:
                      attempts: 3
                      perTryTimeout: 250ms
                      retryOn: 5xx,reset, 503
                    fault:
                      delay: {fixedDelay: 2s, percentage: {value: 12.5}}
                      abort: {httpStatus: 503, percentage: {value: 0.5}}
                    mirror: {host: reviews-shadow, port: {number: 9081}}
                    mirrorPercentage: {value: 25}
                    headers:
                      request: {add: {x-a: "1"}, remove: [x-b]}
                      response: {set: {x-c: "3"}}
                  - match:
                    - uri: {prefix: /old}
                    redirect: {uri: /new, authority: new.example.com, scheme: https, port: 8443, redirectCode: 308}
                  - rewrite: {uri: /v2/, authority: reviews-v2}
                    route:
                    - destination: {host: reviews}
                  tcp:
                  - match:
                    - port: 9090
                      sourceLabels: {app: batch}
                    route:
                    - destination: {host: reviews, port: {number: 9090}}
                      weight: 70
                    - destination: {host: reviews-old, port: {number: 9090}}
                      weight: 30
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                    connectionPool:
                      tcp: {maxConnections: 100, connectTimeout: 3s}
                      http:
                        http1MaxPendingRequests: 10
                        http2MaxRequests: 200
                        maxRequestsPerConnection: 5
                        maxRetries: 4
                        idleTimeout: 1m30s
                    outlierDetection:
                      consecutive5xxErrors: 7
                      consecutiveGatewayErrors: 2
                      interval: 5s
                      baseEjectionTime: 1m
                      maxEjectionPercent: 50
                  subsets:
                  - name: v1
                    labels: {version: v1}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy:
                      loadBalancer: {simple: RANDOM}
                status: {observedGeneration: 3}
                """;

        private TrafficConfig config() throws TrafficConfigException {
            return read(SHOP);
        }

        @Test
        void everyResourceIsReadWithItsKindNamespaceNameAndDocument() throws TrafficConfigException {
            TrafficConfig config = config();

            assertThat(config.resources()).isEqualTo(3);
            assertThat(config.unimplemented()).isEmpty();
            assertThat(config.serviceEntries().get(0).meta()).isEqualTo(new Model.Meta("ServiceEntry", "shop", "payments", 1));
            // No namespace written: the pod's own.
            assertThat(config.virtualServices().get(0).meta()).isEqualTo(new Model.Meta("VirtualService", "shop", "reviews", 2));
            assertThat(config.destinationRules().get(0).meta().toString()).isEqualTo("DestinationRule shop/reviews");
            assertThat(config.destinationRules().get(0).meta().document()).isEqualTo(3);
        }

        @Test
        void aServiceEntryHasItsHostsAddressesPortsResolutionAndEndpoints() throws TrafficConfigException {
            ServiceEntry entry = config().serviceEntries().get(0);

            assertThat(entry.hosts()).containsExactly("payments.example.com", "pay.example.com");
            assertThat(entry.addresses()).containsExactly(Cidr.parse("240.0.0.10/32"), Cidr.parse("240.0.1.0/24"));
            assertThat(entry.ports()).containsExactly(
                    new ServicePort(443, "TLS", "tls", null),
                    new ServicePort(8080, "HTTP", "http", 18080));
            assertThat(entry.ports().get(0).opaque()).isTrue();
            assertThat(entry.ports().get(1).opaque()).isFalse();
            assertThat(entry.resolution()).isEqualTo(Resolution.STATIC);
            assertThat(entry.endpoints()).containsExactly(
                    new WorkloadEntry("10.1.0.1", Map.of("http", 9090), Map.of("version", "v1"), 3),
                    // No weight written: 1, as Istio's 0 means.
                    new WorkloadEntry("10.1.0.2", Map.of(), Map.of("version", "v2"), 1));
        }

        @Test
        void aMatchHasItsExactPrefixAndRegexConditions() throws TrafficConfigException {
            VirtualService vs = config().virtualServices().get(0);
            assertThat(vs.hosts()).containsExactly("reviews", "reviews.shop.svc.cluster.local");

            HttpMatch first = vs.http().get(0).match().get(0);
            assertThat(first.uri().kind()).isEqualTo(MatchKind.EXACT);
            assertThat(first.uri().value()).isEqualTo("/admin");
            assertThat(first.method().kind()).isEqualTo(MatchKind.EXACT);
            assertThat(first.method().value()).isEqualTo("POST");
            assertThat(first.authority().kind()).isEqualTo(MatchKind.PREFIX);
            // Header names are compared in lower case, as HTTP/2 writes them.
            assertThat(first.headers()).containsOnlyKeys("x-user");
            assertThat(first.headers().get("x-user").kind()).isEqualTo(MatchKind.PREFIX);
            assertThat(first.headers().get("x-user").value()).isEqualTo("adm");
            assertThat(first.port()).isEqualTo(9080);
            assertThat(first.sourceLabels()).isEqualTo(Map.of("app", "web"));
            assertThat(first.ignoreUriCase()).isFalse();

            HttpMatch second = vs.http().get(0).match().get(1);
            assertThat(second.uri().kind()).isEqualTo(MatchKind.REGEX);
            assertThat(second.uri().matches("/v12/reviews", false)).isTrue();
            assertThat(second.uri().matches("/x/v12/reviews", false)).as("a regex matches the whole path").isFalse();
            assertThat(second.ignoreUriCase()).isTrue();
            assertThat(second.method()).isNull();
            assertThat(second.headers()).isEmpty();
        }

        @Test
        void routesHaveTheirWeightsDestinationsAndHeaderOperations() throws TrafficConfigException {
            HttpRoute canary = config().virtualServices().get(0).http().get(0);

            assertThat(canary.name()).isEqualTo("canary");
            assertThat(canary.route()).extracting(WeightedDestination::destination).containsExactly(
                    new Destination("reviews", "v2", 9080), new Destination("reviews", "v1", null));
            assertThat(canary.route()).extracting(WeightedDestination::weight).containsExactly(80, 20);
            assertThat(canary.route().get(0).requestHeaders()).isEqualTo(
                    new HeaderOps(Map.of("x-split", "canary"), Map.of(), List.of()));
            assertThat(canary.route().get(1).requestHeaders()).isEqualTo(HeaderOps.NONE);
            assertThat(canary.requestHeaders()).isEqualTo(new HeaderOps(Map.of(), Map.of("x-a", "1"), List.of("x-b")));
            assertThat(canary.responseHeaders()).isEqualTo(new HeaderOps(Map.of("x-c", "3"), Map.of(), List.of()));
        }

        @Test
        void timeoutRetriesFaultAndMirrorAreRead() throws TrafficConfigException {
            HttpRoute canary = config().virtualServices().get(0).http().get(0);

            assertThat(canary.timeout()).isEqualTo(Duration.ofMillis(1500));
            assertThat(canary.retries()).isEqualTo(new Retries(3, Duration.ofMillis(250), List.of("5xx", "reset", "503")));
            assertThat(canary.fault()).isEqualTo(new Fault(Duration.ofSeconds(2), 12.5, 503, 0.5));
            assertThat(canary.mirror()).isEqualTo(new Destination("reviews-shadow", null, 9081));
            assertThat(canary.mirrorPercent()).isEqualTo(25.0);
            assertThat(config().implementedInPart()).as("named in the load warning").anyMatch(w -> w.endsWith(
                    "spec.http[0].mirror (not for HTTP/2 requests, nor HTTP/1 request bodies over 64 KiB)"));
            assertThat(canary.redirect()).isNull();
            assertThat(canary.rewrite()).isNull();
        }

        @Test
        void redirectAndRewriteAreRead() throws TrafficConfigException {
            List<HttpRoute> http = config().virtualServices().get(0).http();

            assertThat(http.get(1).redirect()).isEqualTo(new Redirect("/new", "new.example.com", "https", 8443, 308));
            assertThat(http.get(1).route()).isEmpty();
            assertThat(http.get(2).match()).isEmpty();
            assertThat(http.get(2).rewrite()).isEqualTo(new Rewrite("/v2/", "reviews-v2"));
            // A single destination without a weight takes everything.
            assertThat(http.get(2).route()).extracting(WeightedDestination::weight).containsExactly(100);
            assertThat(http.get(2).retries()).as("no retries written").isNull();
            assertThat(http.get(2).timeout()).isNull();
            assertThat(http.get(2).mirrorPercent()).isEqualTo(100.0);
        }

        @Test
        void tcpRoutesHaveTheirPortSourceLabelsAndWeights() throws TrafficConfigException {
            TcpRoute tcp = config().virtualServices().get(0).tcp().get(0);

            assertThat(tcp.match()).singleElement().satisfies(m -> {
                assertThat(m.port()).isEqualTo(9090);
                assertThat(m.sourceLabels()).isEqualTo(Map.of("app", "batch"));
            });
            assertThat(tcp.route()).extracting(d -> d.destination().host() + "=" + d.weight())
                    .containsExactly("reviews=70", "reviews-old=30");
            assertThat(tcp.route().get(0).requestHeaders()).isEqualTo(HeaderOps.NONE);
        }

        @Test
        void aDestinationRuleHasItsPoliciesAndSubsets() throws TrafficConfigException {
            DestinationRule rule = config().destinationRules().get(0);

            assertThat(rule.host()).isEqualTo("reviews");
            assertThat(rule.trafficPolicy().loadBalancer()).isEqualTo(LoadBalancing.ROUND_ROBIN);
            assertThat(rule.trafficPolicy().connectionPool()).isEqualTo(new ConnectionPool(100, Duration.ofSeconds(3),
                    10, 200, 5, 4, Duration.ofSeconds(90)));
            assertThat(rule.trafficPolicy().outlierDetection()).isEqualTo(new OutlierDetection(7, 2,
                    Duration.ofSeconds(5), Duration.ofMinutes(1), 50));
            assertThat(rule.subsets()).extracting(Subset::name).containsExactly("v1", "v2");
            assertThat(rule.subsets().get(0).labels()).isEqualTo(Map.of("version", "v1"));
            assertThat(rule.subsets().get(0).trafficPolicy()).isEqualTo(Model.TrafficPolicy.NONE);
            assertThat(rule.subsets().get(1).trafficPolicy().loadBalancer()).isEqualTo(LoadBalancing.RANDOM);
            assertThat(rule.subsets().get(1).trafficPolicy().connectionPool()).isNull();
        }
    }

    @Test
    void jsonIsReadAsWellAsYaml() throws TrafficConfigException {
        String json = """
                {
                  "apiVersion": "networking.istio.io/v1beta1",
                  "kind": "VirtualService",
                  "metadata": {"name": "ratings", "namespace": "prod"},
                  "spec": {
                    "hosts": ["ratings"],
                    "http": [{
                      "match": [{"uri": {"prefix": "/api"}, "headers": {"end-user": {"exact": "jason"}}}],
                      "route": [
                        {"destination": {"host": "ratings", "subset": "v2"}, "weight": 25},
                        {"destination": {"host": "ratings", "subset": "v1"}, "weight": 75}
                      ],
                      "timeout": "10s",
                      "retries": {"attempts": 2, "perTryTimeout": "3s"}
                    }]
                  }
                }
                ---
                {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
                 "metadata": {"name": "ratings", "namespace": "prod"},
                 "spec": {"host": "ratings", "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                                                         {"name": "v2", "labels": {"version": "v2"}}]}}
                """;

        TrafficConfig config = read(json);

        VirtualService vs = config.virtualServices().get(0);
        assertThat(vs.meta()).isEqualTo(new Model.Meta("VirtualService", "prod", "ratings", 1));
        HttpRoute route = vs.http().get(0);
        assertThat(route.match().get(0).uri().value()).isEqualTo("/api");
        assertThat(route.match().get(0).headers().get("end-user").value()).isEqualTo("jason");
        assertThat(route.route()).extracting(d -> d.destination().subset() + "=" + d.weight()).containsExactly("v2=25", "v1=75");
        assertThat(route.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(route.retries().attempts()).isEqualTo(2);
        assertThat(config.destinationRules().get(0).meta().document()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"10s, 10000", "0.5s, 500", "250ms, 250", "3m, 180000", "1h30m, 5400000", "1m30s, 90000",
            "1.5s, 1500", "1500us, 1.5", "2000000ns, 2", ".25s, 250"})
    void durationsAreReadAsIstioWritesThem(String written, double millis) throws TrafficConfigException {
        TrafficConfig config = read(vs("d", """
                hosts: [d]
                http:
                - route:
                  - destination: {host: d}
                  timeout: %s
                """.formatted(written)));

        assertThat(config.virtualServices().get(0).http().get(0).timeout())
                .isEqualTo(Duration.ofNanos(Math.round(millis * 1_000_000)));
    }

    @Test
    void istiosDefaultsFillWhatIsLeftOut() throws TrafficConfigException {
        TrafficConfig config = read(docs(
                se("plain", "hosts: [api.example.com]"),
                vs("d", """
                        hosts: [d]
                        http:
                        - match: [{uri: {prefix: /r}}]
                          redirect: {uri: /elsewhere}
                        - route: [{destination: {host: d}}]
                          retries: {attempts: 4}
                          fault:
                            abort: {httpStatus: 418}
                            delay: {fixedDelay: 1s}
                        """)));

        assertThat(config.serviceEntries().get(0).resolution()).isEqualTo(Resolution.NONE);
        assertThat(config.serviceEntries().get(0).meta().namespace()).isEqualTo("shop");
        List<HttpRoute> http = config.virtualServices().get(0).http();
        assertThat(http.get(0).redirect().code()).as("Istio's default redirect code").isEqualTo(301);
        // Istio's default retryOn, with 503 among the retriable status codes.
        assertThat(http.get(1).retries()).isEqualTo(new Retries(4, null,
                List.of("connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes", "503")));
        assertThat(http.get(1).fault()).as("no percentage: every request").isEqualTo(new Fault(Duration.ofSeconds(1), 100, 418, 100));
    }

    @Test
    void retriesWithoutAttemptsAreOffAsInIstio() throws TrafficConfigException {
        TrafficConfig config = read(vs("d", """
                hosts: [d]
                http:
                - route: [{destination: {host: d}}]
                  retries: {}
                - route: [{destination: {host: d}}]
                  retries: {attempts: 0}
                """));

        assertThat(config.virtualServices().get(0).http()).extracting(r -> r.retries().attempts()).containsExactly(0, 0);
        assertThat(RetryPolicy.of(config.virtualServices().get(0).http().get(0).retries())).isNull();
    }

    @Test
    void connectionPoolZerosMeanNoLimitAsInIstio() throws TrafficConfigException {
        TrafficConfig config = read(dr("d", """
                host: d
                trafficPolicy:
                  connectionPool:
                    tcp: {maxConnections: 0}
                    http: {http1MaxPendingRequests: 0, http2MaxRequests: 0, maxRetries: 0, maxRequestsPerConnection: 0}
                """));

        ConnectionPool pool = config.destinationRules().get(0).trafficPolicy().connectionPool();
        assertThat(pool).isEqualTo(new ConnectionPool(null, null, null, null, 0, null, null));
        ClusterLimits limits = ClusterLimits.of(pool);
        assertThat(limits.maxRetries()).as("maxRetries: 0 does not forbid retries").isEqualTo(Integer.MAX_VALUE);
        assertThat(limits.maxConnections()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void emptyDocumentsAreSkippedButCounted() throws TrafficConfigException {
        TrafficConfig config = read("---\n# nothing here\n---\n" + vs("d", """
                hosts: [d]
                http: [{route: [{destination: {host: d}}]}]
                """));

        assertThat(config.virtualServices()).singleElement()
                .satisfies(v -> assertThat(v.meta().document()).isEqualTo(2));
    }

    @Test
    void anEmptyFileIsAnEmptyConfiguration() throws TrafficConfigException {
        assertThat(read("").resources()).isZero();
        assertThat(read("# only a comment\n").resources()).isZero();
    }

    @Test
    void aDestinationRuleForAWildcardHostDefinesSubsetsForTheNamesItCovers() throws TrafficConfigException {
        TrafficConfig config = read(docs(
                dr("all-example", """
                        host: "*.example.com"
                        subsets: [{name: blue, labels: {color: blue}}]
                        """),
                vs("api", """
                        hosts: [api.example.com]
                        http: [{route: [{destination: {host: api.example.com, subset: blue}}]}]
                        """)));

        assertThat(config.virtualServices()).hasSize(1);
    }

    // --- Fields Istio has and Tandem does not: a warning, not a refusal.

    @Test
    void unimplementedFieldsAndKindsAreWarningsNamingWhereTheyAre() throws TrafficConfigException {
        TrafficConfig config = read(docs(
                se("ext", """
                        hosts: [api.example.com]
                        location: MESH_EXTERNAL
                        exportTo: ["."]
                        """),
                vs("d", """
                        hosts: [d]
                        exportTo: ["*"]
                        http:
                        - match:
                          - uri: {prefix: /}
                            queryParams: {v: {exact: "2"}}
                          route: [{destination: {host: d}}]
                          corsPolicy: {allowOrigins: [{exact: "https://a.example"}]}
                          retries: {attempts: 1, retryRemoteLocalities: true}
                        """),
                dr("d", """
                        host: d
                        trafficPolicy:
                          tls: {mode: ISTIO_MUTUAL}
                          loadBalancer: {consistentHash: {httpHeaderName: x-user}}
                          outlierDetection: {minHealthPercent: 50}
                        """),
                """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: ingress}
                spec: {selector: {istio: ingressgateway}, servers: []}
                """,
                """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-all}
                spec: {}
                """));

        assertThat(config.resources()).isEqualTo(3);
        assertThat(config.unimplemented()).containsExactly(
                "document 1 (ServiceEntry shop/ext): spec.location",
                "document 1 (ServiceEntry shop/ext): spec.exportTo",
                "document 2 (VirtualService shop/d): spec.http[0].match[0].queryParams",
                "document 2 (VirtualService shop/d): spec.http[0].retries.retryRemoteLocalities",
                "document 2 (VirtualService shop/d): spec.http[0].corsPolicy",
                "document 2 (VirtualService shop/d): spec.exportTo",
                "document 3 (DestinationRule shop/d): spec.trafficPolicy.loadBalancer.consistentHash",
                "document 3 (DestinationRule shop/d): spec.trafficPolicy.outlierDetection.minHealthPercent",
                "document 3 (DestinationRule shop/d): spec.trafficPolicy.tls",
                "document 4 (Gateway ingress/edge)",
                "document 5 (AuthorizationPolicy shop/deny-all)");
        // What is implemented next to them is still read.
        assertThat(config.destinationRules().get(0).trafficPolicy().outlierDetection()).isNotNull();
    }

    // --- Bad files: every error names the document, the resource, the field and the reason.

    @Nested
    class BadFiles {

        @Test
        void weightsThatDoNotAddUpTo100() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route:
                      - destination: {host: reviews}
                        weight: 60
                      - destination: {host: reviews-v2}
                        weight: 30
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].route: the weights add up to 90, not 100");
        }

        @Test
        void aWeightOutOfRangeOrNegative() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route:
                      - destination: {host: reviews}
                        weight: -50
                      - destination: {host: reviews-v2}
                        weight: 150
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].route[0].weight: -50 is out of range 0-100",
                    "document 1 (VirtualService shop/reviews): spec.http[0].route[1].weight: 150 is out of range 0-100");
        }

        @Test
        void aBadDuration() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route: [{destination: {host: reviews}}]
                      timeout: 10 seconds
                      retries: {attempts: 2, perTryTimeout: -1s}
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].timeout: \"10 seconds\" is not a duration "
                            + "(e.g. 10s, 0.5s, 250ms, 3m)",
                    "document 1 (VirtualService shop/reviews): spec.http[0].retries.perTryTimeout: \"-1s\" is not a "
                            + "duration (e.g. 10s, 0.5s, 250ms, 3m)");
        }

        @Test
        void aDurationWithoutUnit() {
            assertThat(errors(dr("reviews", """
                    host: reviews
                    trafficPolicy:
                      outlierDetection: {baseEjectionTime: 30}
                    """))).containsExactly("document 1 (DestinationRule shop/reviews): "
                    + "spec.trafficPolicy.outlierDetection.baseEjectionTime: \"30\" is not a duration (e.g. 10s, 0.5s, 250ms, 3m)");
        }

        @Test
        void anUnknownField() {
            assertThat(errors(docs(
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - route: [{destination: {host: reviews}}]
                              retries: {attempt: 3}
                            """),
                    dr("reviews", """
                            host: reviews
                            trafficPolicy:
                              loadBalancer: {simple: ROUND_ROBIN, sticky: true}
                            subset: []
                            """)))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].retries.attempt: no such field",
                    "document 2 (DestinationRule shop/reviews): spec.trafficPolicy.loadBalancer.sticky: no such field",
                    "document 2 (DestinationRule shop/reviews): spec.subset: no such field");
        }

        @Test
        void anUnknownTopLevelField() {
            assertThat(errors(vs("reviews", "hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews}}]}]")
                    + "specs: {}\n")).containsExactly("document 1 (VirtualService shop/reviews): specs: no such field");
        }

        @Test
        void aBadRegex() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match:
                      - uri: {regex: "/(v1|v2"}
                      - headers: {x-id: {regex: "[0-9"}}
                      route: [{destination: {host: reviews}}]
                    """))).satisfiesExactly(
                    e -> assertThat(e).startsWith("document 1 (VirtualService shop/reviews): spec.http[0].match[0].uri.regex: "
                            + "\"/(v1|v2\" is not a regular expression: Unclosed group"),
                    e -> assertThat(e).startsWith("document 1 (VirtualService shop/reviews): "
                            + "spec.http[0].match[1].headers.x-id.regex: \"[0-9\" is not a regular expression: "));
        }

        @Test
        void aStringMatchNeedsExactlyOneKind() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match:
                      - uri: {exact: /a, prefix: /a}
                      - method: {}
                      - uri: {prefix: ""}
                      route: [{destination: {host: reviews}}]
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].match[0].uri: give exactly one of exact, prefix, regex",
                    "document 1 (VirtualService shop/reviews): spec.http[0].match[1].method: give exactly one of exact, prefix, "
                            + "regex",
                    "document 1 (VirtualService shop/reviews): spec.http[0].match[2].uri.prefix: must not be empty");
        }

        @Test
        void aMissingHost() {
            assertThat(errors(docs(
                    vs("reviews", """
                            http:
                            - route: [{destination: {subset: v1}}]
                            """),
                    se("ext", "ports: [{number: 80, name: http}]"),
                    dr("reviews", "trafficPolicy: {loadBalancer: {simple: RANDOM}}")))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.hosts: at least one host is required",
                    "document 1 (VirtualService shop/reviews): spec.http[0].route[0].destination.host: is required",
                    "document 2 (ServiceEntry shop/ext): spec.hosts: at least one host is required",
                    "document 3 (DestinationRule shop/reviews): spec.host: is required");
        }

        @Test
        void aSubsetReferencedButNotDefined() {
            assertThat(errors(docs(
                    dr("reviews", """
                            host: reviews
                            subsets: [{name: v1, labels: {version: v1}}]
                            """),
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - route:
                              - destination: {host: reviews, subset: v1}
                                weight: 50
                              - destination: {host: reviews.shop.svc.cluster.local, subset: v3}
                                weight: 50
                              mirror: {host: ratings, subset: v1}
                            tcp:
                            - route: [{destination: {host: reviews, subset: v9}}]
                            """)))).containsExactly(
                    "document 2 (VirtualService shop/reviews): spec.http[0].route[1].destination.subset: subset \"v3\" is not "
                            + "defined by a DestinationRule for reviews.shop.svc.cluster.local",
                    "document 2 (VirtualService shop/reviews): spec.http[0].mirror.subset: subset \"v1\" is not defined by a "
                            + "DestinationRule for ratings",
                    "document 2 (VirtualService shop/reviews): spec.tcp[0].route[0].destination.subset: subset \"v9\" is not "
                            + "defined by a DestinationRule for reviews");
        }

        @Test
        void aSubsetOfARuleInAnotherNamespaceIsForThatNamespacesHost() {
            String otherRule = """
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: reviews, namespace: other}
                    spec:
                      host: reviews
                      subsets: [{name: v1, labels: {version: v1}}]
                    """;
            assertThat(errors(docs(otherRule, vs("reviews", """
                    hosts: [reviews]
                    http: [{route: [{destination: {host: reviews, subset: v1}}]}]
                    """)))).containsExactly("document 2 (VirtualService shop/reviews): spec.http[0].route[0].destination.subset: "
                    + "subset \"v1\" is not defined by a DestinationRule for reviews");
        }

        @Test
        void aSubsetDefinedTwice() {
            assertThat(errors(dr("reviews", """
                    host: reviews
                    subsets:
                    - {name: v1, labels: {version: v1}}
                    - {name: v1, labels: {version: v2}}
                    """))).containsExactly(
                    "document 1 (DestinationRule shop/reviews): spec.subsets[1].name: subset \"v1\" is defined twice");
        }

        @Test
        void aBadApiVersionOrKind() {
            assertThat(errors(docs(
                    """
                    apiVersion: networking.istio.io/v2
                    kind: VirtualService
                    metadata: {name: reviews}
                    spec: {hosts: [reviews]}
                    """,
                    """
                    apiVersion: networking.istio.io/v1
                    kind: Service
                    metadata: {name: reviews}
                    spec: {}
                    """,
                    """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: reviews}
                    spec: {}
                    """))).satisfiesExactly(
                    e -> assertThat(e).startsWith("document 1 (VirtualService shop/reviews): apiVersion: "
                            + "\"networking.istio.io/v2\" is not one of [").contains("networking.istio.io/v1beta1"),
                    e -> assertThat(e).isEqualTo("document 2 (Service shop/reviews): kind: \"Service\" is not ServiceEntry, "
                            + "VirtualService or DestinationRule"),
                    e -> assertThat(e).startsWith("document 3 (Service shop/reviews): apiVersion: \"v1\" is not one of ["));
        }

        @Test
        void aDocumentWithoutItsKubernetesParts() {
            assertThat(errors(docs(
                    "kind: VirtualService\nspec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}\n",
                    "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {namespace: shop}\n",
                    "- just\n- a list\n"))).containsExactly(
                    "document 1 (VirtualService shop/): apiVersion: is required",
                    "document 1 (VirtualService shop/): metadata: is required",
                    "document 2 (DestinationRule shop/): metadata.name: is required",
                    "document 2 (DestinationRule shop/): spec: is required",
                    "document 3: must be a resource (an object with apiVersion, kind, metadata, spec)");
        }

        @Test
        void textThatIsNotYamlNamesTheDocumentAndLine() {
            List<String> errors = errors(se("ok", "hosts: [a.example.com]") + "---\nkind: VirtualService\nspec: {hosts: [a\n");

            assertThat(errors).singleElement().satisfies(e -> assertThat(e)
                    .startsWith("document 2 line 9: not valid YAML or JSON: ")
                    .contains("expected ',' or ']'"));
        }

        @Test
        void brokenJson() {
            assertThat(errors("{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": ")).singleElement()
                    .satisfies(e -> assertThat(e).startsWith("document 1 line 1: not valid YAML or JSON: "));
        }

        @Test
        void wrongTypes() {
            assertThat(errors(docs(
                    se("ext", """
                            hosts: api.example.com
                            ports:
                            - {number: eighty, name: http}
                            - 443
                            endpoints: {address: 10.0.0.1}
                            resolution: [STATIC]
                            """),
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - route: [{destination: {host: reviews}}]
                              fault: {abort: {httpStatus: 503, percentage: 50}}
                              headers: {request: {set: {x-a: {nested: true}}}}
                            """),
                    dr("reviews", """
                            host: [reviews]
                            trafficPolicy: {outlierDetection: {maxEjectionPercent: 12.5}}
                            """)))).containsExactly(
                    "document 1 (ServiceEntry shop/ext): spec.hosts: must be a list of strings",
                    "document 1 (ServiceEntry shop/ext): spec.hosts: at least one host is required",
                    "document 1 (ServiceEntry shop/ext): spec.ports[1]: must be an object",
                    "document 1 (ServiceEntry shop/ext): spec.ports[0].number: must be a whole number",
                    "document 1 (ServiceEntry shop/ext): spec.resolution: must be a string",
                    "document 1 (ServiceEntry shop/ext): spec.endpoints: must be a list",
                    "document 2 (VirtualService shop/reviews): spec.http[0].fault.abort.percentage: must be an object",
                    "document 2 (VirtualService shop/reviews): spec.http[0].headers.request.set.x-a: must be a string",
                    "document 3 (DestinationRule shop/reviews): spec.host: must be a string",
                    "document 3 (DestinationRule shop/reviews): spec.host: is required",
                    "document 3 (DestinationRule shop/reviews): spec.trafficPolicy.outlierDetection.maxEjectionPercent: "
                            + "must be a whole number");
        }

        @Test
        void negativeNumbers() {
            assertThat(errors(docs(
                    dr("reviews", """
                            host: reviews
                            trafficPolicy:
                              connectionPool:
                                tcp: {maxConnections: -1}
                                http: {maxRetries: -2}
                              outlierDetection: {consecutive5xxErrors: -3}
                            """),
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: -1}
                            """)))).containsExactly(
                    "document 1 (DestinationRule shop/reviews): spec.trafficPolicy.connectionPool.tcp.maxConnections: "
                            + "-1 is out of range 0-2147483647",
                    "document 1 (DestinationRule shop/reviews): spec.trafficPolicy.connectionPool.http.maxRetries: "
                            + "-2 is out of range 0-2147483647",
                    "document 1 (DestinationRule shop/reviews): spec.trafficPolicy.outlierDetection.consecutive5xxErrors: "
                            + "-3 is out of range 0-2147483647",
                    "document 2 (VirtualService shop/reviews): spec.http[0].retries.attempts: -1 is out of range 0-100");
        }

        @Test
        void portsOutOfRange() {
            assertThat(errors(docs(
                    se("ext", """
                            hosts: [api.example.com]
                            ports:
                            - {number: 70000, name: http}
                            - {number: 0, name: grpc, targetPort: 65536}
                            - {name: tcp}
                            resolution: STATIC
                            endpoints: [{address: 10.0.0.1, ports: {http: 99999}}]
                            """),
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - match: [{port: 65536}]
                              route: [{destination: {host: reviews, port: {number: 0}}}]
                            """)))).containsExactly(
                    "document 1 (ServiceEntry shop/ext): spec.ports[0].number: 70000 is out of range 1-65535",
                    "document 1 (ServiceEntry shop/ext): spec.ports[1].number: 0 is out of range 1-65535",
                    "document 1 (ServiceEntry shop/ext): spec.ports[1].targetPort: 65536 is out of range 1-65535",
                    "document 1 (ServiceEntry shop/ext): spec.ports[2].number: is required",
                    "document 1 (ServiceEntry shop/ext): spec.endpoints[0].ports.http: \"99999\" is not a port number",
                    "document 2 (VirtualService shop/reviews): spec.http[0].match[0].port: 65536 is out of range 1-65535",
                    "document 2 (VirtualService shop/reviews): spec.http[0].route[0].destination.port.number: "
                            + "0 is out of range 1-65535");
        }

        @Test
        void badEnumValuesNameTheChoices() {
            assertThat(errors(docs(
                    se("ext", "hosts: [api.example.com]\nresolution: MAGIC\n"),
                    dr("reviews", "host: reviews\ntrafficPolicy: {loadBalancer: {simple: round_robin}}\n")))).containsExactly(
                    "document 1 (ServiceEntry shop/ext): spec.resolution: \"MAGIC\" is not one of [NONE, STATIC, DNS, "
                            + "DNS_ROUND_ROBIN]",
                    "document 2 (DestinationRule shop/reviews): spec.trafficPolicy.loadBalancer.simple: \"round_robin\" is not "
                            + "one of [ROUND_ROBIN, LEAST_REQUEST, RANDOM]");
        }

        @Test
        void badServiceEntries() {
            assertThat(errors(docs(
                    se("static", """
                            hosts: [db.example.com]
                            addresses: [10.0.0.300, 10.0.0.0/33]
                            ports: [{number: 5432, name: pg, protocol: POSTGRES}]
                            resolution: STATIC
                            endpoints: [{address: db1.example.com}]
                            """),
                    se("empty-static", """
                            hosts: [cache.example.com]
                            resolution: STATIC
                            """),
                    se("dns-wildcard", """
                            hosts: ["*.example.com"]
                            resolution: DNS
                            """)))).satisfiesExactly(
                    e -> assertThat(e).startsWith("document 1 (ServiceEntry shop/static): spec.addresses[0]: \"10.0.0.300\" is "
                            + "not an IP address or CIDR"),
                    e -> assertThat(e).isEqualTo("document 1 (ServiceEntry shop/static): spec.addresses[1]: \"10.0.0.0/33\" has "
                            + "prefix length 33, more than 32"),
                    e -> assertThat(e).startsWith("document 1 (ServiceEntry shop/static): spec.ports[0].protocol: \"POSTGRES\" is "
                            + "not one of ["),
                    e -> assertThat(e).isEqualTo("document 1 (ServiceEntry shop/static): spec.endpoints[0].address: "
                            + "\"db1.example.com\" must be an IP address with resolution STATIC"),
                    e -> assertThat(e).isEqualTo("document 2 (ServiceEntry shop/empty-static): spec.endpoints: resolution "
                            + "STATIC needs endpoints"),
                    e -> assertThat(e).isEqualTo("document 3 (ServiceEntry shop/dns-wildcard): spec.hosts: \"*.example.com\": "
                            + "resolution DNS cannot resolve a wildcard host"));
        }

        @Test
        void serviceEntryRulesIstioEnforces() {
            assertThat(errors(docs(
                    se("ports", """
                            hosts: [api.example.com]
                            ports:
                            - {number: 80, name: http}
                            - {number: 80, name: http2}
                            - {number: 81, name: http}
                            - {number: 82}
                            resolution: STATIC
                            endpoints: [{address: 10.0.0.1, ports: {grpc: 9000}}]
                            """),
                    se("none", """
                            hosts: [api.example.com]
                            endpoints: [{address: 10.0.0.1}]
                            """),
                    se("rr", """
                            hosts: [api.example.com]
                            addresses: [10.9.0.0/16]
                            resolution: DNS_ROUND_ROBIN
                            endpoints: [{address: a.example.com}, {address: b.example.com}]
                            """),
                    se("all", "hosts: [\"*\"]\n")))).containsExactly(
                    "document 1 (ServiceEntry shop/ports): spec.ports[1].number: port 80 is defined twice",
                    "document 1 (ServiceEntry shop/ports): spec.ports[2].name: port name \"http\" is defined twice",
                    "document 1 (ServiceEntry shop/ports): spec.ports[3].name: is required",
                    "document 1 (ServiceEntry shop/ports): spec.endpoints[0].ports.grpc: the ServiceEntry has no port named "
                            + "\"grpc\"",
                    "document 2 (ServiceEntry shop/none): spec.endpoints: resolution NONE takes no endpoints (connections go "
                            + "where the client sent them)",
                    "document 3 (ServiceEntry shop/rr): spec.addresses: CIDR addresses are allowed only with resolution NONE or "
                            + "STATIC",
                    "document 3 (ServiceEntry shop/rr): spec.endpoints: resolution DNS_ROUND_ROBIN takes at most one endpoint",
                    "document 4 (ServiceEntry shop/all): spec.hosts: \"*\" is not allowed: a ServiceEntry cannot be for every "
                            + "host");
        }

        @Test
        void aStaticServiceEntryWithAWorkloadSelectorInsteadOfEndpointsIsAWarning() throws TrafficConfigException {
            TrafficConfig config = read(se("vms", """
                    hosts: [vms.example.com]
                    resolution: STATIC
                    workloadSelector: {labels: {app: vm}}
                    """));

            assertThat(config.serviceEntries().get(0).endpoints()).isEmpty();
            assertThat(config.unimplemented()).containsExactly("document 1 (ServiceEntry shop/vms): spec.workloadSelector");
        }

        @Test
        void badRoutes() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    gateways: [ingress/edge]
                    http:
                    - match: [{uri: {prefix: /a}}]
                    - route: [{destination: {host: reviews}}]
                      redirect: {uri: /b}
                    - route: [{weight: 100}]
                    - route: [{destination: {host: reviews}}]
                      retries: {attempts: 2, retryOn: "5xx,sometimes"}
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.gateways: only \"mesh\" applies to a sidecar; Tandem has no "
                            + "gateways",
                    "document 1 (VirtualService shop/reviews): spec.http[0].route: a route needs destinations or a redirect",
                    "document 1 (VirtualService shop/reviews): spec.http[1].redirect: a route has destinations or a redirect, "
                            + "not both",
                    "document 1 (VirtualService shop/reviews): spec.http[2].route[0].destination: is required",
                    "document 1 (VirtualService shop/reviews): spec.http[2].route: a route needs destinations or a redirect",
                    "document 1 (VirtualService shop/reviews): spec.http[3].retries.retryOn: \"sometimes\" is not a retry "
                            + "condition (e.g. 5xx, gateway-error, connect-failure, reset, refused-stream, retriable-4xx, "
                            + "retriable-status-codes, 503)");
        }

        @Test
        void aRedirectCannotComeWithARewriteOrAFaultAndMustChangeSomething() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - redirect: {uri: /b}
                      rewrite: {uri: /c}
                      fault: {abort: {httpStatus: 500}}
                    - redirect: {redirectCode: 302}
                    - redirect: {scheme: ftp, redirectCode: 200}
                    - route: [{destination: {host: reviews}}]
                      rewrite: {}
                      fault: {}
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].rewrite: a route has a redirect or a rewrite, not both",
                    "document 1 (VirtualService shop/reviews): spec.http[0].fault: a route has a redirect or a fault, not both",
                    "document 1 (VirtualService shop/reviews): spec.http[1].redirect: a redirect must change the uri, authority, "
                            + "scheme or port",
                    "document 1 (VirtualService shop/reviews): spec.http[2].redirect.redirectCode: 200 is out of range 300-399",
                    "document 1 (VirtualService shop/reviews): spec.http[2].redirect.scheme: \"ftp\" is not http or https",
                    "document 1 (VirtualService shop/reviews): spec.http[3].rewrite: a rewrite must change the uri or the "
                            + "authority",
                    "document 1 (VirtualService shop/reviews): spec.http[3].fault: a fault needs an abort, a delay or both");
        }

        @Test
        void retryFieldsWithRetriesOff() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route: [{destination: {host: reviews}}]
                      retries: {perTryTimeout: 2s}
                    - route: [{destination: {host: reviews}}]
                      retries: {attempts: 0, retryOn: 5xx}
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].retries.attempts: retries are off with 0 attempts "
                            + "(the default), yet perTryTimeout, retryOn or retryRemoteLocalities is set",
                    "document 1 (VirtualService shop/reviews): spec.http[1].retries.attempts: retries are off with 0 attempts "
                            + "(the default), yet perTryTimeout, retryOn or retryRemoteLocalities is set");
        }

        @Test
        void wildcardsThatMeanEverything() {
            assertThat(errors(vs("all", """
                    hosts: ["*"]
                    http: [{route: [{destination: {host: "*"}}]}]
                    """))).containsExactly(
                    "document 1 (VirtualService shop/all): spec.hosts: \"*\" is not allowed for a VirtualService of the mesh "
                            + "(a sidecar's)",
                    "document 1 (VirtualService shop/all): spec.http[0].route[0].destination.host: \"*\" is not a destination");
        }

        @Test
        void aVirtualServiceWithoutRoutes() {
            assertThat(errors(vs("reviews", "hosts: [reviews]\n"))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http: a VirtualService needs http, tcp or tls routes");
        }

        @Test
        void badFaultsAndPercentages() {
            assertThat(errors(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route: [{destination: {host: reviews}}]
                      fault:
                        abort: {httpStatus: 700, percentage: {value: 150}}
                        delay: {percentage: {value: 10}}
                      mirror: {host: shadow}
                      mirrorPercentage: {value: -1}
                    """))).containsExactly(
                    "document 1 (VirtualService shop/reviews): spec.http[0].fault.delay.fixedDelay: is required",
                    "document 1 (VirtualService shop/reviews): spec.http[0].fault.abort.httpStatus: 700 is out of range 200-599",
                    "document 1 (VirtualService shop/reviews): spec.http[0].fault.abort.percentage.value: must be a number from "
                            + "0 to 100",
                    "document 1 (VirtualService shop/reviews): spec.http[0].mirrorPercentage.value: must be a number from 0 to "
                            + "100");
        }

        @Test
        void aTcpRouteNeedsDestinations() {
            assertThat(errors(vs("db", """
                    hosts: [db]
                    tcp:
                    - match: [{port: 5432}]
                    """))).containsExactly(
                    "document 1 (VirtualService shop/db): spec.tcp[0].route: a TCP route needs destinations");
        }

        @Test
        void everyErrorOfAFileIsReportedInOrder() {
            List<String> errors = errors(docs(
                    se("ext", "hosts: [api.example.com]\nports: [{number: 0, name: http}]\n"),
                    vs("reviews", """
                            hosts: [reviews]
                            http:
                            - route:
                              - destination: {host: reviews, subset: v1}
                                weight: 10
                              timeout: soon
                            """),
                    dr("reviews", "host: reviews\ntrafficPolicy: {outlierDetection: {maxEjectionPercent: 101}}\n")));

            assertThat(errors).containsExactly(
                    "document 1 (ServiceEntry shop/ext): spec.ports[0].number: 0 is out of range 1-65535",
                    "document 2 (VirtualService shop/reviews): spec.http[0].timeout: \"soon\" is not a duration "
                            + "(e.g. 10s, 0.5s, 250ms, 3m)",
                    "document 3 (DestinationRule shop/reviews): spec.trafficPolicy.outlierDetection.maxEjectionPercent: "
                            + "101 is out of range 0-100",
                    "document 2 (VirtualService shop/reviews): spec.http[0].route[0].destination.subset: subset \"v1\" is not "
                            + "defined by a DestinationRule for reviews");
        }
    }
}
