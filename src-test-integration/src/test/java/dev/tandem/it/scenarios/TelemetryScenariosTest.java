package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Istio's metrics and the access log, read the way Prometheus and a log collector read them, after traffic of known
 * counts, codes and sizes: pod {@code web} (workload web, app web, version v1) calls pod {@code reviews} (workload
 * reviews-v2), both with sidecars, so each call is reported twice: as the source by web's sidecar and as the
 * destination by reviews' sidecar, which learn each other's identity from the peer header.
 */
@ExtendWith(ScenarioExtension.class)
class TelemetryScenariosTest {

    private static final int HTTP = 9080;
    private static final int ECHO = 7070;
    /** The start of a line of the sidecar's own text log: a time stamp, then a level. */
    private static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* +(TRACE|DEBUG|INFO|WARN|ERROR) ");

    private static Mesh mesh;
    private static Pod web;
    private static Pod reviews;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("telemetry");
        web = mesh.pod("web");
        reviews = mesh.pod("reviews");
        web.applyRules(Map.of());
        reviews.applyRules(Map.of());
        web.startSidecar(Map.of("TANDEM_NAMESPACE", "shop", "TANDEM_POD_NAME", "web-7d9", "TANDEM_WORKLOAD_NAME", "web",
                "TANDEM_APP", "web", "TANDEM_VERSION", "v1"));
        reviews.startSidecar(Map.of("TANDEM_NAMESPACE", "shop", "TANDEM_POD_NAME", "reviews-v2-5f4",
                "TANDEM_WORKLOAD_NAME", "reviews-v2", "TANDEM_APP", "reviews", "TANDEM_VERSION", "v2"));
        reviews.app("mesh-server " + HTTP + " reviews");
        reviews.app("echo-server " + ECHO);
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static String scrape(Pod pod) {
        return pod.app("get 127.0.0.1 15090 /stats/prometheus");
    }

    /** The value of the first sample of {@code metric} whose labels include all of {@code labels}; 0 when none. */
    private static double sample(String scrape, String metric, String... labels) {
        // PodApp's get joins the body's lines with spaces; samples start at a metric name.
        for (String sample : scrape.split(" (?=[a-z_]+\\{)")) {
            if (!sample.startsWith(metric + "{")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= sample.contains(label);
            }
            if (all) {
                String[] words = sample.split(" ");
                return Double.parseDouble(words[1]);
            }
        }
        return 0;
    }

