package dev.tandem.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.AccessLogFormat;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.http.RequestContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Istio's metrics and access log as a scrape and a reader of standard output see them. */
class TelemetryTest {

    private static final Map<String, String> POD = Map.of("TANDEM_NAMESPACE", "shop", "TANDEM_POD_NAME", "web-1",
            "TANDEM_WORKLOAD_NAME", "web", "TANDEM_APP", "web", "TANDEM_VERSION", "v2", "TANDEM_ACCESS_LOG", "off");

    private static ConnectionContext connection() {
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext context = ConnectionContext.attach(channel, "outbound");
        context.origDst(new OrigDstAddr(new InetSocketAddress("10.96.0.10", 9080)));
        return context;
    }

    private static RequestContext request(ConnectionContext connection, int status, long in, long out) {
        RequestContext r = new RequestContext(connection, "HTTP/1.1");
        r.request("GET", "/reviews/1", "reviews:9080", "id-1");
        r.routed("default", "outbound|9080||reviews.shop.svc.cluster.local", "reviews.shop.svc.cluster.local");
        r.peer(Peer.parse(new Peer("reviews-v1", "shop", "reviews", "v1", "reviews", "v1", "reviews", "Kubernetes").header()));
        r.received(in);
        r.sent(out);
        r.status(status);
        return r;
    }

    private static double sample(String scrape, String metric, String... labels) {
        for (String line : scrape.lines().toList()) {
            if (!line.startsWith(metric + "{")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    @Test
    void requestsAreCountedWithIstiosLabelsOnTheSourceSide() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.outbound());
        for (int i = 0; i < 3; i++) {
            request(connection, 200, 10, 1000).complete();
        }
        RequestContext failed = request(connection, 503, 0, 0);
        failed.fail(ResponseFlag.UH, "none");
        failed.complete();
        failed.complete();

        String scrape = telemetry.prometheusText();

        assertThat(sample(scrape, "istio_requests_total", "reporter=\"source\"", "response_code=\"200\"",
                "source_workload=\"web\"", "source_workload_namespace=\"shop\"", "source_app=\"web\"",
                "source_version=\"v2\"", "destination_workload=\"reviews-v1\"", "destination_version=\"v1\"",
                "destination_service=\"reviews.shop.svc.cluster.local\"", "destination_service_name=\"reviews\"",
                "destination_service_namespace=\"shop\"", "request_protocol=\"http\"", "response_flags=\"-\""))
                .isEqualTo(3);
        assertThat(sample(scrape, "istio_requests_total", "response_code=\"503\"", "response_flags=\"UH\""))
                .as("a request completed twice counts once").isEqualTo(1);
        assertThat(sample(scrape, "istio_response_bytes_bucket", "response_code=\"200\"", "le=\"1000.0\""))
                .as("1000 body bytes, and no head set: in the 1000 bucket").isEqualTo(3);
        assertThat(sample(scrape, "istio_response_bytes_bucket", "response_code=\"200\"", "le=\"500.0\"")).isZero();
        assertThat(sample(scrape, "istio_request_duration_milliseconds_count", "response_code=\"200\"")).isEqualTo(3);
        assertThat(scrape).contains("# TYPE istio_request_duration_milliseconds histogram",
                "le=\"0.5\"", "le=\"3600000.0\"", "jvm_memory_used_bytes");
        telemetry.close();
    }

    @Test
    void everyRequestMetricCarriesExactlyIstiosLabelNames() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.inbound());
        request(connection, 200, 1, 1).complete();

        String line = telemetry.prometheusText().lines().filter(l -> l.startsWith("istio_requests_total{"))
                .findFirst().orElseThrow();
        Matcher names = Pattern.compile("([a-z_]+)=\"").matcher(line);
        var found = new java.util.TreeSet<String>();
        while (names.find()) {
            found.add(names.group(1));
        }

