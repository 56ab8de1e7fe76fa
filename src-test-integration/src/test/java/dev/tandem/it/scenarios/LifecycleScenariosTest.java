package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.launcher.mesh.Host;
import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.testing.Exchange;
import dev.tandem.testing.Exchange.Outcome;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Starting and stopping a sidecar, seen from its pod: readiness, drain, exit status, and nothing leaking past it. */
@ExtendWith(ScenarioExtension.class)
class LifecycleScenariosTest {

    private static final int ECHO = 8080;

    private static Mesh mesh;
    private static Pod client;
    private static Pod server;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("lifecycle");
        client = mesh.pod("client");
        server = mesh.pod("server");
        client.applyRules(Map.of());
        server.app("echo-server " + ECHO);
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void onSigtermReadiness503TheCallInFlightAndNewCallsCompleteThenItExitsZeroAndCallsAreRefused() throws Exception {
        client.startSidecar(Map.of("TANDEM_DRAIN_DURATION", "10s", "TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "true"));
        String inFlight = client.app("async slow-echo " + server.ipv4() + " " + ECHO + " 2000");
        Thread.sleep(300);

        client.sidecar().destroy();

        assertThat(eventually(() -> client.health(15021), "503 draining")).isEqualTo("503 draining");
        Exchange during = client.echo(server.ipv4(), ECHO, 1024);
        assertThat(during.echoed()).as("a new call while the drain waits for the one in flight: " + during.line()).isTrue();
        Exchange finished = Exchange.parse(client.app("await " + inFlight));
        assertThat(finished.echoed()).as("the call in flight at SIGTERM: " + finished.line()).isTrue();
        assertThat(client.sidecar().waitFor(5, TimeUnit.SECONDS))
                .as("exits once its last connection ends, well before the 10 s drain period").isTrue();
        assertThat(client.stopSidecar()).isZero();
        Exchange after = client.attempt(server.ipv4(), ECHO);
        assertThat(after.outcome()).as("a call after the drain: " + after.line()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void withTheOutboundProxyStoppedTheAppsCallsFailWhileTheProxyUsersConnectionsGoStraightOut() {
        client.startSidecar(Map.of());
        Exchange through = client.echo(server.ipv4(), ECHO, 1024);
        assertThat(through.echoed()).as(through.line()).isTrue();

        assertThat(client.stopSidecar()).isZero();

        Exchange captured = client.attempt(server.ipv4(), ECHO);
        assertThat(captured.outcome()).as("nothing leaks past the capture: " + captured.line()).isEqualTo(Outcome.REFUSED);
        Host.Result asProxyUser = client.exec(Map.of(), "setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                "timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/" + server.ipv4() + "/" + ECHO + "; printf ping >&3; head -c 4 <&3");
        assertThat(asProxyUser.stdout()).as("uid 1337 is never captured: " + asProxyUser.stderr()).isEqualTo("ping");
    }

    private static String eventually(java.util.function.Supplier<String> probe, String wanted) throws InterruptedException {
        String last = null;
        for (int i = 0; i < 40; i++) {
            last = probe.get();
            if (wanted.equals(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        return last;
    }
}
