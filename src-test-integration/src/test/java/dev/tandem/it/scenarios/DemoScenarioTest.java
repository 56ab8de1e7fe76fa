package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.it.harness.Tandem;
import dev.tandem.launcher.mesh.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code bin/tandem demo}, run as the README says, as a user would watch it. */
@ExtendWith(ScenarioExtension.class)
class DemoScenarioTest {

    @Test
    void theDemoShowsEveryHopCrossingTheSidecarsAndRemovesEverythingItMade() {
        Host.Result demo = Host.run(List.of(Tandem.root().resolve("bin/tandem").toString(), "demo", "--once"));

        assertThat(demo.exitCode()).as(demo.stdout() + demo.stderr()).isZero();
        assertThat(demo.stdout())
                .contains("client   -> frontend", "frontend -> catalog", "catalog  -> ratings")
                .contains("3 of 3 hops delivered by the callee's sidecar.")
                .contains("frontend outbound 1, inbound 1", "catalog  outbound 1, inbound 1", "ratings  outbound 0, inbound 1")
                .doesNotContain("NOT through a sidecar");
        assertThat(demo.stdout().lines().filter(l -> l.contains("saw peer 127.0.0.6"))).hasSize(3);
        System.out.println("[figures] demo: " + demo.stdout().lines().filter(l -> l.contains("answered in"))
                .findFirst().orElse("?"));
        assertThat(demoNamespaces()).isEmpty();
    }

    @Test
    void ctrlCRemovesTheRunningDemo() throws Exception {
        // Started with SIGINT at its default disposition, as in a terminal (a background job would ignore it).
        Process demo = new ProcessBuilder(List.of("env", "--default-signal=INT",
                Tandem.root().resolve("bin/tandem").toString(), "demo")).redirectErrorStream(true).start();
        try (var out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.contains("Press Ctrl-C")) {
                // read until the demo waits
            }
            assertThat(line).as("the demo reached its waiting point").isNotNull();
            assertThat(demoNamespaces()).hasSize(5);

            Host.must("kill", "-INT", Long.toString(demo.pid()));

            assertThat(demo.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(demo.exitValue()).isZero();
            assertThat(demoNamespaces()).isEmpty();
        } finally {
            demo.destroyForcibly();
        }
    }

    private static List<String> demoNamespaces() {
        return Host.must("ip", "netns", "list").stdout().lines().filter(l -> l.startsWith("tdemo")).toList();
    }
}