        assertThat(found).containsExactlyInAnyOrder("reporter", "source_workload", "source_workload_namespace",
                "source_principal", "source_app", "source_version", "source_canonical_service",
                "source_canonical_revision", "source_cluster", "destination_workload", "destination_workload_namespace",
                "destination_principal", "destination_app", "destination_version", "destination_service",
                "destination_service_name", "destination_service_namespace", "destination_canonical_service",
                "destination_canonical_revision", "destination_cluster", "request_protocol", "response_code",
                "grpc_response_status", "response_flags", "connection_security_policy");
        assertThat(line).contains("reporter=\"destination\"", "destination_workload=\"web\"",
                "source_workload=\"reviews-v1\"", "connection_security_policy=\"none\"");
        telemetry.close();
    }

    /** The labels of the one istio_requests_total sample a scrape has, by name. */
    private static Map<String, String> labelsOf(String scrape, String metric) {
        List<String> lines = scrape.lines().filter(l -> l.startsWith(metric + "{")).toList();
        assertThat(lines).as(metric + " samples").hasSize(1);
        Matcher label = Pattern.compile("([a-z_]+)=\"([^\"]*)\"").matcher(lines.get(0));
        var labels = new java.util.HashMap<String, String>();
        while (label.find()) {
            labels.put(label.group(1), label.group(2));
        }
        return labels;
    }

    @Test
    void aCallThroughThePassthroughClusterIsNamedAfterItAndAnAddressIsNeverCut() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.outbound());
        RequestContext r = new RequestContext(connection, "HTTP/1.1");
        r.request("GET", "/", "10.96.0.11:8080", "id-2");
        r.routed(null, "PassthroughCluster", "10.96.0.11");
        r.status(200);
        r.complete();

        Map<String, String> labels = labelsOf(telemetry.prometheusText(), "istio_requests_total");
        assertThat(labels).containsEntry("destination_service", "10.96.0.11")
                .containsEntry("destination_service_name", "PassthroughCluster")
                .containsEntry("destination_service_namespace", "unknown")
                .containsEntry("destination_workload", "unknown")
                .containsEntry("destination_canonical_service", "unknown")
                .containsEntry("destination_canonical_revision", "latest");
        telemetry.close();
    }

    @Test
    void anOpaqueConnectionThroughThePassthroughClusterHasNoServiceAsInIstio() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.outbound());
        connection.routed("PassthroughCluster", "10.96.0.11");
        telemetry.outbound().tcpOpened(connection);
        telemetry.outbound().tcpConnected(connection);
        telemetry.outbound().tcpClosed(connection);

        Map<String, String> labels = labelsOf(telemetry.prometheusText(), "istio_tcp_connections_closed_total");
        assertThat(labels).containsEntry("destination_service", "unknown")
                .containsEntry("destination_service_name", "PassthroughCluster")
                .containsEntry("request_protocol", "tcp");
        telemetry.close();
    }

    @Test
    void aServiceOutsideKubernetesKeepsItsWholeHostAndTakesThePeersNamespace() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.outbound());
        RequestContext r = new RequestContext(connection, "HTTP/1.1");
        r.request("GET", "/", "payments.example.com", "id-3");
        r.routed("default", "outbound|443||payments.example.com", "payments.example.com");
        r.peer(new Peer("payments", "billing", "payments", "v3", "payments", "v3", "payments", "Kubernetes"));
        r.status(200);
        r.complete();

        Map<String, String> labels = labelsOf(telemetry.prometheusText(), "istio_requests_total");
        assertThat(labels).containsEntry("destination_service", "payments.example.com")
                .containsEntry("destination_service_name", "payments.example.com")
                .containsEntry("destination_service_namespace", "billing");
        telemetry.close();
    }

    @Test
    void theDestinationSideNamesItsOwnNamespaceAndNeverCutsAnAddress() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.inbound());
        RequestContext r = new RequestContext(connection, "HTTP/1.1");
        r.request("GET", "/", "10.200.0.3:9080", "id-4");
        r.routed(null, "inbound|9080||", "10.200.0.3");
        r.status(200);
        r.complete();

        Map<String, String> labels = labelsOf(telemetry.prometheusText(), "istio_requests_total");
        assertThat(labels).containsEntry("destination_service", "10.200.0.3")
                .containsEntry("destination_service_name", "10.200.0.3")
                .containsEntry("destination_service_namespace", "shop")
                .containsEntry("source_workload", "unknown")
                .containsEntry("source_canonical_revision", "latest");
        telemetry.close();
    }

    @Test
    void aPodWithoutAppOrVersionLabelsIsUnknownThereAndItsCanonicalServiceIsItsWorkload() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(Map.of("TANDEM_NAMESPACE", "shop",
                "TANDEM_POD_NAME", "batch-1", "TANDEM_WORKLOAD_NAME", "batch", "TANDEM_ACCESS_LOG", "off")::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.outbound());
        request(connection, 200, 1, 1).complete();

        Map<String, String> labels = labelsOf(telemetry.prometheusText(), "istio_requests_total");
        assertThat(labels).containsEntry("source_workload", "batch").containsEntry("source_app", "unknown")
                .containsEntry("source_version", "unknown").containsEntry("source_canonical_service", "batch")
                .containsEntry("source_canonical_revision", "latest")
                .containsEntry("destination_app", "reviews").containsEntry("destination_canonical_service", "reviews");
        telemetry.close();
    }

    @Test
    void aPeerOfAnOlderHeaderWithoutCanonicalFieldsIsUnknownAndLatestThere() {
        Peer peer = Peer.parse("workload=old;namespace=shop;app=old;version=v1;sa=old;cluster=Kubernetes");

        assertThat(peer.app()).isEqualTo("old");
        assertThat(peer.canonicalService()).isEqualTo("unknown");
        assertThat(peer.canonicalRevision()).isEqualTo("latest");
    }

    @Test
    void madeUpPeerHeadersCannotGrowTheSeriesWithoutEnd() throws Exception {
        Telemetry telemetry = Telemetry.create(ProxyConfig.from(POD::get));
        ConnectionContext connection = connection();
        connection.reporter(telemetry.inbound());
        int sent = MeshMetrics.MAX_PEERS + 50;
        for (int i = 0; i < sent; i++) {
            RequestContext r = new RequestContext(connection, "HTTP/1.1");
            r.request("GET", "/", "web:8080", "id-" + i);
            r.routed(null, "inbound|8080||", "web");
            r.peer(Peer.parse("workload=forged-" + i + ";namespace=shop"));
            r.status(200);
            r.complete();
        }

        String scrape = telemetry.prometheusText();
        List<String> series = scrape.lines().filter(l -> l.startsWith("istio_requests_total{")).toList();
        assertThat(series).hasSize(MeshMetrics.MAX_PEERS + 1);
        assertThat(sample(scrape, "istio_requests_total", "source_workload=\"unknown\"")).isEqualTo(50);
        assertThat(series.stream().mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
                .as("every request is counted").isEqualTo(sent);
        telemetry.close();
    }

    @Test
    void aPeerHeaderRoundTripsAndAnythingElseIsUnknown() {
        Peer peer = new Peer("a;b", "ns=1", "app", "v 1", "svc", "r&1", "sa", "Kubernetes");

        assertThat(Peer.parse(peer.header())).isEqualTo(peer);
        assertThat(Peer.parse("garbage")).isEqualTo(Peer.UNKNOWN);
        assertThat(Peer.parse("x".repeat(600))).isEqualTo(Peer.UNKNOWN);
        assertThat(Peer.parse(null)).isEqualTo(Peer.UNKNOWN);
    }

    @Test
    void theJsonAccessLogHasIstiosFieldsOneObjectALine() throws Exception {
        var out = new ByteArrayOutputStream();
        AccessLog log = AccessLog.to(AccessLogFormat.JSON, null, out);
        log.log(new AccessLog.Entry(1_764_124_800_123L, "default", "GET", "/a?b=c", "HTTP/1.1", 200, "-", "via_upstream",
                5, 1234, 17, 12, "1.2.3.4", "curl/8", "id-9", "reviews:9080", "10.200.0.3:9080",
                "outbound|9080||reviews.shop.svc.cluster.local", "10.200.0.2:41000", "10.96.0.10:9080",
                "10.200.0.2:40000", null, null));
        log.log(new AccessLog.Entry(1_764_124_800_000L, null, null, null, null, 0, "UF", null, 0, 0, 3, -1, null,
                null, null, null, null, "PassthroughCluster", null, "10.96.0.30:7000", "10.200.0.2:40001", null,
                "connection refused"));
        log.close();

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode http = new ObjectMapper().readTree(lines.get(0));
        JsonNode tcp = new ObjectMapper().readTree(lines.get(1));
        assertThat(http.get("start_time").asText()).isEqualTo("2025-11-26T02:40:00.123Z");
        assertThat(http.get("response_code").asInt()).isEqualTo(200);
        assertThat(http.get("bytes_sent").asLong()).isEqualTo(1234);
        assertThat(http.get("upstream_service_time").asText()).isEqualTo("12");
        assertThat(http.get("upstream_cluster").asText()).isEqualTo("outbound|9080||reviews.shop.svc.cluster.local");
        assertThat(http.get("requested_server_name").isNull()).isTrue();
        assertThat(tcp.get("response_flags").asText()).isEqualTo("UF");
        assertThat(tcp.get("method").isNull()).isTrue();
        assertThat(tcp.get("upstream_transport_failure_reason").asText()).isEqualTo("connection refused");
        assertThat(http.fieldNames()).toIterable().contains("start_time", "method", "path", "protocol",
                "response_code", "response_flags", "bytes_received", "bytes_sent", "duration",
                "upstream_service_time", "x_forwarded_for", "user_agent", "request_id", "authority", "upstream_host",
                "upstream_cluster", "downstream_remote_address");
    }

    @Test
    void theTextAccessLogIsIstiosDefaultFormat() {
        String line = AccessLog.text(new AccessLog.Entry(1_764_124_800_123L, null, "GET", "/a", "HTTP/1.1", 404,
                "NR", "route_not_found", 0, 0, 1, -1, null, "curl/8", "id-9", "reviews", null, null, null,
                "10.96.0.10:9080", "10.200.0.2:40000", null, null));

        assertThat(line).isEqualTo("[2025-11-26T02:40:00.123Z] \"GET /a HTTP/1.1\" 404 NR route_not_found - \"-\" 0 0 1 - "
                + "\"-\" \"curl/8\" \"id-9\" \"reviews\" \"-\" - - 10.96.0.10:9080 10.200.0.2:40000 - -\n");
    }

    @Test
    void anAccessLogThatIsOffWritesNothing() {
        var out = new ByteArrayOutputStream();
        AccessLog log = AccessLog.to(AccessLogFormat.OFF, null, out);
        log.log(new AccessLog.Entry(0, null, null, null, null, 0, "-", null, 0, 0, 0, -1, null, null, null, null,
                null, null, null, null, null, null, null));
        log.close();

        assertThat(log.enabled()).isFalse();
        assertThat(out.size()).isZero();
    }
}
