package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.testing.Exchange;
import dev.tandem.testing.Exchange.Outcome;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pods a and b run the sidecar in REDIRECT mode; pod c has neither rules nor sidecar; pod d has rules that capture only
 * outbound calls to the echo port, and no sidecar. Every call is made by a plain application that does not know about
 * Tandem, and every assertion is what that application or its peer observes.
 */
@ExtendWith(ScenarioExtension.class)
class InterceptionScenariosTest {

    private static final InetAddress PROXY_SOURCE_V4 = Pod.ip("127.0.0.6");
    private static final InetAddress PROXY_SOURCE_V6 = Pod.ip("::6");
    private static final int ECHO = 8080;
    private static final int EXCLUDED = 8081;
    private static final int HTTP = 8000;

    private static Mesh mesh;
    private static Pod a;
    private static Pod b;
    private static Pod c;
    private static Pod d;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("interception");
        a = mesh.pod("a");
        b = mesh.pod("b");
        c = mesh.pod("c");
        d = mesh.pod("d");
        a.applyRules(Map.of());
        d.applyRules(Map.of("TANDEM_OUTBOUND_INCLUDE_CIDRS", "", "TANDEM_OUTBOUND_INCLUDE_PORTS", Integer.toString(ECHO)));
        b.applyRules(Map.of("TANDEM_INBOUND_EXCLUDE_PORTS", Integer.toString(EXCLUDED)));
        a.startSidecar(Map.of());
        b.startSidecar(Map.of());
        System.out.printf("[figures] sidecar start to ready: a %d ms, b %d ms%n", a.lastReadyMillis(), b.lastReadyMillis());
        for (Pod pod : List.of(b, c)) {
            pod.app("echo-server " + ECHO);
            pod.app("echo-server " + EXCLUDED);
        }
        b.app("http-server " + HTTP);
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aPodsCallReachesAnotherPodWhoseAppSeesTheProxysLoopbackSource() {
        List<InetAddress> peers = b.peersDuring(ECHO, () -> a.expectEcho(b.ipv4(), ECHO, 4096));

        assertThat(peers).containsExactly(PROXY_SOURCE_V4);
    }

    @Test
    void anHttpRequestCrossesBothSidecarsUnchanged() {
        assertThat(a.app("get " + b.ipv4() + " " + HTTP + " /anything")).isEqualTo("200 peer=127.0.0.6");
    }

    @Test
    void aPodWithoutASidecarIsStillDeliveredThroughTheInboundProxy() {
        List<InetAddress> peers = b.peersDuring(ECHO, () -> c.expectEcho(b.ipv4(), ECHO, 4096));

        assertThat(peers).containsExactly(PROXY_SOURCE_V4);
    }

    @Test
    void aCallToAPodWithoutASidecarLeavesFromThePodsOwnAddress() {
        List<InetAddress> peers = c.peersDuring(ECHO, () -> a.expectEcho(c.ipv4(), ECHO, 4096));

        assertThat(peers).containsExactly(Pod.ip(a.ipv4()));
    }

    @Test
    void sixtyFourMebibytesEachWayCrossBothProxiesByteExactWithHalfClose() {
        long size = 64L * 1024 * 1024;

        Exchange exchange = a.echo(b.ipv4(), ECHO, size);

        assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.COMPLETED);
        assertThat(exchange.received()).isEqualTo(size);
        assertThat(exchange.echoed()).as("the echo equals what was sent, byte for byte").isTrue();
        System.out.printf("[figures] 64 MiB each way through two sidecars: %d ms%n", exchange.millis());
    }

    @Test
    void twoHundredConcurrentConnectionsAllComplete() {
        String result = a.app("burst " + b.ipv4() + " " + ECHO + " 200 65536");

        assertThat(result).startsWith("connections=200 echoed=200 ");
        System.out.printf("[figures] 200 concurrent connections of 64 KiB each way: %s%n", result);
    }

    @Test
    void aCallToAPortWhereNothingListensFailsWithinASecond() {
        Exchange exchange = a.attempt(b.ipv4(), 9);

        assertThat(exchange.outcome()).as(exchange.line()).isIn(Outcome.RESET, Outcome.REFUSED);
        assertThat(exchange.millis()).isLessThan(1_000);
    }

    @Test
    void withOnlyAnIncludedOutboundPortOnlyCallsToThatPortAreCaptured() {
        // d runs no sidecar: a captured call finds nothing on the outbound listener and is refused.
        Exchange captured = d.attempt(c.ipv4(), ECHO);

        assertThat(captured.outcome()).as("captured by port, whatever the address: " + captured.line())
                .isEqualTo(Outcome.REFUSED);
        List<InetAddress> peers = c.peersDuring(EXCLUDED, () -> d.expectEcho(c.ipv4(), EXCLUDED, 4096));
        assertThat(peers).as("another port goes straight out").containsExactly(Pod.ip(d.ipv4()));
    }

    @Test
    void anExcludedInboundPortBypassesTheInboundProxy() {
        List<InetAddress> peers = b.peersDuring(EXCLUDED, () -> a.expectEcho(b.ipv4(), EXCLUDED, 4096));

        assertThat(peers).containsExactly(Pod.ip(a.ipv4()));
    }

    @Test
    void anApplicationCallingItsOwnPodIpStillPassesItsInboundProxy() {
        List<InetAddress> peers = b.peersDuring(ECHO, () -> b.expectEcho(b.ipv4(), ECHO, 4096));

        assertThat(peers).containsExactly(PROXY_SOURCE_V4);
    }

    @Test
    void overIpv6TheAppSeesTheProxysIpv6LoopbackSource() {
        List<InetAddress> peers = b.peersDuring(ECHO, () -> a.expectEcho(b.ipv6(), ECHO, 1024 * 1024));

        assertThat(peers).containsExactly(PROXY_SOURCE_V6);
    }

    @Test
    void theHealthEndpointAnswersOnThePodIpToTheApplicationAndOtherPods() {
        assertThat(a.app("get " + b.ipv4() + " 15021 /healthz/ready")).isEqualTo("200 ready");
        assertThat(b.app("get " + b.ipv4() + " 15021 /healthz/ready")).isEqualTo("200 ready");
    }

    @Test
    void theAdminEndpointAnswersOnLoopbackOnly() {
        assertThat(b.app("get 127.0.0.1 15000 /ready")).isEqualTo("200 LIVE");
        assertThat(a.attempt(b.ipv4(), 15000).outcome()).isIn(Outcome.RESET, Outcome.REFUSED);
    }
}