    /**
     * The sidecar's access log lines. Its standard output holds them and, the sidecar's own log being text here, log
     * lines; every line that is not a log line must parse as a JSON object.
     */
    private static List<JsonNode> accessLog(Pod pod) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : pod.sidecarLog().lines().filter(l -> !l.isBlank()).toList()) {
            if (!LOG_LINE.matcher(line).lookingAt()) {
                JsonNode entry = json.readTree(line);
                assertThat(entry.isObject()).as(line).isTrue();
                lines.add(entry);
            }
        }
        return lines;
    }

    @Test
    void requestsOfKnownCodesAndSizesAreCountedOnBothReportersWithEachOthersIdentity() throws Exception {
        // A service of this test's own, so that other tests' calls are not in its series.
        String service = "ratings.shop.svc.cluster.local";
        String target = "mesh-load " + reviews.ipv4() + " " + HTTP + " " + service + " ";
        web.app(target + "/status/200 20 4");
        web.app(target + "/status/503 5 1");
        web.app(target + "/status/404 7 1");
        Thread.sleep(300);

        String source = scrape(web);
        String destination = scrape(reviews);

        String svc = "destination_service=\"" + service + "\"";
        String[] ok = {"response_code=\"200\"", svc};
        assertThat(sample(source, "istio_requests_total", "reporter=\"source\"", "response_code=\"200\"", svc,
                "source_workload=\"web\"", "source_app=\"web\"", "source_version=\"v1\"",
                "destination_workload=\"reviews-v2\"", "destination_app=\"reviews\"", "destination_version=\"v2\"",
                "destination_canonical_service=\"reviews\"", "destination_canonical_revision=\"v2\"",
                // No route: the call went where the application sent it, through Istio's PassthroughCluster.
                "destination_service_name=\"PassthroughCluster\"", "destination_service_namespace=\"shop\""))
                .isEqualTo(20);
        assertThat(sample(source, "istio_requests_total", "reporter=\"source\"", "response_code=\"503\"", svc))
                .isEqualTo(5);
        assertThat(sample(source, "istio_requests_total", "reporter=\"source\"", "response_code=\"404\"", svc))
                .isEqualTo(7);
        assertThat(sample(destination, "istio_requests_total", "reporter=\"destination\"", "response_code=\"200\"",
                svc, "source_workload=\"web\"", "source_workload_namespace=\"shop\"",
                "destination_workload=\"reviews-v2\"", "connection_security_policy=\"none\"",
                "source_canonical_service=\"web\"", "destination_service_name=\"ratings\"",
                "destination_service_namespace=\"shop\"")).isEqualTo(20);
        assertThat(sample(destination, "istio_requests_total", "reporter=\"destination\"", "response_code=\"503\"",
                svc)).isEqualTo(5);
        assertThat(sample(destination, "istio_requests_total", "reporter=\"destination\"", "response_code=\"404\"",
                svc)).isEqualTo(7);
        for (String scrape : List.of(source, destination)) {
            for (String[] code : List.of(new String[] {"response_code=\"503\"", svc},
                    new String[] {"response_code=\"404\"", svc})) {
                double requests = sample(scrape, "istio_requests_total", code);
                assertThat(sample(scrape, "istio_request_duration_milliseconds_count", code)).isEqualTo(requests);
                assertThat(sample(scrape, "istio_request_bytes_count", code)).isEqualTo(requests);
                assertThat(sample(scrape, "istio_response_bytes_count", code)).isEqualTo(requests);
            }
            assertThat(sample(scrape, "istio_request_duration_milliseconds_sum", ok)).isPositive();
            assertThat(sample(scrape, "istio_request_duration_milliseconds_count", ok)).isEqualTo(20);
            assertThat(sample(scrape, "istio_request_bytes_count", ok)).isEqualTo(20);
            assertThat(sample(scrape, "istio_response_bytes_count", ok)).isEqualTo(20);
            assertThat(sample(scrape, "istio_request_duration_milliseconds_bucket", ok[0], ok[1], "le=\"+Inf\""))
                    .isEqualTo(20);
            // Each answer is a head and a one-line body of some 150 bytes: between 100 and 1000, never under.
            assertThat(sample(scrape, "istio_response_bytes_bucket", ok[0], ok[1], "le=\"100.0\"")).isZero();
            assertThat(sample(scrape, "istio_response_bytes_bucket", ok[0], ok[1], "le=\"1000.0\"")).isEqualTo(20);
        }
    }

    @Test
    void requestBodiesOfAKnownSizeAreMeasuredOnBothReporters() {
        // 6 POSTs of 3000 bytes each: a request is its head (some 100 to 400 bytes here) and its body.
        assertThat(web.app("posts " + reviews.ipv4() + " " + HTTP + " /sized 3000 6")).contains("ok=6 of=6");
        String[] sized = {"response_code=\"200\"", "request_protocol=\"http\""};

        for (Pod pod : List.of(web, reviews)) {
            String scrape = scrape(pod);
            String reporter = pod == web ? "reporter=\"source\"" : "reporter=\"destination\"";
            String host = "destination_service=\"" + reviews.ipv4() + "\"";
            double count = sample(scrape, "istio_request_bytes_count", sized[0], sized[1], reporter, host);
            double sum = sample(scrape, "istio_request_bytes_sum", sized[0], sized[1], reporter, host);
            assertThat(count).as(pod.name() + " requests measured").isEqualTo(6);
            assertThat(sum).as(pod.name() + " bytes of 6 requests of 3000 byte bodies").isBetween(6 * 3100.0, 6 * 3500.0);
            assertThat(sample(scrape, "istio_request_bytes_bucket", sized[0], sized[1], reporter, host, "le=\"1000.0\""))
                    .isZero();
            assertThat(sample(scrape, "istio_request_bytes_bucket", sized[0], sized[1], reporter, host, "le=\"5000.0\""))
                    .isEqualTo(6);
        }
    }

    @Test
    void tcpByteCountersEqualTheBytesMoved() throws Exception {
        double before = sample(scrape(web), "istio_tcp_received_bytes_total", "reporter=\"source\"");
        double sentBefore = sample(scrape(web), "istio_tcp_sent_bytes_total", "reporter=\"source\"");
        double openedBefore = sample(scrape(web), "istio_tcp_connections_opened_total", "reporter=\"source\"");
        String before0 = scrape(reviews);
        double[] destinationBefore = {
                sample(before0, "istio_tcp_received_bytes_total", "reporter=\"destination\""),
                sample(before0, "istio_tcp_sent_bytes_total", "reporter=\"destination\""),
                sample(before0, "istio_tcp_connections_opened_total", "reporter=\"destination\""),
                sample(before0, "istio_tcp_connections_closed_total", "reporter=\"destination\"")};

        web.expectEcho(reviews.ipv4(), ECHO, 1_000_000);
        web.expectEcho(reviews.ipv4(), ECHO, 250_000);

        String source = scrape(web);
        String destination = scrape(reviews);
        assertThat(sample(source, "istio_tcp_received_bytes_total", "reporter=\"source\"") - before)
                .isEqualTo(1_250_000);
        assertThat(sample(source, "istio_tcp_sent_bytes_total", "reporter=\"source\"") - sentBefore)
                .isEqualTo(1_250_000);
        assertThat(sample(source, "istio_tcp_connections_opened_total", "reporter=\"source\"") - openedBefore)
                .isEqualTo(2);
        assertThat(sample(destination, "istio_tcp_received_bytes_total", "reporter=\"destination\"")
                - destinationBefore[0]).isEqualTo(1_250_000);
        assertThat(sample(destination, "istio_tcp_sent_bytes_total", "reporter=\"destination\"")
                - destinationBefore[1]).isEqualTo(1_250_000);
        assertThat(sample(destination, "istio_tcp_connections_opened_total", "reporter=\"destination\"")
                - destinationBefore[2]).isEqualTo(2);
        assertThat(sample(destination, "istio_tcp_connections_closed_total", "reporter=\"destination\"")
                - destinationBefore[3]).isEqualTo(2);
        // And a line per connection in the access log, with the bytes each way (written a moment after the close).
        List<JsonNode> connections = List.of();
        for (long deadline = System.nanoTime() + 3_000_000_000L; connections.size() < 2 && System.nanoTime() < deadline; ) {
            Thread.sleep(50);
            connections = accessLog(web).stream()
                    .filter(l -> (reviews.ipv4() + ":" + ECHO).equals(l.path("upstream_host").asText())).toList();
        }
        assertThat(connections).extracting(l -> l.path("bytes_received").asLong() + "/" + l.path("bytes_sent").asLong())
                .contains("1000000/1000000", "250000/250000");
        assertThat(connections).allSatisfy(l -> assertThat(l.path("response_flags").asText()).isEqualTo("-"));
    }

    @Test
    void everyAccessLogLineParsesAndCarriesTheRequestsFields() throws Exception {
        web.app("mesh-load " + reviews.ipv4() + " " + HTTP + " reviews.shop.svc.cluster.local /logged/1 3 1 "
                + "user-agent:scenario/1 x-request-id:logged-request");
        Thread.sleep(300);

        List<JsonNode> outbound = accessLog(web).stream()
                .filter(l -> "/logged/1".equals(l.path("path").asText())).toList();
        List<JsonNode> inbound = accessLog(reviews).stream()
                .filter(l -> "/logged/1".equals(l.path("path").asText())).toList();

        assertThat(outbound).hasSize(3);
        assertThat(inbound).hasSize(3);
        JsonNode line = outbound.get(0);
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(line.get("response_code").asInt()).isEqualTo(200);
        assertThat(line.get("response_flags").asText()).isEqualTo("-");
        assertThat(line.get("request_id").asText()).isEqualTo("logged-request");
        assertThat(line.get("user_agent").asText()).isEqualTo("scenario/1");
        assertThat(line.get("authority").asText()).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(line.get("upstream_host").asText()).isEqualTo(reviews.ipv4() + ":" + HTTP);
        assertThat(line.get("upstream_cluster").asText()).isEqualTo("PassthroughCluster");
        assertThat(line.get("bytes_sent").asLong()).isPositive();
        assertThat(line.get("duration").asLong()).isNotNegative();
        assertThat(line.get("start_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(inbound.get(0).get("upstream_cluster").asText()).isEqualTo("inbound|" + HTTP + "||");
        assertThat(inbound.get(0).get("upstream_host").asText()).isEqualTo("127.0.0.1:" + HTTP);
        for (Pod pod : List.of(web, reviews)) {
            for (JsonNode entry : accessLog(pod)) {
                assertThat(entry.has("response_flags") && entry.has("start_time") && entry.has("duration"))
                        .as(entry.toString()).isTrue();
            }
        }
    }

    @Test
    void theApplicationNeverSeesThePeerHeader() {
        Map<String, String> answer = Pod.fields(web.app("mesh-get " + reviews.ipv4() + " " + HTTP
                + " reviews /peer-header x-tandem-peer:workload=forged"));

        assertThat(answer).containsEntry("status", "200");
        assertThat(reviews.app("mesh-stats " + HTTP)).contains("peer-headers=0");
        assertThat(sample(scrape(reviews), "istio_requests_total", "source_workload=\"forged\"")).isZero();
    }
}
