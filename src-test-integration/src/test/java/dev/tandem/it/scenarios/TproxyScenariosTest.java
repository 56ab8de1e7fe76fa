package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pod b intercepts inbound connections with TPROXY (mangle table, mark, policy route, transparent listener); pod a
 * uses REDIRECT; pod c has no sidecar. The application sees the same thing either way.
 */
@ExtendWith(ScenarioExtension.class)
class TproxyScenariosTest {

    private static final int ECHO = 8080;
    private static final Map<String, String> TPROXY = Map.of("TANDEM_INBOUND_INTERCEPTION_MODE", "TPROXY");

    private static Mesh mesh;
    private static Pod a;
    private static Pod b;
    private static Pod c;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("tproxy");
        a = mesh.pod("a");
        b = mesh.pod("b");
        c = mesh.pod("c");
        a.applyRules(Map.of());
        b.applyRules(TPROXY);
        a.startSidecar(Map.of());
        b.startSidecar(TPROXY);
        b.app("echo-server " + ECHO);
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aCallFromASidecarPodIsDeliveredByTheTransparentListener() {
        assertThat(b.peersDuring(ECHO, () -> a.expectEcho(b.ipv4(), ECHO, 8 * 1024 * 1024))).containsExactly(Pod.ip("127.0.0.6"));
    }

    @Test
    void aCallFromAPodWithoutSidecarIsDeliveredByTheTransparentListener() {
        assertThat(b.peersDuring(ECHO, () -> c.expectEcho(b.ipv4(), ECHO, 65536))).containsExactly(Pod.ip("127.0.0.6"));
    }

    @Test
    void overIpv6TheTransparentListenerDeliversFromTheIpv6LoopbackSource() {
        assertThat(b.peersDuring(ECHO, () -> a.expectEcho(b.ipv6(), ECHO, 65536))).containsExactly(Pod.ip("::6"));
    }

    @Test
    void theApplicationCallingItsOwnPodIpPassesItsInboundProxy() {
        assertThat(b.peersDuring(ECHO, () -> b.expectEcho(b.ipv4(), ECHO, 65536))).containsExactly(Pod.ip("127.0.0.6"));
    }
}
