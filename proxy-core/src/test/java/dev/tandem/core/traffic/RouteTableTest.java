package dev.tandem.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.traffic.HttpDecision.Answer;
import dev.tandem.core.traffic.HttpDecision.Forward;
import dev.tandem.core.traffic.Model.HeaderOps;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteTableTest {

    private static final RouteTable.Identity IDENTITY =
            new RouteTable.Identity("shop", "cluster.local", Map.of("app", "web", "version", "v1"));

    private static RouteTable table(String yaml) throws TrafficConfigException {
        return RouteTable.build(new TrafficConfigReader("shop", "cluster.local").read(yaml, "traffic.yaml"), IDENTITY,
                new EndpointRegistry(), null);
    }

    /** A request as routing sees it: header names in lower case, the original destination as the kernel gave it. */
    private record Request(String method, String path, String authority, Map<String, String> headers, OrigDstAddr origDst)
            implements RequestView {

        @Override
        public String header(String name) {
            return headers.get(name);
        }

        Request with(String name, String value) {
            Map<String, String> more = new HashMap<>(headers);
            more.put(name, value);
            return new Request(method, path, authority, more, origDst);
        }

        Request method(String newMethod) {
            return new Request(newMethod, path, authority, headers, origDst);
        }

        Request to(String ip, int port) {
            return new Request(method, path, authority, headers, dst(ip, port));
        }
    }

    /** A GET for {@code authority}, sent to a service address at the authority's port (80 without one). */
    private static Request get(String authority, String path) {
        int colon = authority.lastIndexOf(':');
        int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
        return new Request("GET", path, authority, Map.of(), dst("10.96.0.10", port));
    }

    private static OrigDstAddr dst(String ip, int port) {
        return new OrigDstAddr(new InetSocketAddress(Addresses.parseIp(ip), port));
    }

    private static RoutePlan forward(HttpDecision decision) {
        assertThat(decision).isInstanceOf(Forward.class);
        return ((Forward) decision).plan();
    }

    private static Answer answer(HttpDecision decision) {
        assertThat(decision).isInstanceOf(Answer.class);
        return (Answer) decision;
    }

    private static String clusterOf(HttpDecision decision) {
        Cluster cluster = forward(decision).cluster();
        return cluster == null ? null : cluster.name();
    }

    private static String vs(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s}
                spec:
                %s
                ---
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private static String se(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                %s
                ---
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private static String dr(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                %s
                ---
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    // --- Which VirtualService a request's host selects

    @Nested
    class Hosts {

        private final RouteTable table;

        Hosts() throws TrafficConfigException {
            table = table(vs("reviews", """
                    hosts: [reviews]
                    http: [{route: [{destination: {host: reviews-v2}}]}]
                    """)
                    + vs("api", """
                    hosts: [api.example.com]
                    http: [{route: [{destination: {host: api-backend.example.com}}]}]
                    """)
                    + vs("wild", """
                    hosts: ["*.example.com"]
                    http: [{route: [{destination: {host: wild.example.com}}]}]
                    """));
        }

        @ParameterizedTest
        @ValueSource(strings = {"reviews:9080", "reviews.shop:9080", "reviews.shop.svc:9080",
                "reviews.shop.svc.cluster.local:9080", "Reviews.Shop.svc.cluster.local:9080"})
        void aShortNameIsCompletedWithTheNamespaceAndMatchesEveryFormAClientMayUse(String authority) {
            assertThat(clusterOf(table.route(get(authority, "/")))).isEqualTo("outbound|9080||reviews-v2.shop.svc.cluster.local");
        }

        @Test
        void aServiceOfAnotherNamespaceIsNotTheVirtualServicesHost() {
            assertThat(forward(table.route(get("reviews.other:9080", "/"))).cluster()).isNull();
            assertThat(forward(table.route(get("reviews.other.svc.cluster.local:9080", "/"))).cluster()).isNull();
        }

        @Test
        void aFullyQualifiedHostMatchesWithOrWithoutPort() {
            assertThat(clusterOf(table.route(get("api.example.com", "/")))).isEqualTo("outbound|80||api-backend.example.com");
            assertThat(clusterOf(table.route(get("api.example.com:8443", "/"))))
                    .isEqualTo("outbound|8443||api-backend.example.com");
        }

        @Test
        void aWildcardHostMatchesEverySubdomainButNotTheDomainItself() {
            assertThat(clusterOf(table.route(get("shop.example.com", "/")))).isEqualTo("outbound|80||wild.example.com");
            assertThat(clusterOf(table.route(get("a.b.example.com", "/")))).isEqualTo("outbound|80||wild.example.com");
            assertThat(forward(table.route(get("example.com", "/"))).cluster()).isNull();
            assertThat(forward(table.route(get("example.org", "/"))).cluster()).isNull();
        }

        @Test
        void anExactHostWinsOverAWildcardWrittenBeforeIt() throws TrafficConfigException {
            RouteTable wildcardFirst = table(vs("wild", """
                    hosts: ["*.example.com"]
                    http: [{route: [{destination: {host: wild.example.com}}]}]
                    """) + vs("api", """
                    hosts: [api.example.com]
                    http: [{route: [{destination: {host: api-backend.example.com}}]}]
                    """) + vs("deeper", """
                    hosts: ["*.eu.example.com"]
                    http: [{route: [{destination: {host: eu.example.com}}]}]
                    """));

            assertThat(clusterOf(wildcardFirst.route(get("api.example.com", "/")))).isEqualTo("outbound|80||api-backend.example.com");
            assertThat(clusterOf(wildcardFirst.route(get("shop.example.com", "/")))).isEqualTo("outbound|80||wild.example.com");
            assertThat(clusterOf(wildcardFirst.route(get("shop.eu.example.com", "/")))).isEqualTo("outbound|80||eu.example.com");
        }
    }

    // --- Which route of the VirtualService a request matches

    @Nested
    class Matches {

        private final RouteTable table;

        Matches() throws TrafficConfigException {
            table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - name: login
                      match: [{uri: {exact: /login}}]
                      route: [{destination: {host: login}}]
                    - name: items
                      match: [{uri: {regex: "/items/[0-9]+"}}]
                      route: [{destination: {host: items}}]
                    - name: api
                      match: [{uri: {prefix: /api}}]
                      route: [{destination: {host: api}}]
                    - name: api-v2
                      match: [{uri: {prefix: /api/v2}}]
                      route: [{destination: {host: api-v2}}]
                    - name: shouting
                      match: [{uri: {prefix: /loud}, ignoreUriCase: true}]
                      route: [{destination: {host: loud}}]
                    - name: tester
                      match:
                      - headers:
                          X-Tester: {exact: "yes"}
                          user-agent: {regex: ".*curl.*"}
                      route: [{destination: {host: tester}}]
                    - name: beta
                      match: [{headers: {cookie: {prefix: "beta="}}}]
                      route: [{destination: {host: beta}}]
                    - name: writes
                      match: [{method: {regex: "POST|PUT"}}]
                      route: [{destination: {host: writer}}]
                    - name: batch-only
                      match: [{sourceLabels: {app: batch}}]
                      route: [{destination: {host: batch}}]
                    - name: web-v1
                      match: [{uri: {prefix: /labels}, sourceLabels: {app: web, version: v1}}]
                      route: [{destination: {host: web-v1}}]
                    - name: admin-port
                      match: [{port: 9090}]
                      route: [{destination: {host: admin}}]
                    - name: either
                      match: [{uri: {exact: /a}}, {uri: {exact: /b}}]
                      route: [{destination: {host: either}}]
                    """));
        }

        private String routeOf(Request request) {
            return forward(table.route(request)).route();
        }

        private Request request(String path) {
            return get("reviews:9080", path);
        }

        @Test
        void exactMatchesTheWholePathWithoutItsQuery() {
            assertThat(routeOf(request("/login"))).isEqualTo("login");
            assertThat(routeOf(request("/login?next=/home"))).isEqualTo("login");
            assertThat(table.route(request("/login/again"))).isInstanceOf(Answer.class);
            assertThat(table.route(request("/Login"))).as("case matters").isInstanceOf(Answer.class);
        }

        @Test
        void regexMatchesTheWholePath() {
            assertThat(routeOf(request("/items/42"))).isEqualTo("items");
            assertThat(routeOf(request("/items/42?x=1"))).isEqualTo("items");
            assertThat(table.route(request("/items/abc"))).isInstanceOf(Answer.class);
            assertThat(table.route(request("/items/42/reviews"))).isInstanceOf(Answer.class);
        }

        @Test
        void theFirstMatchingRouteWinsEvenWhenALaterOneIsMoreSpecific() {
            assertThat(routeOf(request("/api/v2/users"))).isEqualTo("api");
            assertThat(routeOf(request("/api"))).isEqualTo("api");
        }

        @Test
        void ignoreUriCaseMakesPrefixesCaseInsensitive() {
            assertThat(routeOf(request("/LOUD/noises"))).isEqualTo("shouting");
            assertThat(routeOf(request("/loud"))).isEqualTo("shouting");
        }

        @Test
        void everyHeaderOfAMatchMustMatch() {
            Request both = request("/x").with("x-tester", "yes").with("user-agent", "curl/8.5");
            assertThat(routeOf(both)).isEqualTo("tester");
            assertThat(table.route(request("/x").with("x-tester", "yes").with("user-agent", "Mozilla")))
                    .isInstanceOf(Answer.class);
            assertThat(table.route(request("/x").with("x-tester", "YES").with("user-agent", "curl")))
                    .as("header values are case sensitive").isInstanceOf(Answer.class);
            assertThat(table.route(request("/x").with("user-agent", "curl"))).as("an absent header does not match")
                    .isInstanceOf(Answer.class);
            assertThat(routeOf(request("/x").with("cookie", "beta=1; theme=dark"))).isEqualTo("beta");
        }

        @Test
        void methodsMatch() {
            assertThat(routeOf(request("/x").method("POST"))).isEqualTo("writes");
            assertThat(routeOf(request("/x").method("PUT"))).isEqualTo("writes");
            assertThat(table.route(request("/x").method("DELETE"))).isInstanceOf(Answer.class);
        }

        @Test
        void sourceLabelsMatchThePodsOwnLabels() {
            // The pod is app=web,version=v1: the batch-only route never applies to it.
            assertThat(routeOf(request("/labels/x"))).isEqualTo("web-v1");
        }

        @Test
        void aPortMatchIsTheDestinationPort() {
            assertThat(routeOf(get("reviews:9090", "/anything"))).isEqualTo("admin-port");
            assertThat(table.route(get("reviews:9080", "/anything"))).isInstanceOf(Answer.class);
        }

        @Test
        void anyOfARoutesMatchesSuffices() {
            assertThat(routeOf(request("/a"))).isEqualTo("either");
            assertThat(routeOf(request("/b"))).isEqualTo("either");
        }

        @Test
        void aRequestNoRouteMatchesIsAnswered404NoRoute() {
            Answer answer = answer(table.route(request("/nothing/here")));

            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.flag()).isEqualTo(ResponseFlag.NR);
            assertThat(answer.body()).contains("VirtualService shop/reviews");
        }
    }

    // --- Where a request goes without a VirtualService

    @Test
    void withoutAnyConfigurationARequestGoesWhereItWasGoing() throws TrafficConfigException {
        RoutePlan plan = forward(table("").route(get("anything.example.com", "/x")));

        assertThat(plan.cluster()).isNull();
        assertThat(plan.path()).isNull();
        assertThat(plan.retries()).isNull();
        assertThat(plan.timeout()).isNull();
    }

    @Test
    void aHostOfAServiceEntryGoesToItsClusterWithItsEndpoints() throws TrafficConfigException {
        RouteTable table = table(se("ext", """
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                resolution: STATIC
                endpoints: [{address: 192.0.2.10}, {address: 192.0.2.11}]
                """));

        Cluster cluster = forward(table.route(get("api.example.com:443", "/"))).cluster();

        assertThat(cluster.name()).isEqualTo("outbound|443||api.example.com");
        assertThat(cluster.endpoints()).extracting(e -> Addresses.format(e.address()))
                .containsExactly("192.0.2.10:443", "192.0.2.11:443");
        assertThat(forward(table.route(get("api.example.com:443", "/again"))).cluster())
                .as("one cluster for all its requests, so its limits count them all").isSameAs(cluster);
        assertThat(forward(table.route(get("other.example.com", "/"))).cluster()).isNull();
    }

    @Test
    void aServiceEntryOfResolutionNoneSendsToTheOriginalDestination() throws TrafficConfigException {
        RouteTable table = table(se("ext", """
                hosts: [api.example.com]
                ports: [{number: 443, name: tls, protocol: TLS}]
                """));

        Cluster cluster = forward(table.route(get("api.example.com", "/").to("198.51.100.7", 443))).cluster();

        assertThat(cluster.name()).isEqualTo("outbound|443||api.example.com|198.51.100.7:443");
        assertThat(cluster.endpoints()).extracting(e -> Addresses.format(e.address())).containsExactly("198.51.100.7:443");
    }

    @Test
    void aShortNameOfAServiceEntryWithSeveralHostsNamesItsOwnCluster() throws TrafficConfigException {
        RouteTable table = table(se("pair", """
                hosts: [alpha, beta]
                ports: [{number: 80, name: http, protocol: HTTP}]
                resolution: STATIC
                endpoints: [{address: 10.0.0.1}]
                """));

        assertThat(clusterOf(table.route(get("beta", "/")))).isEqualTo("outbound|80||beta.shop.svc.cluster.local");
        assertThat(clusterOf(table.route(get("alpha.shop", "/")))).isEqualTo("outbound|80||alpha.shop.svc.cluster.local");
    }

    @Test
    void aRequestToAServiceEntrysAddressIsRoutedByTheVirtualServiceOfItsHost() throws TrafficConfigException {
        RouteTable table = table(se("legacy", """
                hosts: [legacy.example.com]
                addresses: [240.0.0.0/24]
                ports: [{number: 80, name: http, protocol: HTTP}]
                resolution: STATIC
                endpoints: [{address: 10.0.0.1}]
                """) + vs("legacy", """
                hosts: [legacy.example.com]
                http: [{route: [{destination: {host: modern.example.com}}]}]
                """));

        Request byIp = get("240.0.0.9", "/").to("240.0.0.9", 80);

        assertThat(clusterOf(table.route(byIp))).isEqualTo("outbound|80||modern.example.com");
        assertThat(clusterOf(table.route(get("10.1.1.1", "/").to("10.1.1.1", 80)))).isNull();
    }

    // --- What the matched route decides

    @Nested
    class Plans {

        @Test
        void clustersAreNamedOutboundPortSubsetHost() throws TrafficConfigException {
            RouteTable table = table(dr("reviews", """
                    host: reviews
                    subsets: [{name: v2, labels: {version: v2}}]
                    """) + vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /v2}}]
                      route: [{destination: {host: reviews, subset: v2}}]
                    - match: [{uri: {prefix: /port}}]
                      route: [{destination: {host: reviews.shop.svc.cluster.local, port: {number: 9443}}}]
                    - route: [{destination: {host: ratings}}]
                    """));

            assertThat(clusterOf(table.route(get("reviews:9080", "/v2")))).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
            assertThat(clusterOf(table.route(get("reviews:9080", "/port")))).isEqualTo("outbound|9443||reviews.shop.svc.cluster.local");
            assertThat(clusterOf(table.route(get("reviews:9080", "/")))).isEqualTo("outbound|9080||ratings.shop.svc.cluster.local");
        }

        @Test
        void weightsSplitRequestsInTheirProportions() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route:
                      - destination: {host: reviews-v1}
                        weight: 80
                      - destination: {host: reviews-v2}
                        weight: 20
                      - destination: {host: reviews-never}
                        weight: 0
                    """));

            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 10_000; i++) {
                counts.merge(clusterOf(table.route(get("reviews", "/"))), 1, Integer::sum);
            }

            assertThat(counts).containsOnlyKeys("outbound|80||reviews-v1.shop.svc.cluster.local",
                    "outbound|80||reviews-v2.shop.svc.cluster.local");
            assertThat(counts.get("outbound|80||reviews-v1.shop.svc.cluster.local") / 10_000.0).isCloseTo(0.80, within(0.03));
            assertThat(counts.get("outbound|80||reviews-v2.shop.svc.cluster.local") / 10_000.0).isCloseTo(0.20, within(0.03));
        }

        @Test
        void aPrefixRewriteReplacesTheMatchedPrefixKeepingTheRestAndTheQuery() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /api/v1}}]
                      rewrite: {uri: /v2}
                      route: [{destination: {host: reviews}}]
                    - match: [{uri: {exact: /old}}]
                      rewrite: {uri: /new, authority: reviews-next:8080}
                      route: [{destination: {host: reviews}}]
                    - match: [{uri: {prefix: /host-only}}]
                      rewrite: {authority: elsewhere}
                      route: [{destination: {host: reviews}}]
                    """));

            assertThat(forward(table.route(get("reviews", "/api/v1/items/7?sort=asc"))).path()).isEqualTo("/v2/items/7?sort=asc");
            assertThat(forward(table.route(get("reviews", "/api/v1"))).path()).isEqualTo("/v2");
            RoutePlan exact = forward(table.route(get("reviews", "/old?q=1")));
            assertThat(exact.path()).as("the whole path is replaced, the query kept").isEqualTo("/new?q=1");
            assertThat(exact.authority()).isEqualTo("reviews-next:8080");
            RoutePlan hostOnly = forward(table.route(get("reviews", "/host-only/x")));
            assertThat(hostOnly.path()).as("no uri rewrite: the path is left alone").isNull();
            assertThat(hostOnly.authority()).isEqualTo("elsewhere");
        }

        @Test
        void aRedirectIsAnsweredWithItsLocationAndCode() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /moved}}]
                      redirect: {uri: /new-home, authority: new.example.com, scheme: https, port: 8443, redirectCode: 308}
                    - match: [{uri: {prefix: /other-host}}]
                      redirect: {authority: other.example.com}
                    - match: [{uri: {prefix: /port-only}}]
                      redirect: {port: 8080}
                    """));

            Answer moved = answer(table.route(get("reviews:9080", "/moved/x?y=1")));
            assertThat(moved.status()).isEqualTo(308);
            assertThat(moved.flag()).as("a redirect is no failure").isNull();
            assertThat(moved.headers()).containsExactly(Map.entry("location", "https://new.example.com:8443/new-home"));

            Answer otherHost = answer(table.route(get("reviews:9080", "/other-host/x?y=1")));
            assertThat(otherHost.status()).isEqualTo(301);
            assertThat(otherHost.headers().get("location")).isEqualTo("http://other.example.com/other-host/x?y=1");

            assertThat(answer(table.route(get("reviews:9080", "/port-only"))).headers().get("location"))
                    .isEqualTo("http://reviews:8080/port-only");
        }

        @Test
        void aFaultAbortForEveryRequestIsAnsweredWithItsStatusAndFlagFI() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /always}}]
                      fault: {abort: {httpStatus: 503}}
                      route: [{destination: {host: reviews}}]
                    - fault: {abort: {httpStatus: 500, percentage: {value: 0}}}
                      route: [{destination: {host: reviews}}]
                    """));

            for (int i = 0; i < 100; i++) {
                Answer answer = answer(table.route(get("reviews", "/always")));
                assertThat(answer.status()).isEqualTo(503);
                assertThat(answer.flag()).isEqualTo(ResponseFlag.FI);
                assertThat(answer.body()).isEqualTo("fault filter abort");
                assertThat(forward(table.route(get("reviews", "/never"))).cluster().name())
                        .isEqualTo("outbound|80||reviews.shop.svc.cluster.local");
            }
        }

        @Test
        void aFaultAbortOfAPercentageAbortsAboutThatShare() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - fault: {abort: {httpStatus: 429, percentage: {value: 30}}}
                      route: [{destination: {host: reviews}}]
                    """));

            int aborted = 0;
            for (int i = 0; i < 10_000; i++) {
                if (table.route(get("reviews", "/")) instanceof Answer answer) {
                    assertThat(answer.status()).isEqualTo(429);
                    aborted++;
                }
            }
            assertThat(aborted / 10_000.0).isCloseTo(0.30, within(0.03));
        }

        @Test
        void aFaultDelayIsInThePlan() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /slow}}]
                      fault: {delay: {fixedDelay: 2s}}
                      route: [{destination: {host: reviews}}]
                    - route: [{destination: {host: reviews}}]
                      fault: {delay: {fixedDelay: 250ms, percentage: {value: 0}}}
                    """));

            assertThat(forward(table.route(get("reviews", "/slow"))).delay()).isEqualTo(Duration.ofSeconds(2));
            assertThat(forward(table.route(get("reviews", "/fast"))).delay()).isNull();
        }

        @Test
        void aMirrorIsInThePlanAsItsOwnCluster() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /mirrored}}]
                      route: [{destination: {host: reviews}}]
                      mirror: {host: reviews-shadow}
                    - match: [{uri: {prefix: /other-port}}]
                      route: [{destination: {host: reviews}}]
                      mirror: {host: reviews-shadow, port: {number: 7000}}
                    - route: [{destination: {host: reviews}}]
                      mirror: {host: reviews-shadow}
                      mirrorPercentage: {value: 0}
                    """));

            assertThat(forward(table.route(get("reviews:9080", "/mirrored"))).mirror().name())
                    .isEqualTo("outbound|9080||reviews-shadow.shop.svc.cluster.local");
            assertThat(forward(table.route(get("reviews:9080", "/other-port"))).mirror().name())
                    .isEqualTo("outbound|7000||reviews-shadow.shop.svc.cluster.local");
            assertThat(forward(table.route(get("reviews:9080", "/"))).mirror()).isNull();
        }

        @Test
        void retriesAndTimeoutAreInThePlan() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - match: [{uri: {prefix: /retried}}]
                      route: [{destination: {host: reviews}}]
                      timeout: 1.5s
                      retries: {attempts: 3, perTryTimeout: 500ms, retryOn: "gateway-error,connect-failure,409"}
                    - match: [{uri: {prefix: /defaults}}]
                      route: [{destination: {host: reviews}}]
                      retries: {attempts: 2}
                    - route: [{destination: {host: reviews}}]
                      timeout: 0s
                      retries: {attempts: 0}
                    """));

            RoutePlan retried = forward(table.route(get("reviews", "/retried")));
            assertThat(retried.timeout()).isEqualTo(Duration.ofMillis(1500));
            assertThat(retried.retries().attempts()).isEqualTo(3);
            assertThat(retried.retries().perTryTimeout()).isEqualTo(Duration.ofMillis(500));
            assertThat(retried.retries().on()).containsExactlyInAnyOrder("gateway-error", "connect-failure");
            assertThat(retried.retries().codes()).containsExactly(409);
            assertThat(retried.retries().retriable(502, -1)).isTrue();
            assertThat(retried.retries().retriable(409, -1)).isTrue();
            assertThat(retried.retries().retriable(500, -1)).isFalse();
            assertThat(retried.retries().retriable(RetryPolicy.Failure.CONNECT_FAILURE)).isTrue();

            RetryPolicy defaults = forward(table.route(get("reviews", "/defaults"))).retries();
            assertThat(defaults.on()).contains("connect-failure", "refused-stream", "unavailable", "cancelled");
            assertThat(defaults.retriable(503, -1)).as("Istio retries 503 by default").isTrue();
            assertThat(defaults.retriable(500, -1)).isFalse();
            assertThat(defaults.retriable(200, 14)).as("gRPC UNAVAILABLE").isTrue();

            RoutePlan none = forward(table.route(get("reviews", "/")));
            assertThat(none.retries()).as("attempts: 0 turns retries off").isNull();
            assertThat(none.timeout()).as("timeout: 0s is no timeout").isNull();
        }

        @Test
        void headerOperationsOfTheRouteAndOfTheChosenDestinationAreInThePlan() throws TrafficConfigException {
            RouteTable table = table(vs("reviews", """
                    hosts: [reviews]
                    http:
                    - route:
                      - destination: {host: reviews}
                        headers:
                          request: {set: {x-destination: reviews}}
                          response: {remove: [x-internal]}
                      headers:
                        request: {add: {x-route: main}, remove: [x-debug]}
                        response: {set: {cache-control: no-store}}
                    """));

            RoutePlan plan = forward(table.route(get("reviews", "/")));

            assertThat(plan.requestHeaders()).containsExactly(
                    new HeaderOps(Map.of(), Map.of("x-route", "main"), List.of("x-debug")),
                    new HeaderOps(Map.of("x-destination", "reviews"), Map.of(), List.of()));
            assertThat(plan.responseHeaders()).containsExactly(
                    new HeaderOps(Map.of("cache-control", "no-store"), Map.of(), List.of()),
                    new HeaderOps(Map.of(), Map.of(), List.of("x-internal")));
        }
    }

    // --- ServiceEntry endpoints and DestinationRule subsets

    @Nested
    class Endpoints {

        private static final String PAYMENTS = se("payments", """
                hosts: [payments.example.com]
                ports:
                - {number: 8080, name: http, protocol: HTTP, targetPort: 18080}
                - {number: 9000, name: admin, protocol: HTTP}
                resolution: STATIC
                endpoints:
                - {address: 10.1.0.1, labels: {version: v1}, ports: {http: 9090}}
                - {address: 10.1.0.2, labels: {version: v2, zone: a}}
                - {address: 10.1.0.3, labels: {version: v2, zone: b}, weight: 5}
                """) + dr("payments", """
                host: payments.example.com
                subsets:
                - {name: v1, labels: {version: v1}}
                - {name: v2, labels: {version: v2}}
                - {name: v2a, labels: {version: v2, zone: a}}
                """) + vs("payments", """
                hosts: [payments.example.com]
                http:
                - match: [{uri: {prefix: /v1}}]
                  route: [{destination: {host: payments.example.com, subset: v1}}]
                - match: [{uri: {prefix: /v2a}}]
                  route: [{destination: {host: payments.example.com, subset: v2a}}]
                - match: [{uri: {prefix: /v2}}]
                  route: [{destination: {host: payments.example.com, subset: v2}}]
                - route: [{destination: {host: payments.example.com}}]
                """);

        private List<String> endpointsFor(String authority, String path) throws TrafficConfigException {
            return forward(table(PAYMENTS).route(get(authority, path))).cluster().endpoints().stream()
                    .map(e -> Addresses.format(e.address()) + " w" + e.weight()).toList();
        }

        @Test
        void aSubsetHasTheEndpointsWithAllItsLabels() throws TrafficConfigException {
            assertThat(endpointsFor("payments.example.com:8080", "/v2/pay")).containsExactly("10.1.0.2:18080 w1", "10.1.0.3:18080 w5");
            assertThat(endpointsFor("payments.example.com:8080", "/v2a/pay")).containsExactly("10.1.0.2:18080 w1");
        }

        @Test
        void anEndpointsNamedPortWinsOverTheTargetPort() throws TrafficConfigException {
            assertThat(endpointsFor("payments.example.com:8080", "/v1/pay")).containsExactly("10.1.0.1:9090 w1");
        }

        @Test
        void withoutSubsetEveryEndpointServes() throws TrafficConfigException {
            assertThat(endpointsFor("payments.example.com:8080", "/")).containsExactly(
                    "10.1.0.1:9090 w1", "10.1.0.2:18080 w1", "10.1.0.3:18080 w5");
        }

        @Test
        void aPortWithoutTargetPortIsTheEndpointsPortToo() throws TrafficConfigException {
            assertThat(endpointsFor("payments.example.com:9000", "/")).containsExactly(
                    "10.1.0.1:9000 w1", "10.1.0.2:9000 w1", "10.1.0.3:9000 w5");
        }
    }

    // --- DestinationRule policies reach the cluster

    @Nested
    class Policies {

        private static final String ENDPOINTS = se("pool", """
                hosts: [pool.example.com]
                ports: [{number: 80, name: http, protocol: HTTP}]
                resolution: STATIC
                endpoints:
                - {address: 10.2.0.1, labels: {version: v1}}
                - {address: 10.2.0.2, labels: {version: v1}}
                - {address: 10.2.0.3, labels: {version: v2}}
                """);

        private Cluster clusterFor(String yaml, String path) throws TrafficConfigException {
            return forward(table(yaml).route(get("pool.example.com", path))).cluster();
        }

        @Test
        void connectionPoolLimitsAndOutlierDetectionReachTheCluster() throws TrafficConfigException {
            Cluster cluster = clusterFor(ENDPOINTS + dr("pool", """
                    host: pool.example.com
                    trafficPolicy:
                      connectionPool:
                        tcp: {maxConnections: 2, connectTimeout: 250ms}
                        http: {http1MaxPendingRequests: 1, http2MaxRequests: 3, maxRequestsPerConnection: 10, maxRetries: 1,
                               idleTimeout: 30s}
                      outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 1m, maxEjectionPercent: 100}
                    """), "/");

            assertThat(cluster.limits()).isEqualTo(new ClusterLimits(2, 1, 3, 10, 1, Duration.ofMillis(250),
                    Duration.ofSeconds(30)));
            assertThat(cluster.admitConnection()).isTrue();
            assertThat(cluster.admitConnection()).isTrue();
            assertThat(cluster.admitConnection()).as("the third connection overflows").isFalse();
            assertThat(cluster.admitRetry()).isTrue();
            assertThat(cluster.admitRetry()).isFalse();

            assertThat(cluster.detectsOutliers()).isTrue();
            Endpoint first = cluster.endpoints().get(0);
            cluster.report(first, 503);
            assertThat(cluster.choose(List.of())).isNotNull();
            for (int i = 0; i < 50; i++) {
                assertThat(cluster.choose(List.of())).as("the failing endpoint is ejected").isNotEqualTo(first);
            }
        }

        @Test
        void withoutDestinationRuleThereAreNoLimitsAndNoOutlierDetection() throws TrafficConfigException {
            Cluster cluster = clusterFor(ENDPOINTS, "/");

            assertThat(cluster.limits()).isEqualTo(ClusterLimits.NONE);
            assertThat(cluster.detectsOutliers()).isFalse();
        }

        @Test
        void theLoadBalancerOfTheRuleAndOfTheSubsetApply() throws TrafficConfigException {
            String yaml = ENDPOINTS + dr("pool", """
                    host: pool.example.com
                    trafficPolicy:
                      loadBalancer: {simple: ROUND_ROBIN}
                      connectionPool: {tcp: {maxConnections: 7}}
                    subsets:
                    - name: v1
                      labels: {version: v1}
                      trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                    """) + vs("pool", """
                    hosts: [pool.example.com]
                    http:
                    - match: [{uri: {prefix: /v1}}]
                      route: [{destination: {host: pool.example.com, subset: v1}}]
                    - route: [{destination: {host: pool.example.com}}]
                    """);

            Cluster all = clusterFor(yaml, "/");
            List<String> order = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                order.add(Addresses.format(all.choose(List.of()).address()));
            }
            assertThat(order).as("round robin").containsExactly("10.2.0.1:80", "10.2.0.2:80", "10.2.0.3:80",
                    "10.2.0.1:80", "10.2.0.2:80", "10.2.0.3:80");
            assertThat(all.limits().maxConnections()).isEqualTo(7);

            Cluster v1 = clusterFor(yaml, "/v1");
            assertThat(v1.name()).isEqualTo("outbound|80|v1|pool.example.com");
            assertThat(v1.limits().maxConnections()).as("the subset's own pool replaces the rule's").isEqualTo(1);
            assertThat(v1.endpoints()).hasSize(2);
        }

        @Test
        void theRuleForTheExactHostWinsOverAWildcardRule() throws TrafficConfigException {
            Cluster cluster = clusterFor(ENDPOINTS + dr("everything", """
                    host: "*.example.com"
                    trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                    """) + dr("pool", """
                    host: pool.example.com
                    trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}
                    """), "/");

            assertThat(cluster.limits().maxConnections()).isEqualTo(5);
        }

        @Test
        void aWildcardRuleAppliesToTheHostsItCovers() throws TrafficConfigException {
            Cluster cluster = clusterFor(ENDPOINTS + dr("everything", """
                    host: "*.example.com"
                    trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
                    """), "/");

            assertThat(cluster.limits().maxConnections()).isEqualTo(1);
        }
    }

    // --- TCP

    @Nested
    class Tcp {

        private final RouteTable table;

        Tcp() throws TrafficConfigException {
            table = table(se("db", """
                    hosts: [db.example.com]
                    addresses: [240.0.0.0/24]
                    ports: [{number: 5432, name: tcp-pg, protocol: TCP}, {number: 8080, name: http, protocol: HTTP}]
                    resolution: STATIC
                    endpoints: [{address: 10.3.0.1}]
                    """) + vs("db", """
                    hosts: [db.example.com]
                    tcp:
                    - match: [{port: 5432}]
                      route:
                      - destination: {host: db.example.com}
                        weight: 75
                      - destination: {host: db-replica.example.com}
                        weight: 25
                    """) + se("cache", """
                    hosts: [cache.example.com]
                    addresses: [240.0.1.1]
                    ports: [{number: 6379, name: redis, protocol: REDIS}, {number: 7000, name: admin, protocol: HTTP}]
                    resolution: STATIC
                    endpoints: [{address: 10.3.1.1}]
                    """) + se("queue", """
                    hosts: [queue.example.com]
                    addresses: [240.0.2.1]
                    ports: [{number: 4000, name: q}]
                    resolution: STATIC
                    endpoints: [{address: 10.3.2.1}]
                    """) + vs("queue", """
                    hosts: [queue.example.com]
                    tcp: [{route: [{destination: {host: queue.example.com}}]}]
                    """));
        }

        @Test
        void aConnectionToAServiceEntryAddressFollowsTheTcpRouteByPortAndWeight() {
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 4_000; i++) {
                counts.merge(table.routeTcp(dst("240.0.0.17", 5432)).name(), 1, Integer::sum);
            }

            assertThat(counts).containsOnlyKeys("outbound|5432||db.example.com", "outbound|5432||db-replica.example.com");
            assertThat(counts.get("outbound|5432||db.example.com") / 4_000.0).isCloseTo(0.75, within(0.04));
        }

        @Test
        void aConnectionNoTcpRouteMatchesGoesToTheServiceEntrysOwnCluster() {
            assertThat(table.routeTcp(dst("240.0.0.17", 8080)).name()).isEqualTo("outbound|8080||db.example.com");
            assertThat(table.routeTcp(dst("240.0.1.1", 6379)).name()).isEqualTo("outbound|6379||cache.example.com");
            assertThat(table.routeTcp(dst("240.0.1.1", 6379)).endpoints()).extracting(e -> Addresses.format(e.address()))
                    .containsExactly("10.3.1.1:6379");
        }

        @Test
        void aConnectionToAnAddressNoServiceEntryHasGoesWhereItWasGoing() {
            assertThat(table.routeTcp(dst("10.9.9.9", 5432))).isNull();
            assertThat(table.routeTcp(dst("240.0.1.1", 1234))).as("not one of its ports").isNull();
        }

        @Test
        void opaqueIsForTcpProtocolPortsAndForTcpOnlyVirtualServices() {
            assertThat(table.opaque(dst("240.0.0.17", 5432))).isTrue();
            assertThat(table.opaque(dst("240.0.1.1", 6379))).as("REDIS").isTrue();
            assertThat(table.opaque(dst("240.0.1.1", 7000))).as("HTTP").isFalse();
            assertThat(table.opaque(dst("240.0.2.1", 4000))).as("only tcp routes for it").isTrue();
            assertThat(table.opaque(dst("10.9.9.9", 5432))).isFalse();
        }
    }

    @Test
    void everyClusterMadeIsListed() throws TrafficConfigException {
        RouteTable table = table(vs("reviews", """
                hosts: [reviews]
                http: [{route: [{destination: {host: a}}], mirror: {host: b}}]
                """));

        table.route(get("reviews", "/"));

        assertThat(table.clusters()).extracting(Cluster::name).containsExactlyInAnyOrderElementsOf(Set.of(
                "outbound|80||a.shop.svc.cluster.local", "outbound|80||b.shop.svc.cluster.local"));
    }
}
