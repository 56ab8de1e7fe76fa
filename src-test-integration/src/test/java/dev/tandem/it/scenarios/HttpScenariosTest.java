package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP through two sidecars, driven by real clients and servers (Netty, grpc-java, the JDK). Pod a calls pod b; pod c,
 * without a sidecar, calls b too. The sidecars run with a 64 MiB heap, so the GiB transfers prove bodies stream.
 */
@ExtendWith(ScenarioExtension.class)
class HttpScenariosTest {

    private static final int HTTP1 = 8000;
    private static final int H2 = 8001;
    private static final int GRPC = 8002;
    private static final int WS = 8003;
    private static final int TLS = 8443;
    private static final int BANNER = 2525;
    private static final Map<String, String> BOUNDED_HEAP = Map.of("TANDEM_JAVA_OPTS",
            "-Xmx64m -XX:MaxDirectMemorySize=64m -Dio.netty.leakDetection.level=paranoid");

    private static Mesh mesh;
    private static Pod a;
    private static Pod b;
    private static Pod c;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("http");
        a = mesh.pod("a");
        b = mesh.pod("b");
        c = mesh.pod("c");
        a.applyRules(Map.of());
        b.applyRules(Map.of());
        a.startSidecar(BOUNDED_HEAP);
        b.startSidecar(BOUNDED_HEAP);
        for (String server : List.of("http1-server " + HTTP1, "h2-server " + H2, "grpc-server " + GRPC,
                "ws-server " + WS, "tls-server " + TLS, "banner-server " + BANNER)) {
            b.app(server);
        }
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static Map<String, String> fields(String reply) {
        return Pod.fields(reply);
    }

    @Test
    void keepAliveRequestsArePooledSoTheServerSeesFewerConnectionsThanRequests() {
        Map<String, String> before = fields(b.app("http1-stats " + HTTP1));
        for (int client = 0; client < 3; client++) {
            assertThat(a.app("http1-keepalive " + b.ipv4() + " " + HTTP1 + " 20 /peer"))
                    .isEqualTo("statuses=" + String.join(",", java.util.Collections.nCopies(20, "200")) + " connections=1");
        }
        Map<String, String> after = fields(b.app("http1-stats " + HTTP1));

        long requests = Long.parseLong(after.get("requests")) - Long.parseLong(before.get("requests"));
        long connections = Long.parseLong(after.get("connections")) - Long.parseLong(before.get("connections"));
        assertThat(requests).isEqualTo(60);
        assertThat(connections).as("upstream connections for 60 requests from 3 client connections").isLessThan(3);
    }

