package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.launcher.mesh.Host;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Istio's traffic API applied by a real sidecar: pod {@code web} calls the service {@code reviews} (address
 * 10.96.0.10:9080) with its sidecar reading a file of ServiceEntry, VirtualService and DestinationRule resources.
 * The endpoints are pods with sidecars of their own ({@code v1}, {@code v2}) and pods without ({@code bad}, which
 * answers every request 503; {@code slow}, which answers after 200 ms). Each test writes the file, waits for the
 * sidecar to report the change applied, and asserts what the application saw and what reached the endpoints.
 */
@ExtendWith(ScenarioExtension.class)
class TrafficScenariosTest {

    private static final String REVIEWS = "10.96.0.10";
    private static final String RATINGS = "10.96.0.20";
    private static final String DB = "10.96.0.30";
    private static final int HTTP = 9080;
    private static final int TCP = 7000;
    private static final String HOST = "reviews.shop.svc.cluster.local";

    private static Mesh mesh;
    private static Pod web;
    private static Pod v1;
    private static Pod v2;
    private static Pod bad;
    private static Pod slow;
    private static Pod dns;
    private static Path config;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("traffic");
        web = mesh.pod("web");
        v1 = mesh.pod("v1");
        v2 = mesh.pod("v2");
        bad = mesh.pod("bad");
        slow = mesh.pod("slow");
        dns = mesh.pod("dns");
        dns.app("dns-server 53");
        dns.app("dns-set 53 ratings.example.org " + v1.ipv4());
        web.useNameServer(dns.ipv4());
        web.routeServiceAddresses();
        config = mesh.file("traffic.yaml", services(""));
        web.applyRules(Map.of());
        var env = new HashMap<String, String>();
        env.put("TANDEM_CONFIG", config.toString());
        env.put("TANDEM_NAMESPACE", "shop");
        env.put("TANDEM_APP", "web");
        env.put("TANDEM_VERSION", "v1");
        // Long enough that a server-first TCP call would stall visibly if a ServiceEntry's TCP port were not relayed
        // at once, without detection.
        env.put("TANDEM_DETECTION_TIMEOUT", "10s");
        web.startSidecar(env);
        for (Pod pod : List.of(v1, v2)) {
            pod.applyRules(Map.of());
            pod.startSidecar(Map.of("TANDEM_OPAQUE_PORTS", Integer.toString(TCP)));
            pod.app("mesh-server " + HTTP + " " + pod.name());
            pod.app("name-server " + TCP + " " + pod.name());
        }
        bad.app("mesh-server " + HTTP + " bad 0 503");
        slow.app("mesh-server " + HTTP + " slow 200");
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    /**
     * The ServiceEntries every test shares: reviews (static endpoints v1, v2, bad, slow, told apart by their version
     * label), db (a TCP service), and ratings (resolved by DNS); then the test's own resources.
     */
    private static String services(String more) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  addresses: [%1$s]
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints:
                  - {address: %4$s, labels: {version: v1, with-bad: "yes", with-slow: "yes"}}
                  - {address: %5$s, labels: {version: v2}}
                  - {address: %6$s, labels: {version: bad, with-bad: "yes"}}
                  - {address: %7$s, labels: {version: slow, with-slow: "yes"}}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.shop.svc.cluster.local]
                  addresses: [%3$s]
                  ports: [{number: 7000, name: tcp, protocol: TCP}]
                  resolution: STATIC
                  endpoints:
                  - {address: %4$s, labels: {version: v1}}
                  - {address: %5$s, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.example.org]
                  addresses: [%2$s]
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  resolution: DNS
                ---
                """.formatted(REVIEWS, RATINGS, DB, v1.ipv4(), v2.ipv4(), bad.ipv4(), slow.ipv4()) + more;
    }

    /** A DestinationRule for reviews with a subset per version, and the policy given (YAML of trafficPolicy). */
    private static String subsets(String trafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  %s
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                  - {name: bad, labels: {version: bad}}
                  - {name: slow, labels: {version: slow}}
                  - {name: v1-and-bad, labels: {with-bad: "yes"}}
                  - {name: v1-and-slow, labels: {with-slow: "yes"}}
                ---
                """.formatted(trafficPolicy.isEmpty() ? "" : "trafficPolicy:\n    " + trafficPolicy.replace("\n", "\n    "));
    }

    private static String virtualService(String http) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                """ + http.indent(2) + "---\n";
    }

    /** Writes the file and waits until the sidecar says it applied it; returns how long that took in ms. */
    private static long apply(String yaml) {
        long before = counter("tandem.config.update_success");
        long start = System.nanoTime();
        mesh.file("traffic.yaml", yaml);
        long deadline = start + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (counter("tandem.config.update_success") > before) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            sleep(50);
        }
        throw new AssertionError("the sidecar did not apply the new configuration in 5 s:\n" + web.sidecarLog());
    }

    private static long counter(String name) {
        String stats = web.app("get 127.0.0.1 15000 /stats");
        Matcher m = Pattern.compile(Pattern.quote(name) + ": (\\d+)").matcher(stats);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in admin /stats: " + stats);
        }
        return Long.parseLong(m.group(1));
    }

    private static Map<String, String> get(String path, String... headers) {
        return Pod.fields(web.app("mesh-get " + REVIEWS + " " + HTTP + " reviews " + path + " " + String.join(" ", headers)));
    }

    private static Map<String, String> load(String path, int n, int concurrency, String... headers) {
        return Pod.fields(web.app("mesh-load " + REVIEWS + " " + HTTP + " reviews " + path + " " + n + " " + concurrency
                + " " + String.join(" ", headers)));
    }

    /**
     * The web sidecar's access log lines (JSON) of requests for {@code path}, once there are {@code requests} of them:
     * the log is written off the event loop, a moment after each answer.
     */
    private static List<String> accessLog(String path, int requests) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        List<String> lines;
        do {
            lines = web.sidecarLog().lines().filter(l -> l.contains("\"path\":\"" + path)).toList();
            if (lines.size() >= requests) {
                break;
            }
            sleep(50);
        } while (System.nanoTime() < deadline);
        return lines;
    }

    /** How many of the requests counted in a {@code name:n,...} field were {@code key}. */
    private static int count(String counts, String key) {
        for (String entry : counts.split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon > 0 && entry.substring(0, colon).equals(key)) {
                return Integer.parseInt(entry.substring(colon + 1));
            }
        }
        return 0;
    }

    private static long served(Pod pod) {
        return Long.parseLong(Pod.fields(pod.app("mesh-stats " + HTTP)).get("requests"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- Routing

    @Test
    void an80To20SplitOver1000RequestsLandsWithinAFewPercent() {
        long took = apply(services(subsets("") + virtualService("""
                - route:
                  - {destination: {host: reviews, subset: v1}, weight: 80}
                  - {destination: {host: reviews, subset: v2}, weight: 20}
                """)));

        Map<String, String> result = load("/split", 1000, 8);

        assertThat(took).as("ms from the file's change to the sidecar applying it").isLessThan(1000);
        assertThat(result.get("statuses")).isEqualTo("200:1000");
        assertThat(count(result.get("names"), "v1")).isBetween(750, 850);
        assertThat(count(result.get("names"), "v2")).isBetween(150, 250);
    }

    @Test
    void aHeaderMatchPinsTheCanaryAndOtherRequestsTakeTheDefaultRoute() {
        apply(services(subsets("") + virtualService("""
                - match: [{headers: {x-canary: {exact: "yes"}}}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - route: [{destination: {host: reviews, subset: v1}}]
                """)));

        Map<String, String> canary = load("/canary", 50, 4, "x-canary:yes");
        Map<String, String> others = load("/canary", 50, 4, "x-canary:no");

        assertThat(canary.get("names")).isEqualTo("v2:50");
        assertThat(others.get("names")).isEqualTo("v1:50");
    }

    @Test
    void pathPrefixAndRegexRoutesWinInOrderAndAnUnmatchedPathIs404NoRoute() {
        apply(services(subsets("") + virtualService("""
                - match: [{uri: {prefix: /api/}}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - match: [{uri: {regex: "/items/[0-9]+"}}, {uri: {exact: /home}}]
                  route: [{destination: {host: reviews, subset: v1}}]
                """)));

        assertThat(get("/api/list")).containsEntry("status", "200").containsEntry("name", "v2");
        assertThat(get("/items/42?x=1")).containsEntry("status", "200").containsEntry("name", "v1");
        assertThat(get("/home")).containsEntry("name", "v1");
        assertThat(get("/items/abc")).containsEntry("status", "404").containsEntry("served-by", "-")
                .containsEntry("flag", "NR");
    }

    @Test
    void rewriteChangesPathAndAuthorityRedirectAnswersLocallyAndHeadersAreEdited() {
        apply(services(subsets("") + virtualService("""
                - match: [{uri: {prefix: /old/}}]
                  rewrite: {uri: /new/, authority: reviews-v2.internal}
                  headers:
                    request: {set: {x-added: "yes"}, remove: [x-remove-me]}
                    response: {add: {x-response-added: "1"}, remove: [x-upstream-header]}
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {exact: /moved}}]
                  redirect: {uri: /new-home, authority: shop.example.com, redirectCode: 301}
                - route: [{destination: {host: reviews, subset: v1}}]
                """)));

        Map<String, String> rewritten = get("/old/page?q=1", "x-remove-me:secret");
        Map<String, String> redirected = get("/moved");
        Map<String, String> plain = get("/plain", "x-remove-me:kept");

        assertThat(rewritten).containsEntry("status", "200").containsEntry("path", "/new/page?q=1")
                .containsEntry("host", "reviews-v2.internal").containsEntry("added", "yes")
                .containsEntry("removed", "null").containsEntry("response-added", "1")
                .containsEntry("upstream-header", "-");
        assertThat(redirected).containsEntry("status", "301").containsEntry("served-by", "-")
                .containsEntry("location", "http://shop.example.com/new-home");
        assertThat(plain).containsEntry("path", "/plain").containsEntry("removed", "kept")
                .containsEntry("upstream-header", "present");
    }

    @Test
    void sourceLabelsAndPortMatchTheCallingPod() {
        apply(services(subsets("") + virtualService("""
                - match: [{sourceLabels: {app: web, version: v2}}]
                  route: [{destination: {host: reviews, subset: bad}}]
                - match: [{sourceLabels: {app: web}, port: 9080}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - route: [{destination: {host: reviews, subset: v1}}]
                """)));

        assertThat(get("/who")).containsEntry("name", "v2");
    }

    // --- Resilience

    @Test
    void retriesTurnAnAlwaysFailingEndpointsFailuresIntoSuccessesAndTheCountsShowTheAttempts() {
        String retries = """
                - route: [{destination: {host: reviews, subset: v1-and-bad}}]
                  retries: {attempts: 3, retryOn: 5xx}
                """;
        String config = services(subsets("loadBalancer: {simple: ROUND_ROBIN}"));
        apply(config + virtualService("""
                - route: [{destination: {host: reviews, subset: v1-and-bad}}]
                """));
        long v1Before = served(v1);
        long badBefore = served(bad);
        Map<String, String> without = load("/no-retry", 100, 1);
        long badWithout = served(bad) - badBefore;

        apply(config + virtualService(retries));
        long v1Mid = served(v1);
        long badMid = served(bad);
        Map<String, String> with = load("/retry", 100, 1);
        long v1With = served(v1) - v1Mid;
        long badWith = served(bad) - badMid;

        assertThat(count(without.get("statuses"), "503")).as("503s without retries, round robin over two").isEqualTo(50);
        assertThat(badWithout).isEqualTo(50);
        assertThat(v1Mid - v1Before).isEqualTo(50);
        assertThat(with.get("statuses")).isEqualTo("200:100");
        assertThat(v1With).as("requests that reached v1").isEqualTo(100);
        assertThat(badWith).as("first attempts that reached the failing endpoint, each retried on v1").isBetween(30L, 70L);
    }

    @Test
    void retriesExhaustedAnswerTheLastFailureAfterEveryAttempt() {
        apply(services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: bad}}]
                  retries: {attempts: 2, retryOn: "5xx,connect-failure"}
                """)));
        long before = served(bad);

        Map<String, String> answer = get("/exhausted");

        assertThat(answer).containsEntry("status", "503").containsEntry("name", "bad").containsEntry("attempt", "3");
        assertThat(served(bad) - before).as("the first attempt and two retries").isEqualTo(3);
        assertThat(accessLog("/exhausted", 1)).as("the access log flags retries exhausted")
                .singleElement().satisfies(line -> assertThat(line).contains("\"response_flags\":\"URX\""));
    }

    @Test
    void aRouteTimeoutAndAPerTryTimeoutAnswer504OnTime() {
        apply(services(subsets("") + virtualService("""
                - match: [{uri: {prefix: /route-timeout}}]
                  timeout: 500ms
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /per-try}}]
                  retries: {attempts: 2, perTryTimeout: 300ms, retryOn: gateway-error}
                  route: [{destination: {host: reviews, subset: v1}}]
                """)));

        Map<String, String> route = get("/route-timeout/delay/3000");
        long before = served(v1);
        Map<String, String> perTry = get("/per-try/delay/3000");
        Map<String, String> fast = get("/per-try/delay/50");

        assertThat(route).containsEntry("status", "504");
        assertThat(Long.parseLong(route.get("ms"))).isBetween(480L, 1500L);
        assertThat(perTry).containsEntry("status", "504");
        assertThat(Long.parseLong(perTry.get("ms"))).as("three tries of 300 ms and two back-offs").isBetween(880L, 2500L);
        assertThat(served(v1) - before).isGreaterThanOrEqualTo(3);
        assertThat(fast).containsEntry("status", "200");
    }

    @Test
    void faultDelayAndAbortHappenAtTheConfiguredRates() {
        apply(services(subsets("") + virtualService("""
                - match: [{uri: {prefix: /fault-delay}}]
                  fault: {delay: {fixedDelay: 300ms, percentage: {value: 50}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /fault-abort}}]
                  fault: {abort: {httpStatus: 418, percentage: {value: 25}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                """)));
        long before = served(v1);

        Map<String, String> delayed = load("/fault-delay", 200, 16);
        Map<String, String> aborted = load("/fault-abort", 400, 8);

        assertThat(delayed.get("statuses")).isEqualTo("200:200");
        assertThat(Integer.parseInt(delayed.get("slow"))).as("requests delayed 300 ms of 200").isBetween(70, 130);
        assertThat(count(aborted.get("statuses"), "418")).as("aborted of 400").isBetween(65, 135);
        assertThat(served(v1) - before).as("aborted requests never reach the endpoint")
                .isEqualTo(200 + count(aborted.get("statuses"), "200"));
        assertThat(count(aborted.get("flags"), "FI")).isEqualTo(count(aborted.get("statuses"), "418"));
        assertThat(accessLog("/fault-delay", 200).stream().filter(l -> l.contains("\"response_flags\":\"DI\"")).count())
                .as("delayed requests flagged DI in the access log").isEqualTo(Integer.parseInt(delayed.get("slow")));
    }

    @Test
    void aMirrorReceivesCopiesWhoseAnswersAreDropped() {
        apply(services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: v1}}]
                  mirror: {host: reviews, subset: bad}
                  mirrorPercentage: {value: 100}
                """)));
        long before = served(bad);

        Map<String, String> result = load("/mirrored", 50, 2);

        assertThat(result.get("statuses")).isEqualTo("200:50");
        assertThat(result.get("names")).isEqualTo("v1:50");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (served(bad) - before < 50 && System.nanoTime() < deadline) {
            sleep(100);
        }
        assertThat(served(bad) - before).as("copies that reached the mirror").isEqualTo(50);
        assertThat(bad.app("mesh-stats " + HTTP)).contains("/mirrored:");
    }

    @Test
    void leastRequestFavoursTheFastEndpoint() {
        String config = services(subsets("loadBalancer: {simple: LEAST_REQUEST}"));
        apply(config + virtualService("""
                - route: [{destination: {host: reviews, subset: v1-and-slow}}]
                """));

        Map<String, String> result = load("/balanced", 400, 16);

        assertThat(result.get("statuses")).isEqualTo("200:400");
        assertThat(count(result.get("names"), "v1")).as("requests on the fast endpoint, of 400").isGreaterThan(300);
    }

    @Test
    void maxConnectionsAndPendingRequestsOverflowAnswer503UO() {
        apply(services(subsets("""
                connectionPool:
                  tcp: {maxConnections: 1}
                  http: {http1MaxPendingRequests: 1}""") + virtualService("""
                - route: [{destination: {host: reviews, subset: slow}}]
                """)));
        long before = served(slow);

        Map<String, String> result = load("/overflow", 12, 12);
        Map<String, String> server = Pod.fields(slow.app("mesh-stats " + HTTP));

        assertThat(count(result.get("statuses"), "503")).as("overflowed of 12: " + result).isGreaterThanOrEqualTo(6);
        assertThat(count(result.get("statuses"), "200")).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong(server.get("requests")) - before).isEqualTo(count(result.get("statuses"), "200"));
        assertThat(Integer.parseInt(server.get("max-active")))
                .as("requests at once: one connection, or one per event loop as Envoy allows").isBetween(1, 2);
        assertThat(count(result.get("flags"), "UO")).isEqualTo(count(result.get("statuses"), "503"));
    }

    @Test
    void overHttp2MaxRequestsPerConnectionSpreadsStreamsOverFreshConnections() {
        v2.app("h2-server 9090");
        apply(services("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo, namespace: shop}
                spec:
                  hosts: [echo.shop.svc.cluster.local]
                  addresses: [10.96.0.40]
                  ports: [{number: 9090, name: grpc, protocol: GRPC}]
                  resolution: STATIC
                  endpoints: [{address: %s}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo, namespace: shop}
                spec:
                  host: echo
                  trafficPolicy: {connectionPool: {http: {maxRequestsPerConnection: 2}}}
                """.formatted(v2.ipv4())));
        long before = inboundConnections(v2);

        Map<String, String> burst = Pod.fields(web.app("h2-burst 10.96.0.40 9090 10 /delay?ms=50"));

        assertThat(burst).as("one client connection, ten streams").containsEntry("ok", "10");
        assertThat(inboundConnections(v2) - before).as("connections the web sidecar opened to v2, two streams each")
                .isEqualTo(5);
    }

    private static long inboundConnections(Pod pod) {
        Matcher m = Pattern.compile("listener\\.inbound\\.downstream_cx_total: (\\d+)")
                .matcher(pod.app("get 127.0.0.1 15000 /stats"));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void outlierDetectionEjectsTheFailingEndpointAndReturnsItAfterTheEjectionTime() {
        String config = services(subsets("""
                loadBalancer: {simple: ROUND_ROBIN}
                outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 3s, maxEjectionPercent: 100}"""));
        apply(config + virtualService("""
                - route: [{destination: {host: reviews, subset: v1-and-bad}}]
                """));

        Map<String, String> first = load("/outlier", 20, 1);
        long badBefore = served(bad);
        Map<String, String> ejected = load("/outlier", 40, 1);
        long badWhileEjected = served(bad) - badBefore;
        sleep(4_200); // the ejection time, and up to one interval more: ejected endpoints come back at a sweep
        long badAfter = served(bad);
        Map<String, String> returned = load("/outlier", 20, 1);

        assertThat(count(first.get("statuses"), "503")).as("failures before the ejection").isEqualTo(3);
        assertThat(ejected.get("statuses")).isEqualTo("200:40");
        assertThat(badWhileEjected).isZero();
        assertThat(served(bad) - badAfter).as("requests on the endpoint once back").isPositive();
        assertThat(count(returned.get("statuses"), "503")).isPositive();
    }

    @Test
    void aSubsetWhoseEveryEndpointIsEjectedAnswers503NoHealthyUpstream() {
        apply(services(subsets("""
                outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 1s, maxEjectionPercent: 100}""")
                + virtualService("""
                - route: [{destination: {host: reviews, subset: bad}}]
                """)));

        Map<String, String> failing = load("/no-healthy", 2, 1);
        Map<String, String> none = get("/no-healthy");
        sleep(2_100); // back in the pool before the next test

        assertThat(failing.get("statuses")).isEqualTo("503:2");
        assertThat(none).containsEntry("status", "503").containsEntry("flag", "UH");
    }

    // --- Service discovery and TCP

    @Test
    void aDnsResolvedServiceEntryFollowsItsNameAsTheAnswerChanges() {
        apply(services(""));
        Map<String, String> before = Pod.fields(web.app("mesh-get " + RATINGS + " " + HTTP + " ratings.example.org /dns"));

        dns.app("dns-set 53 ratings.example.org " + v2.ipv4());
        long changed = System.nanoTime();
        Map<String, String> after = Map.of();
        long deadline = changed + 8_000_000_000L;
        while (System.nanoTime() < deadline) {
            after = Pod.fields(web.app("mesh-get " + RATINGS + " " + HTTP + " ratings.example.org /dns"));
            if ("v2".equals(after.get("name"))) {
                break;
            }
            sleep(200);
        }
        long followedMs = (System.nanoTime() - changed) / 1_000_000;
        dns.app("dns-set 53 ratings.example.org " + v1.ipv4());

        assertThat(before).containsEntry("status", "200").containsEntry("name", "v1");
        assertThat(after).containsEntry("name", "v2");
        assertThat(followedMs).as("followed the new answer within a few TTLs of one second").isLessThan(3_500);
    }

    @Test
    void aTcpRouteByPortSplitsConnectionsByWeight() {
        apply(services("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: db, namespace: shop}
                spec:
                  host: db
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db]
                  tcp:
                  - match: [{port: 7000}]
                    route:
                    - {destination: {host: db, subset: v1}, weight: 70}
                    - {destination: {host: db, subset: v2}, weight: 30}
                """));

        long began = System.nanoTime();
        String names = Pod.fields(web.app("names " + DB + " " + TCP + " 300")).get("names");
        long tookMs = (System.nanoTime() - began) / 1_000_000;

        assertThat(tookMs).as("300 server-first connections, none waiting for protocol detection").isLessThan(8_000);
        assertThat(count(names, "v1") + count(names, "v2")).isEqualTo(300);
        assertThat(count(names, "v1")).isBetween(180, 240);
    }

    // --- Changes

    @Test
    void aConfigurationChangeUnderLoadDropsNothing() {
        String v1Only = services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: v1}}]
                """));
        String v2Only = services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: v2}}]
                """));
        apply(v1Only);

        String job = web.app("async mesh-load " + REVIEWS + " " + HTTP + " reviews /under-load 1500 8");
        for (int i = 0; i < 6; i++) {
            sleep(150);
            apply(i % 2 == 0 ? v2Only : v1Only);
        }
        Map<String, String> result = Pod.fields(web.app("await " + job));

        assertThat(result.get("statuses")).isEqualTo("200:1500");
        assertThat(count(result.get("names"), "v1")).isPositive();
        assertThat(count(result.get("names"), "v2")).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a timeout that is no duration", "weights that do not add up to 100",
            "a subset no DestinationRule defines", "a field Istio does not have", "a resolution Istio does not have",
            "a document that is not YAML"})
    void aBadChangeIsRefusedWithWhatIsWrongNamedAndTheRoutesInForceStay(String bad) {
        apply(services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: v2}}]
                """)));
        long rejected = counter("tandem.config.update_rejected");
        String toV1 = """
                - route: [{destination: {host: reviews, subset: v1}}]
                """;
        List<String> named;
        String change = switch (bad) {
            case "a timeout that is no duration" -> {
                named = List.of("VirtualService shop/reviews", "spec.http[0].timeout", "soon");
                yield services(subsets("") + virtualService(toV1 + "  timeout: soon\n"));
            }
            case "weights that do not add up to 100" -> {
                named = List.of("spec.http[0].route: the weights add up to 90, not 100");
                yield services(subsets("") + virtualService("""
                        - route:
                          - {destination: {host: reviews, subset: v1}, weight: 60}
                          - {destination: {host: reviews, subset: v2}, weight: 30}
                        """));
            }
            case "a subset no DestinationRule defines" -> {
                named = List.of("spec.http[0].route[0].destination.subset", "subset \"v9\" is not defined");
                yield services(subsets("") + virtualService("""
                        - route: [{destination: {host: reviews, subset: v9}}]
                        """));
            }
            case "a field Istio does not have" -> {
                named = List.of("DestinationRule shop/reviews", "spec.trafficPolicy.loadBalancer.sticky: no such field");
                yield services(subsets("loadBalancer: {simple: ROUND_ROBIN, sticky: true}") + virtualService(toV1));
            }
            case "a resolution Istio does not have" -> {
                named = List.of("ServiceEntry shop/magic", "spec.resolution: \"MAGIC\" is not one of");
                yield services(subsets("") + virtualService(toV1) + """
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: ServiceEntry
                        metadata: {name: magic, namespace: shop}
                        spec:
                          hosts: [magic.example.org]
                          ports: [{number: 80, name: http, protocol: HTTP}]
                          resolution: MAGIC
                        """);
            }
            default -> {
                named = List.of("not valid YAML or JSON");
                yield services(subsets("") + virtualService(toV1)) + """
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: broken, namespace: shop
                        """;
            }
        };
        mesh.file("traffic.yaml", change);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (counter("tandem.config.update_rejected") == rejected && System.nanoTime() < deadline) {
            sleep(50);
        }

        assertThat(counter("tandem.config.update_rejected")).as("refused once").isEqualTo(rejected + 1);
        assertThat(web.sidecarLog()).contains(named);
        assertThat(load("/still", 20, 2).get("names")).as("the routes in force stay").isEqualTo("v2:20");
    }

    @Test
    void aBadFileAtStartStopsTheStartWithExit2AndTheFieldNamed() {
        Path broken = mesh.file("broken.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    connectionPool: {tcp: {connectTimeout: soon}}
                """);

        Host.Result result = dns.exec(Map.of("TANDEM_CONFIG", broken.toString()),
                dev.tandem.it.harness.Tandem.bin().toString(), "proxy");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("TANDEM_CONFIG", "DestinationRule default/reviews",
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout");
    }

    @Test
    void fieldsTandemDoesNotImplementAreNamedInOneWarning() {
        apply(services(subsets("") + virtualService("""
                - route: [{destination: {host: reviews, subset: v1}}]
                  corsPolicy: {allowOrigins: [{exact: "https://shop.example.com"}]}
                """)));

        assertThat(web.sidecarLog()).containsPattern("not implemented by Tandem, so ignored: .*spec.http\\[0\\].corsPolicy");
        assertThat(get("/cors")).containsEntry("name", "v1");
    }
}
