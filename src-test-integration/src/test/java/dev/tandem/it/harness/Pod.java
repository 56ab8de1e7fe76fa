package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.Host;
import dev.tandem.launcher.mesh.NamespaceMesh;
import dev.tandem.launcher.mesh.NamespacePod;
import dev.tandem.testing.Exchange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One pod: a network namespace with its application ({@code PodApp}, run as root, like most containers) and, when
 * started, the Tandem sidecar, run through the built {@code bin/tandem} as uid 1337.
 */
public final class Pod {

    private static final int PROXY_UID = 1337;
    /** The service (ClusterIP) addresses of the scenarios: inside the pods, never on the host. */
    public static final String SERVICE_RANGE = "10.96.0.0/16";

    private final NamespaceMesh network;
    private final NamespacePod pod;
    private final Path logs;
    private final PodAppClient app;
    private Process sidecar;
    private Path sidecarLog;
    private int sidecarStarts;
    private long lastReadyMillis;

    Pod(NamespaceMesh network, NamespacePod pod, Path logs) {
        this.network = network;
        this.pod = pod;
        this.logs = logs;
        this.app = new PodAppClient(network, pod, logs.resolve(pod.name() + "-app.log"));
    }

    public String name() {
        return pod.name();
    }

    public String netns() {
        return pod.netns();
    }

    public String ipv4() {
        return pod.ipv4();
    }

    public String ipv6() {
        return pod.ipv6();
    }

    /** Runs a command in the pod's namespace, as root. */
    public Host.Result exec(Map<String, String> environment, String... command) {
        return network.exec(pod, environment, command);
    }

    /** {@code bin/tandem redirect ACTION ARGS...} in this pod, with the given variables. */
    public Host.Result redirect(Map<String, String> environment, String action, String... args) {
        var command = new ArrayList<>(List.of(Tandem.bin().toString(), "redirect", action));
        command.addAll(Arrays.asList(args));
        return exec(environment, command.toArray(String[]::new));
    }