    @Test
    void aRequestIdIsAddedAndTraceHeadersPassUnchanged() {
        String answer = a.raw(b.ipv4(), HTTP1, "GET /peer HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
                + "tracestate: congo=t61rcWkgMzE\r\nx-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7\r\n\r\n");
        String kept = a.raw(b.ipv4(), HTTP1, "GET /peer HTTP/1.1\r\nHost: b\r\nConnection: close\r\nx-request-id: given-7\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200")
                .containsPattern("request-id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} ")
                .contains("traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                        "tracestate=congo=t61rcWkgMzE", "b3=80f198ee56343ba864fe8b2a57d3eff7", "peer=127.0.0.6");
        assertThat(kept).contains("request-id=given-7 ");
    }

    @Test
    void chunkedBodiesStreamBothWaysWithTheirTrailers() {
        Map<String, String> up = fields(a.app("upload " + b.ipv4() + " " + HTTP1 + " 5000000 chunked"));
        Map<String, String> down = fields(a.app("download " + b.ipv4() + " " + HTTP1 + " 5000000"));

        assertThat(up).containsEntry("status", "200").containsEntry("echoed", "true");
        assertThat(down).containsEntry("status", "200").containsEntry("intact", "true");
    }

    @Test
    void expect100ContinueIsAnsweredByTheServerThroughBothSidecars() {
        Map<String, String> upload = fields(a.app("upload " + b.ipv4() + " " + HTTP1 + " 100000 expect"));

        assertThat(upload).containsEntry("status", "200").containsEntry("got100", "true").containsEntry("echoed", "true");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        String answer = a.raw(b.ipv4(), HTTP1, "GET /delay?ms=300 HTTP/1.1\r\nHost: b\r\n\r\n"
                + "GET /bytes?n=3 HTTP/1.1\r\nHost: b\r\n\r\nGET /peer HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");

        int slept = answer.indexOf("slept");
        int peer = answer.indexOf("peer=");
        assertThat(answer.split("HTTP/1.1 200", -1)).hasSize(4);
        assertThat(slept).isPositive().isLessThan(peer);
    }

    @Test
    void anHttp10ClientIsAnsweredAndTheConnectionClosed() {
        Map<String, String> answer = fields(a.app("http10 " + b.ipv4() + " " + HTTP1 + " /peer"));

        assertThat(answer).containsEntry("status", "200").containsEntry("closed", "true");
    }

    @Test
    void hundredConcurrentH2cStreamsShareOneUpstreamConnection() {
        Map<String, String> before = fields(b.app("h2-stats " + H2));

        Map<String, String> burst = fields(a.app("h2-burst " + b.ipv4() + " " + H2 + " 100 /delay?ms=300"));

        Map<String, String> after = fields(b.app("h2-stats " + H2));
        assertThat(burst).containsEntry("ok", "100").containsEntry("total", "100");
        assertThat(Integer.parseInt(after.get("max-concurrent"))).as("streams open at once at the server").isGreaterThan(50);
        assertThat(Integer.parseInt(after.get("connections")) - Integer.parseInt(before.get("connections"))).isLessThanOrEqualTo(1);
    }

    @Test
    void anH2cUploadStreamsWithFlowControlAndTrailers() {
        Map<String, String> upload = fields(a.app("h2-upload " + b.ipv4() + " " + H2 + " 20000000"));

        assertThat(upload).containsEntry("status", "200").containsEntry("echoed", "true").containsEntry("trailers", "20000000");
    }

    @Test
    void aStreamResetByTheServerReachesTheClientAsAResetWithItsCode() {
        assertThat(fields(a.app("h2-get " + b.ipv4() + " " + H2 + " /reset"))).containsEntry("reset", "ENHANCE_YOUR_CALM");
    }

    @Test
    void afterTheServerGoesAwayTheNextRequestStillSucceeds() {
        assertThat(fields(a.app("h2-get " + b.ipv4() + " " + H2 + " /goaway"))).containsEntry("status", "200");
        assertThat(fields(a.app("h2-get " + b.ipv4() + " " + H2 + " /peer"))).containsEntry("status", "200");
    }

    @Test
    void grpcUnaryStreamingAndErrorStatusesArriveIntact() {
        assertThat(a.app("grpc-unary " + b.ipv4() + " " + GRPC + " hello-mesh")).isEqualTo("status=OK reply=hello-mesh");
        assertThat(a.app("grpc-stream " + b.ipv4() + " " + GRPC + " 50")).isEqualTo("status=OK messages=50 last=message-50");
        assertThat(a.app("grpc-fail " + b.ipv4() + " " + GRPC + " oops"))
                .isEqualTo("status=INVALID_ARGUMENT description=bad_input:_oops detail=details");
    }

    @Test
    void grpcMessagesOfAStreamingCallAreCountedByBothSidecars() {
        double[] before = grpcMessages();

        assertThat(a.app("grpc-stream " + b.ipv4() + " " + GRPC + " 30")).startsWith("status=OK messages=30");

        double[] after = grpcMessages();
        assertThat(after[0] - before[0]).as("request messages, caller's sidecar").isEqualTo(1);
        assertThat(after[1] - before[1]).as("response messages, caller's sidecar").isEqualTo(30);
        assertThat(after[2] - before[2]).as("request messages, callee's sidecar").isEqualTo(1);
        assertThat(after[3] - before[3]).as("response messages, callee's sidecar").isEqualTo(30);
    }

    /** Istio's gRPC message counters: a's as the source, then b's as the destination, request then response. */
    private static double[] grpcMessages() {
        String source = a.app("get 127.0.0.1 15090 /stats/prometheus");
        String destination = b.app("get 127.0.0.1 15090 /stats/prometheus");
        return new double[] {
                sum(source, "istio_request_messages_total", "reporter=\"source\""),
                sum(source, "istio_response_messages_total", "reporter=\"source\""),
                sum(destination, "istio_request_messages_total", "reporter=\"destination\""),
                sum(destination, "istio_response_messages_total", "reporter=\"destination\"")};
    }

    /** The sum of a scrape's samples of {@code metric} carrying {@code label} (PodApp's get joins lines with spaces). */
    private static double sum(String scrape, String metric, String label) {
        double sum = 0;
        for (String sample : scrape.split(" (?=[a-z_]+\\{)")) {
            if (sample.startsWith(metric + "{") && sample.contains(label)
                    && sample.contains("request_protocol=\"grpc\"")) {
                sum += Double.parseDouble(sample.split(" ")[1]);
            }
        }
        return sum;
    }

    @Test
    void aWebSocketUpgradesAndEchoes() {
        assertThat(a.app("ws-echo " + b.ipv4() + " " + WS + " 20")).isEqualTo("echoed=21 of=21");
    }

    @Test
    void aGibibyteUploadAndDownloadStreamThroughSidecarsWithA64MiBHeap() {
        long gib = 1L << 30;

        Map<String, String> up = fields(a.app("upload " + b.ipv4() + " " + HTTP1 + " " + gib + " length"));
        Map<String, String> down = fields(a.app("download " + b.ipv4() + " " + HTTP1 + " " + gib));

        assertThat(up).containsEntry("status", "200").containsEntry("echoed", "true").containsEntry("sent", "" + gib);
        assertThat(down).containsEntry("status", "200").containsEntry("intact", "true").containsEntry("received", "" + gib);
        System.out.printf("[figures] 1 GiB through two sidecars (64 MiB heap): upload echoed both ways %s ms, download %s ms%n",
                up.get("ms"), down.get("ms"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
        "POST / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\r\nX-Space : a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: b\r\nx-test-marker: %s\nX-Bare: lf\r\n\r\n",
    })
    void everySmugglingFormIsRefused400AndNeverReachesTheServer(String form) {
        String marker = "m" + Integer.toHexString(form.hashCode());
        String viaSidecar = a.raw(b.ipv4(), HTTP1, String.format(form, marker + "a"));
        String viaInboundOnly = c.raw(b.ipv4(), HTTP1, String.format(form, marker + "c"));

        assertThat(viaSidecar).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(viaInboundOnly).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(b.app("http1-markers " + HTTP1)).doesNotContain(marker);
    }

    @Test
    void headersTooLargeAreAnswered431() {
        String answer = a.raw(b.ipv4(), HTTP1, "GET /peer HTTP/1.1\r\nHost: b\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 431");
    }

    @Test
    void aServerFirstProtocolOnAnUndeclaredPortIsRelayedAfterTheDetectionTimeout() {
        Map<String, String> banner = fields(a.app("banner " + b.ipv4() + " " + BANNER));

        assertThat(banner).containsEntry("banner", "220_banner_" + BANNER).containsEntry("reply", "250_HELO_x");
        assertThat(Long.parseLong(banner.get("ms"))).as("two detection timeouts of 100 ms, not a hang")
                .isLessThan(2_500);
    }

    @Test
    void tlsPassesThroughUntouchedWithItsServerName() {
        assertThat(fields(a.app("tls-echo " + b.ipv4() + " " + TLS + " catalog.shop.test")))
                .containsEntry("handshake", "true").containsEntry("echo", "true");
        assertThat(b.app("tls-sni " + TLS)).isEqualTo("catalog.shop.test");
    }

    @Test
    void aCallToAPortWhereNothingListensIsAnswered503Uf() {
        String answer = a.raw(b.ipv4(), 8999, "GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable").contains("(UF)");
    }
}
