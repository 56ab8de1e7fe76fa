package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.it.harness.Tandem;
import dev.tandem.launcher.mesh.Host;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/tandem demo}, run as the README says, as a user would watch it. */
@ExtendWith(ScenarioExtension.class)
class DemoScenarioTest {

    @Test
    void theDemoShowsEveryHopCrossingTheSidecarsAndRemovesEverythingItMade(@TempDir Path home) throws IOException {
        // As on a fresh machine where the checkout is under /root: uid 1337 cannot read it, so the demo stages a copy.
        Path checkout = Files.createDirectories(home.resolve("root-only"));
        Files.setPosixFilePermissions(checkout, PosixFilePermissions.fromString("rwx------"));
        for (String file : List.of("bin/tandem", "launcher/target/tandem.jar")) {
            Files.createDirectories(checkout.resolve(file).getParent());
            Files.copy(Tandem.root().resolve(file), checkout.resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
        }

        Host.Result demo = Host.run(List.of(checkout.resolve("bin/tandem").toString(), "demo", "--once"));

        assertThat(demo.exitCode()).as(demo.stdout() + demo.stderr()).isZero();
        assertThat(demo.stdout())
                .contains("client   -> frontend", "frontend -> catalog", "catalog  -> ratings")
                .contains("3 of 3 hops delivered by the callee's sidecar.")
                .contains("frontend outbound 1, inbound 1", "catalog  outbound 1, inbound 1", "ratings  outbound 0, inbound 1")
                .doesNotContain("NOT through a sidecar");
        assertThat(demo.stdout().lines().filter(l -> l.contains("saw peer 127.0.0.6"))).hasSize(3);
        assertThat(demo.stdout()).as("each sidecar's scrape, family by family")
                .containsPattern("frontend istio_build 1, istio_request_bytes 2, istio_request_duration_milliseconds 2, "
                        + "istio_requests_total 2, istio_response_bytes 2, tandem_")
                .containsPattern("ratings  istio_build 1, istio_request_bytes 1, istio_request_duration_milliseconds 1, "
                        + "istio_requests_total 1, istio_response_bytes 1, tandem_");
        assertThat(demo.stdout()).containsPattern("(?m)x-request-id at every hop: [0-9a-f-]{36}$");
        Matcher split = Pattern.compile("40 calls to the frontend, answered at the end of the chain by: ratings (\\d+), "
                + "ratings-v2 (\\d+)\n").matcher(demo.stdout());
        assertThat(split.find()).as("the routing part of the demo").isTrue();
        int v1 = Integer.parseInt(split.group(1));
        int v2 = Integer.parseInt(split.group(2));
        assertThat(v1 + v2).as("every call answered").isEqualTo(40);
        assertThat(v2).as("answered by ratings v2, weight 30 of 100").isBetween(2, 24);
        System.out.println("[figures] demo: " + demo.stdout().lines().filter(l -> l.contains("answered in"))
                .findFirst().orElse("?"));

        assertThat(demoNamespaces()).isEmpty();
        List<Path> made = Pattern.compile("/tmp/tandem-[A-Za-z0-9-]+").matcher(demo.stdout() + demo.stderr())
                .results().map(m -> Path.of(m.group())).distinct().toList();
        assertThat(demo.stderr()).as("the demo said it staged a copy").contains("running a copy");
        assertThat(made).as("the staged copy and the logs, named in the output").hasSizeGreaterThanOrEqualTo(2);
        assertThat(made).as("left behind").noneMatch(Files::exists);
        assertThat(processesHolding(made)).as("processes left behind").isEmpty();
    }

    @Test
    void withoutRootTheDemoStopsWithTheCommandToRunAndMakesNothing() {
        Path bin = Tandem.bin();
        Host.Result demo = Host.run(List.of("setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                bin.toString(), "demo", "--once"));

        assertThat(demo.exitCode()).as(demo.stdout() + demo.stderr()).isEqualTo(2);
        assertThat(demo.stderr()).contains("needs root").contains("sudo " + bin + " demo --once");
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
            assertThat(demoNamespaces()).as("the mesh's own, four service pods and the client").hasSize(6);

            Host.must("kill", "-INT", Long.toString(demo.pid()));

            assertThat(demo.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(demo.exitValue()).isZero();
            assertThat(demoNamespaces()).isEmpty();
        } finally {
            demo.destroyForcibly();
        }
    }

    /** Processes with a file open, or running, under any of {@code dirs}. */
    private static List<String> processesHolding(List<Path> dirs) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> holdsAny(p, dirs)).map(p -> p.getFileName().toString()).toList();
        }
    }

    private static boolean holdsAny(Path proc, List<Path> dirs) {
        try (var fds = Files.list(proc.resolve("fd"))) {
            return fds.map(DemoScenarioTest::target).anyMatch(t -> dirs.stream().anyMatch(d -> t.startsWith(d.toString())));
        } catch (IOException | UncheckedIOException e) {
            return false; // gone, or not ours to read
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> demoNamespaces() {
        return Host.must("ip", "netns", "list").stdout().lines().filter(l -> l.startsWith("tdemo")).toList();
    }
}
