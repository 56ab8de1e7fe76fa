package dev.tandem.launcher.mesh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pods as network namespaces on one bridge. The bridge lives in a namespace of its own, so nothing touches the host's
 * interfaces or firewall, and every address is inside namespaces the mesh made (10.200.0.0/24, fd00:200::/64).
 * Processes started in pods are stopped, and every namespace deleted, when the mesh closes; namespaces left by a
 * process that died are removed by the next mesh with the same prefix.
 */
public final class NamespaceMesh implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String id;
    private final String net;
    private final List<NamespacePod> pods = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private int nextHost = 2;

    private NamespaceMesh(String id) {
        this.id = id;
        this.net = id + "-net";
    }

    /** A new mesh whose namespaces are named {@code PREFIX<pid>x<n>-...}. */
    public static NamespaceMesh create(String prefix) {
        removeLeftovers(prefix);
        NamespaceMesh mesh = new NamespaceMesh(prefix + ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet());
        Host.must("ip", "netns", "add", mesh.net);
        Host.must("ip", "-n", mesh.net, "link", "set", "lo", "up");
        Host.must("ip", "-n", mesh.net, "link", "add", "br0", "type", "bridge");
        Host.must("ip", "-n", mesh.net, "link", "set", "br0", "up");
        return mesh;
    }

    /** A new pod on the bridge, with an IPv4 and an IPv6 address. */
    public synchronized NamespacePod pod(String name) {
        int host = nextHost++;
        String ns = id + "-" + name;
        String port = "p" + host;
        Host.must("ip", "netns", "add", ns);
        Host.must("ip", "-n", ns, "link", "set", "lo", "up");
        // Both ends are created in their namespaces, so no name ever appears among the host's interfaces.
        Host.must("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", net);
        Host.must("ip", "-n", net, "link", "set", port, "master", "br0");
        Host.must("ip", "-n", net, "link", "set", port, "up");
        NamespacePod pod = new NamespacePod(name, ns, "10.200.0." + host, "fd00:200::" + host);
        Host.must("ip", "-n", ns, "addr", "add", pod.ipv4() + "/24", "dev", "eth0");
        Host.must("ip", "-n", ns, "addr", "add", pod.ipv6() + "/64", "dev", "eth0", "nodad");
        Host.must("ip", "-n", ns, "link", "set", "eth0", "up");
        pods.add(pod);
        return pod;
    }

    /** Runs a command in the pod's namespace, as root, to completion. */
    public Host.Result exec(NamespacePod pod, Map<String, String> environment, String... command) {
        var full = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        full.addAll(Arrays.asList(command));
        return Host.run(full, environment);
    }

    /**
     * Starts a process in the pod's namespace, output and errors to {@code log}. With a uid it runs as that uid and
     * gid with no supplementary groups, and with the given capabilities kept (e.g. {@code net_admin}).
     */
    public synchronized Process start(NamespacePod pod, Map<String, String> environment, Integer uid,
            List<String> capabilities, Path log, List<String> command) {
        var full = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        if (uid != null) {
            full.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
            if (!capabilities.isEmpty()) {
                String caps = String.join(",", capabilities.stream().map(c -> "+" + c).toList());
                full.addAll(List.of("--inh-caps=" + caps, "--ambient-caps=" + caps));
            }
        }
        full.addAll(command);
        try {
            ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + " in " + pod.name(), e);
        }
    }

    /** Starts a process in the pod's namespace, as root, whose stdin and stdout the caller talks to. */
    public synchronized Process startInteractive(NamespacePod pod, Path errors, List<String> command) {
        var full = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).redirectError(errors.toFile()).start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + " in " + pod.name(), e);
        }
    }

    public List<NamespacePod> pods() {
        return List.copyOf(pods);
    }

    /** Stops what still runs (SIGTERM, then SIGKILL after two seconds) and deletes every namespace of the mesh. */
    @Override
    public synchronized void close() {
        processes.stream().filter(Process::isAlive).forEach(Process::destroy);
        for (Process process : processes) {
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (NamespacePod pod : pods) {
            Host.run(List.of("ip", "netns", "delete", pod.netns()));
        }
        Host.run(List.of("ip", "netns", "delete", net));
        pods.clear();
        processes.clear();
    }

    /** Namespaces of an earlier mesh with this prefix whose process is gone. */
    private static void removeLeftovers(String prefix) {
        String listing = Host.run(List.of("ip", "netns", "list")).stdout();
        for (String line : listing.split("\n")) {
            String name = line.split(" ")[0];
            int x = name.indexOf('x', prefix.length());
            if (!name.startsWith(prefix) || x < 0) {
                continue;
            }
            String pid = name.substring(prefix.length(), x);
            boolean alive = !pid.isEmpty() && pid.chars().allMatch(Character::isDigit)
                    && ProcessHandle.of(Long.parseLong(pid)).isPresent();
            if (!alive) {
                Host.run(List.of("ip", "netns", "delete", name));
            }
        }
    }
}
