package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.it.harness.Tandem;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@code bin/tandem inject} writes also runs. Three pods are injected as a user injects them, read into
 * Kubernetes' object model, and run on Docker the way a kubelet runs a pod: a holder owns the network namespace, the
 * init containers run in order (a native sidecar is started and its startup probe awaited), then the containers in
 * order, each postStart hook (the classic sidecar's wait-ready) returning before the next container starts, each
 * with exactly the image, command, args, environment (downward-API fields filled from the pod), user, group,
 * capabilities, privilege escalation, read-only root, emptyDir mounts and memory and CPU limits its manifest gives it;
 * the probes are made from another namespace, as the kubelet makes them from the node. A client in its own namespace
 * then calls each pod's application: the answer shows the call crossed the pod's sidecar, and the sidecar's counters
 * show whether the application's own call to a service outside the mesh left through it.
 */
@ExtendWith(ScenarioExtension.class)
class InjectedPodsOnDockerTest {

    private static final String TAG = "inject-test";
    private static final String TANDEM_IMAGE = "tandem:" + TAG;
    private static final String APP_IMAGE = "tandem-demo-service:" + TAG;
    /** Names every container and the network of this run, so that cleanup removes exactly what it made. */
    private static final String RUN = "tandem-inject-" + ProcessHandle.current().pid();
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MODEL = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static String builtBase;
    private static final Map<String, Pod> pods = new LinkedHashMap<>();
    private static final List<String> figures = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void injectAndRunThePods() throws Exception {
        long start = System.nanoTime();
        buildImages();
        long built = System.nanoTime();
        must("docker", "network", "create", "--label", "tandem.test=" + RUN, RUN);
        Kubelet kubelet = new Kubelet();
        run(List.of("docker", "run", "-d", "--name", RUN + "-ratings", "--label", "tandem.test=" + RUN, "--network", RUN,
                "--network-alias", "ratings", "--pull", "never", "--no-healthcheck", "-e", "DEMO_NAME=ratings", APP_IMAGE), true);
        kubelet.await("ratings", tcpProbe(8080));

        inject("native.yaml", List.of(), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: productpage
                  namespace: shop
                  labels: {app: productpage, version: v1}
                spec:
                  serviceAccountName: productpage
                  containers:
                  - name: productpage
                    image: %1$s
                    env:
                    - {name: DEMO_NAME, value: productpage}
                    - {name: DEMO_UPSTREAM, value: "http://ratings:8080/"}
                    ports: [{containerPort: 8080, name: http}]
                    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: details
                  namespace: shop
                  labels: {app: details}
                  annotations:
                    traffic.tandem.dev/excludeOutboundPorts: "8080"
                spec:
                  containers:
                  - name: details
                    image: %1$s
                    env:
                    - {name: DEMO_NAME, value: details}
                    - {name: DEMO_UPSTREAM, value: "http://ratings:8080/"}
                    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                """.formatted(APP_IMAGE));
        inject("classic.yaml", List.of("--classic"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: reviews
                  namespace: shop
                  labels: {app: reviews, version: v2}
                  annotations:
                    sidecar.istio.io/interceptionMode: TPROXY
                spec:
                  containers:
                  - name: reviews
                    image: %1$s
                    env:
                    - {name: DEMO_NAME, value: reviews}
                    - {name: DEMO_UPSTREAM, value: "http://ratings:8080/"}
                    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                """.formatted(APP_IMAGE));

        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (Pod pod : pods.values()) {
            starts.add(CompletableFuture.runAsync(() -> new DockerPod(pod, kubelet).start()));
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        long ready = System.nanoTime();
        figures.add(String.format("images built in %d ms, three injected pods ready on Docker %d ms later",
                TimeUnit.NANOSECONDS.toMillis(built - start), TimeUnit.NANOSECONDS.toMillis(ready - built)));
    }

    @AfterAll
    static void removeEverythingThisRunMade() {
        System.out.println("[figures] inject on docker: " + String.join("; ", figures));
        if (!Boolean.getBoolean("tandem.keep.containers")) {
            String ids = run(List.of("docker", "ps", "-aq", "--filter", "label=tandem.test=" + RUN), false).stdout();
            if (!ids.isBlank()) {
                List<String> remove = new ArrayList<>(List.of("docker", "rm", "-f"));
                remove.addAll(ids.lines().toList());
                run(remove, false);
            }
            run(List.of("docker", "network", "rm", RUN), false);
        }
        run(List.of("docker", "image", "rm", TANDEM_IMAGE, APP_IMAGE), false);
        if (builtBase != null && !"1".equals(System.getenv("TANDEM_KEEP_IMAGES"))) {
            run(List.of("docker", "image", "rm", builtBase), false);
        }
    }

    @Test
    void aCallToANativeSidecarPodCrossesItsSidecarAndSoDoesItsOwnCallOut() {
        Crossing crossing = callAndCount("productpage");

        assertThat(crossing.answer().path("service").asText()).isEqualTo("productpage");
        assertThat(crossing.answer().path("peer").asText()).as("delivered by the pod's inbound listener").isEqualTo("127.0.0.6");
        assertThat(crossing.answer().path("upstream").path("service").asText()).isEqualTo("ratings");
        assertThat(crossing.inbound()).isEqualTo(1);
        assertThat(crossing.outbound()).as("the application's connection to ratings").isEqualTo(1);
    }

    @Test
    void aCallToAClassicTproxyPodCrossesItsSidecarWhichRunsAsRootInTheProxyGroupWithoutLooping() {
        Crossing crossing = callAndCount("reviews");

        assertThat(crossing.answer().path("peer").asText()).isEqualTo("127.0.0.6");
        assertThat(crossing.answer().path("upstream").path("service").asText()).isEqualTo("ratings");
        assertThat(crossing.inbound()).isEqualTo(1);
        assertThat(crossing.outbound()).isEqualTo(1);
        assertThat(inspect("reviews", "tandem-proxy", "{{.Config.User}}")).isEqualTo("0:1337");
    }

    @Test
    void aPodsExcludeOutboundPortsAnnotationLetsItsCallOutBypassTheSidecar() {
        Crossing crossing = callAndCount("details");

        assertThat(crossing.answer().path("peer").asText()).isEqualTo("127.0.0.6");
        assertThat(crossing.answer().path("upstream").path("service").asText()).isEqualTo("ratings");
        assertThat(crossing.inbound()).isEqualTo(1);
        assertThat(crossing.outbound()).as("port 8080 is excluded by the pod's annotation").isZero();
    }

    @Test
    void theContainersRunWithTheUsersCapabilitiesAndRootFilesystemTheManifestGives() {
        assertThat(inspect("productpage", "tandem-init", "{{.Config.User}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.State.ExitCode}}")
                .replace("CAP_", "")).isEqualTo("0:0 [ALL] [NET_ADMIN NET_RAW] 0");
        assertThat(inspect("productpage", "tandem-proxy", "{{.Config.User}} {{.HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}}"))
                .isEqualTo("1337:1337 [ALL] true [no-new-privileges]");
        assertThat(inspect("productpage", "tandem-proxy", "{{.HostConfig.Memory}}")).isEqualTo(String.valueOf(256L << 20));
    }

    // --- the pods --------------------------------------------------------------------------------------------------

    /** Runs {@code bin/tandem inject} on the manifest, as a user would, and reads the pods strictly into the model. */
    private static void inject(String file, List<String> flags, String manifest) throws IOException {
        Path input = Files.createTempFile("inject-", "-" + file);
        try {
            Files.writeString(input, manifest);
            List<String> command = new ArrayList<>(List.of(Tandem.root().resolve("bin/tandem").toString(), "inject",
                    "-f", input.toString(), "--image", TANDEM_IMAGE, "--image-pull-policy", "Never"));
            command.addAll(flags);
            Result injected = run(command, true);
            for (JsonNode document : new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(injected.stdout()).readAll()) {
                Pod pod = MODEL.treeToValue(document, Pod.class);
                assertThat(pod.getAdditionalProperties()).isEmpty();
                pods.put(pod.getMetadata().getName(), pod);
            }
        } finally {
            Files.delete(input);
        }
    }

    /** A pod on Docker, started as a kubelet starts it. */
    private record DockerPod(Pod pod, Kubelet kubelet) {

        String name() {
            return pod.getMetadata().getName();
        }

        void start() {
            long start = System.nanoTime();
            // The holder: a pause container that owns the namespace; Docker's DNS resolves the pod's name to it. No
            // container here runs the image's HEALTHCHECK: a kubelet ignores it and probes as the manifest says.
            run(List.of("docker", "run", "-d", "--name", RUN + "-" + name(), "--label", "tandem.test=" + RUN,
                    "--network", RUN, "--network-alias", name(), "--pull", "never", "--no-healthcheck", "--cap-drop", "ALL",
                    "--entrypoint", "sleep", TANDEM_IMAGE, "infinity"), true);
            List<Container> probed = new ArrayList<>();
            for (Container init : pod.getSpec().getInitContainers()) {
                if ("Always".equals(init.getRestartPolicy())) {
                    run(dockerRun(init, true), true);
                    postStart(init);
                    kubelet.await(name(), init.getStartupProbe());
                    probed.add(init);
                } else {
                    Result result = run(dockerRun(init, false), false);
                    if (result.exitCode() != 0) {
                        throw new IllegalStateException("init container " + init.getName() + " of " + name() + " exited "
                                + result.exitCode() + ":\n" + result.stdout() + result.stderr());
                    }
                }
            }
            for (Container container : pod.getSpec().getContainers()) {
                run(dockerRun(container, true), true);
                postStart(container);
                probed.add(container);
            }
            for (Container container : probed) {
                if (container.getReadinessProbe() != null) {
                    kubelet.await(name(), container.getReadinessProbe());
                }
            }
            figures.add(name() + " ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        }

        /**
         * The container's postStart hook, run in it as the kubelet runs it: the next container starts only once the hook
         * has returned, and a hook that fails fails the container.
         */
        void postStart(Container c) {
            if (c.getLifecycle() == null || c.getLifecycle().getPostStart() == null) {
                return;
            }
            assertThat(c.getLifecycle().getPostStart().getExec()).as("only exec hooks are run here").isNotNull();
            long start = System.nanoTime();
            List<String> exec = new ArrayList<>(List.of("docker", "exec", RUN + "-" + name() + "-" + c.getName()));
            exec.addAll(c.getLifecycle().getPostStart().getExec().getCommand());
            Result result = run(exec, false);
            if (result.exitCode() != 0) {
                throw new IllegalStateException("postStart hook of " + c.getName() + " in " + name() + " exited "
                        + result.exitCode() + ":\n" + result.stdout() + result.stderr());
            }
            figures.add(name() + "'s " + c.getName() + " postStart hook returned in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        }

        /** {@code docker run} with everything the manifest says about the container. */
        List<String> dockerRun(Container c, boolean detached) {
            List<String> run = new ArrayList<>(List.of("docker", "run"));
            if (detached) {
                run.add("-d");
            }
            run.addAll(List.of("--name", RUN + "-" + name() + "-" + c.getName(), "--label", "tandem.test=" + RUN,
                    "--network", "container:" + RUN + "-" + name(), "--no-healthcheck"));
            run.addAll(List.of("--pull", switch (c.getImagePullPolicy() == null ? "IfNotPresent" : c.getImagePullPolicy()) {
                case "Always" -> "always";
                case "Never" -> "never";
                default -> "missing";
            }));
            for (EnvVar env : c.getEnv()) {
                run.addAll(List.of("-e", env.getName() + "=" + value(env)));
            }
            SecurityContext security = c.getSecurityContext();
            if (security != null) {
                if (security.getRunAsUser() != null) {
                    assertThat(Boolean.TRUE.equals(security.getRunAsNonRoot()) && security.getRunAsUser() == 0)
                            .as("the kubelet refuses runAsNonRoot with uid 0").isFalse();
                    run.addAll(List.of("--user", security.getRunAsUser()
                            + (security.getRunAsGroup() != null ? ":" + security.getRunAsGroup() : "")));
                }
                if (security.getCapabilities() != null) {
                    security.getCapabilities().getDrop().forEach(cap -> run.addAll(List.of("--cap-drop", cap)));
                    security.getCapabilities().getAdd().forEach(cap -> run.addAll(List.of("--cap-add", cap)));
                }
                if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
                    run.addAll(List.of("--security-opt", "no-new-privileges"));
                }
                if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
                    run.add("--read-only");
                }
                if (Boolean.TRUE.equals(security.getPrivileged())) {
                    run.add("--privileged");
                }
            }
            if (c.getResources() != null && c.getResources().getLimits() != null) {
                Quantity memory = c.getResources().getLimits().get("memory");
                Quantity cpu = c.getResources().getLimits().get("cpu");
                if (memory != null) {
                    run.addAll(List.of("--memory", Quantity.getAmountInBytes(memory).toBigInteger().toString()));
                }
                if (cpu != null) {
                    run.addAll(List.of("--cpus", Quantity.getAmountInBytes(cpu).toPlainString()));
                }
            }
            for (VolumeMount mount : c.getVolumeMounts()) {
                Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                        .findFirst().orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
                // An emptyDir is a writable, executable directory of the pod's own; these are mounted by one
                // container each, so a tmpfs per container is the same.
                assertThat(volume.getEmptyDir()).as("only emptyDir volumes are run here: " + volume.getName()).isNotNull();
                run.addAll(List.of("--tmpfs", mount.getMountPath() + ":rw,exec,mode=1777"));
            }
            List<String> command = c.getCommand();
            if (!command.isEmpty()) {
                run.addAll(List.of("--entrypoint", command.get(0)));
            }
            run.add(c.getImage());
            if (command.size() > 1) {
                run.addAll(command.subList(1, command.size()));
            }
            run.addAll(c.getArgs());
            return run;
        }

        /** The downward API's answer for a field, as the kubelet gives it. */
        String value(EnvVar env) {
            if (env.getValueFrom() == null) {
                return env.getValue() == null ? "" : env.getValue();
            }
            String field = env.getValueFrom().getFieldRef().getFieldPath();
            Matcher label = Pattern.compile("metadata\\.labels\\['(.+)'\\]").matcher(field);
            if (label.matches()) {
                return pod.getMetadata().getLabels().getOrDefault(label.group(1), "");
            }
            return switch (field) {
                case "metadata.name" -> name();
                case "metadata.namespace" -> pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
                case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName() == null ? "default"
                        : pod.getSpec().getServiceAccountName();
                default -> throw new AssertionError("a downward-API field this runner does not give: " + field);
            };
        }
    }

    /**
     * Probes from a namespace of its own on the pods' network, as the kubelet probes from the node: to the pod's
     * address, so an application port is reached through the interception rules and a proxy port is not.
     */
    private static final class Kubelet {

        private final String container = RUN + "-kubelet";

        Kubelet() {
            run(List.of("docker", "run", "-d", "--name", container, "--label", "tandem.test=" + RUN, "--network", RUN,
                    "--pull", "never", "--no-healthcheck", "--entrypoint", "sleep", APP_IMAGE, "infinity"), true);
        }

        void await(String host, Probe probe) {
            String check;
            if (probe.getHttpGet() != null) {
                int port = probe.getHttpGet().getPort().getIntVal();
                check = "exec 3<>/dev/tcp/" + host + "/" + port + " && printf 'GET " + probe.getHttpGet().getPath()
                        + " HTTP/1.0\\r\\nHost: " + host + "\\r\\n\\r\\n' >&3 && read -r _ status _ <&3"
                        + " && [ \"$status\" -ge 200 ] && [ \"$status\" -lt 400 ]";
            } else {
                check = "exec 3<>/dev/tcp/" + host + "/" + probe.getTcpSocket().getPort().getIntVal();
            }
            long deadline = System.nanoTime() + READY_WITHIN.toNanos();
            while (System.nanoTime() < deadline) {
                if (run(List.of("docker", "exec", container, "timeout", "3", "bash", "-c", check), false).exitCode() == 0) {
                    return;
                }
                sleep(200);
            }
            throw new IllegalStateException(host + " did not pass " + check + " within " + READY_WITHIN + "\n" + logs());
        }
    }

    private static Probe tcpProbe(int port) {
        Probe probe = new Probe();
        probe.setTcpSocket(new io.fabric8.kubernetes.api.model.TCPSocketAction(null,
                new io.fabric8.kubernetes.api.model.IntOrString(port)));
        return probe;
    }

    // --- what a user would look at -----------------------------------------------------------------------------

    /**
     * A client's call, the connections it added to the sidecar's inbound listener (the readiness probes crossed it
     * too), and the connections the sidecar's outbound listener has taken in all: only the application calls out,
     * and its HTTP client keeps its one connection to ratings open from the first probe on.
     */
    private record Crossing(JsonNode answer, long inbound, long outbound) {
    }

    private static synchronized Crossing callAndCount(String pod) {
        Map<String, Long> before = stats(pod, "tandem-proxy");
        JsonNode answer = call(pod);
        Map<String, Long> after = stats(pod, "tandem-proxy");
        String inbound = "listener.inbound.downstream_cx_total";
        return new Crossing(answer, after.get(inbound) - before.get(inbound), after.get("listener.outbound.downstream_cx_total"));
    }

    /** The application's JSON answer to a client in a namespace of its own. */
    private static JsonNode call(String pod) {
        Result result = run(List.of("docker", "run", "--rm", "--label", "tandem.test=" + RUN, "--network", RUN,
                "--pull", "never", APP_IMAGE, "call", "http://" + pod + ":8080/"), false);
        assertThat(result.exitCode()).as(() -> result.stderr() + logs()).isZero();
        try {
            return JSON.readTree(result.stdout());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + result.stdout(), e);
        }
    }

    /** The sidecar's admin counters, read inside its container (the admin port is on loopback only). */
    private static Map<String, Long> stats(String pod, String container) {
        String script = "exec 3<>/dev/tcp/127.0.0.1/15000 && printf 'GET /stats HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3";
        Result result = run(List.of("docker", "exec", RUN + "-" + pod + "-" + container, "bash", "-c", script), true);
        Map<String, Long> stats = new LinkedHashMap<>();
        result.stdout().lines().filter(l -> l.matches("[a-z_.]+: [0-9]+")).forEach(l -> {
            String[] parts = l.split(": ");
            stats.put(parts[0], Long.parseLong(parts[1]));
        });
        return stats;
    }

    private static String inspect(String pod, String container, String format) {
        return run(List.of("docker", "inspect", "-f", format, RUN + "-" + pod + "-" + container), true).stdout().strip();
    }

    /** The last lines of every container of this run, for a failure's message. */
    private static String logs() {
        var out = new StringBuilder();
        for (String name : run(List.of("docker", "ps", "-a", "--filter", "label=tandem.test=" + RUN, "--format",
                "{{.Names}}"), false).stdout().lines().toList()) {
            Result logs = run(List.of("docker", "logs", "--tail", "30", name), false);
            out.append("\n---- docker logs ").append(name).append('\n').append(logs.stdout()).append(logs.stderr());
        }
        return out.toString();
    }

    // --- Docker ------------------------------------------------------------------------------------------------

    /**
     * docker/build-images.sh: Docker installed and started if needed, the base image chosen (or built), both images
     * built. Without Docker the test is skipped, or fails under CI=true.
     */
    private static void buildImages() {
        Result built = run(List.of("bash", Tandem.root().resolve("docker/build-images.sh").toString(), TAG), false,
                Duration.ofMinutes(15));
        Matcher base = Pattern.compile("base=(\\S+) fetched=(yes|no)").matcher(built.stdout());
        if (base.find() && base.group(2).equals("yes")) {
            builtBase = base.group(1);
        }
        if (built.exitCode() == 2 && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            Assumptions.abort("skipped: no Docker here: " + built.stderr().strip());
        }
        assertThat(built.exitCode()).as("docker/build-images.sh " + TAG + ":\n" + built.stderr()).isZero();
    }

    private static void must(String... command) {
        run(List.of(command), true);
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command, boolean check) {
        return run(command, check, Duration.ofMinutes(2));
    }

    private static Result run(List<String> command, boolean check, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String stdout = read(process.getInputStream());
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeout);
            }
            Result result = new Result(process.exitValue(), stdout, stderr.join());
            if (check && result.exitCode() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
                        + result.stderr().strip());
            }
            return result;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