    /** The pod's iptables as iptables-save prints them, without comments and counters. */
    public String iptablesSave(String tool) {
        return exec(Map.of(), tool).orThrow().stdout().lines()
                .filter(l -> !l.startsWith("#"))
                .map(l -> l.replaceAll("\\[\\d+:\\d+]", "[0:0]"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    /**
     * Routes the service address range (10.96.0.0/16, a cluster's ClusterIPs) out of eth0, as a pod's default route
     * would: the application can then connect to a service address, which its sidecar captures before it leaves.
     */
    public void routeServiceAddresses() {
        exec(Map.of(), "ip", "route", "add", SERVICE_RANGE, "dev", "eth0").orThrow();
    }

    /** The name server processes in this pod use from now on (the file ip netns exec mounts as /etc/resolv.conf). */
    public void useNameServer(String address) {
        try {
            Path dir = Path.of("/etc/netns", netns());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("resolv.conf"), "nameserver " + address + "\noptions timeout:1 attempts:2\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Removes what {@link #useNameServer} wrote on the host. */
    void removeHostFiles() {
        Path dir = Path.of("/etc/netns", netns());
        try {
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Installs the interception rules, failing the test if apply fails. */
    public void applyRules(Map<String, String> environment) {
        redirect(environment, "apply").orThrow();
    }

    /**
     * Starts the sidecar as uid 1337 and waits until its readiness endpoint answers 200. A TPROXY sidecar also gets
     * CAP_NET_ADMIN, which a transparent socket needs.
     */
    public void startSidecar(Map<String, String> environment) {
        var env = new HashMap<>(environment);
        env.putIfAbsent("TANDEM_JAVA_OPTS", "-Dio.netty.leakDetection.level=paranoid");
        env.putIfAbsent("TANDEM_DRAIN_DURATION", "2s");
        // Istio's default waits out the whole drain; the scenarios stop sidecars often, so they leave when idle.
        env.putIfAbsent("TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "true");
        env.putIfAbsent("TANDEM_LOG_LEVEL", System.getProperty("tandem.sidecar.log.level", "info"));
        boolean tproxy = "TPROXY".equalsIgnoreCase(env.get("TANDEM_INBOUND_INTERCEPTION_MODE"));
        sidecarLog = logs.resolve(name() + "-sidecar-" + (++sidecarStarts) + ".log");
        long start = System.nanoTime();
        sidecar = network.start(pod, env, PROXY_UID, tproxy ? List.of("net_admin") : List.of(), sidecarLog,
                List.of(Tandem.bin().toString(), "proxy"));
        int healthPort = Integer.parseInt(env.getOrDefault("TANDEM_HEALTH_PORT", "15021"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!sidecar.isAlive()) {
                throw new IllegalStateException("sidecar of " + name() + " exited " + sidecar.exitValue() + ":\n" + sidecarLog());
            }
            if (health(healthPort).startsWith("200")) {
                lastReadyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                return;
            }
            sleep(50);
        }
        throw new IllegalStateException("sidecar of " + name() + " not ready in 30 s:\n" + sidecarLog());
    }

    /** The health endpoint's status and body as the application sees them, or the error. */
    public String health(int port) {
        try {
            return app.call("get 127.0.0.1 " + port + " /healthz/ready", Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** Milliseconds from exec of the last sidecar to its readiness endpoint answering 200. */
    public long lastReadyMillis() {
        return lastReadyMillis;
    }

    public Process sidecar() {
        return sidecar;
    }

    /** Sends SIGTERM and waits for the exit; returns the exit code. Fails on a buffer leak in the sidecar's log. */
    public int stopSidecar() {
        sidecar.destroy();
        try {
            if (!sidecar.waitFor(30, TimeUnit.SECONDS)) {
                sidecar.destroyForcibly();
                throw new IllegalStateException("sidecar of " + name() + " did not stop within 30 s of SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String log = sidecarLog();
        if (log.contains("LEAK:")) {
            throw new AssertionError("the sidecar of " + name() + " leaked buffers:\n" + log);
        }
        return sidecar.exitValue();
    }

    public String sidecarLog() {
        try {
            return Files.readString(sidecarLog);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A command to the pod's application; returns its answer. */
    public String app(String command) {
        return app.call(command, Duration.ofSeconds(120));
    }

    /** Raw bytes to host:port, half-closed after; everything that came back, as text. */
    public String raw(String host, int port, String request) {
        String encoded = java.util.Base64.getEncoder().encodeToString(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        String reply = app("raw " + host + " " + port + " " + encoded);
        return new String(java.util.Base64.getDecoder().decode(reply.strip()), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The {@code key=value} fields of a pod application reply. */
    public static Map<String, String> fields(String reply) {
        var fields = new HashMap<String, String>();
        for (String word : reply.strip().split(" ")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return fields;
    }

    /** The application sends {@code bytes} to host:port and reads the echo, half-closing after the last byte. */
    public Exchange echo(String host, int port, long bytes) {
        return Exchange.parse(app("echo " + host + " " + port + " " + bytes));
    }

    public Exchange attempt(String host, int port) {
        return Exchange.parse(app("attempt " + host + " " + port));
    }

    /** The application's echo succeeds byte for byte, or the test fails with what happened instead. */
    public Exchange expectEcho(String host, int port, long bytes) {
        Exchange exchange = echo(host, port, bytes);
        if (!exchange.echoed()) {
            throw new AssertionError(name() + " -> " + host + ":" + port + ": " + exchange.line());
        }
        return exchange;
    }

    /** The peers this pod's echo server on {@code port} saw while {@code call} ran. */
    public List<InetAddress> peersDuring(int port, Runnable call) {
        int before = peers(port).size();
        call.run();
        List<InetAddress> all = peers(port);
        return all.subList(before, all.size());
    }

    /** The peers the application's echo server on {@code port} has seen, in order. */
    public List<InetAddress> peers(int port) {
        String reply = app("peers " + port);
        if (reply.isBlank()) {
            return List.of();
        }
        return Arrays.stream(reply.split(",")).map(Pod::ip).toList();
    }

    public static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** True while a sidecar started by {@link #startSidecar} runs. */
    public boolean sidecarRunning() {
        return sidecar != null && sidecar.isAlive();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
