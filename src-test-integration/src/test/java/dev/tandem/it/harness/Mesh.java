package dev.tandem.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pods as network namespaces on one bridge. The bridge lives in a namespace of its own, so nothing of the test touches
 * the host's interfaces or firewall, and every address is inside namespaces the mesh made (10.200.0.0/24, fd00:200::/64).
 * Closing the mesh stops its processes and deletes its namespaces; a run that died leaves namespaces that the next
 * run removes.
 */
public final class Mesh implements AutoCloseable {

    static final String PREFIX = "tdm";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String id;
    private final String net;
    private final Path logs;
    private final List<Pod> pods = new ArrayList<>();
    private int nextHost = 2;

    private Mesh(String id, Path logs) {
        this.id = id;
        this.net = id + "-net";
        this.logs = logs;
    }

    /** A mesh whose logs go to {@code target/scenario-logs/NAME}. */
    public static Mesh create(String name) {
        removeLeftovers();
        String id = PREFIX + ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet();
        Path logs = Path.of("target", "scenario-logs", name).toAbsolutePath();
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Mesh mesh = new Mesh(id, logs);
        Host.must("ip", "netns", "add", mesh.net);
        Host.must("ip", "-n", mesh.net, "link", "set", "lo", "up");
        Host.must("ip", "-n", mesh.net, "link", "add", "br0", "type", "bridge");
        Host.must("ip", "-n", mesh.net, "link", "set", "br0", "up");
        return mesh;
    }

    public Path logs() {
        return logs;
    }

    /** A new pod on the bridge, with an IPv4 and an IPv6 address and its application running. */
    public Pod pod(String name) {
        int host = nextHost++;
        String ns = id + "-" + name;
        String port = "p" + host;
        Host.must("ip", "netns", "add", ns);
        Host.must("ip", "-n", ns, "link", "set", "lo", "up");
        Host.must("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", net);
        Host.must("ip", "-n", net, "link", "set", port, "master", "br0");
        Host.must("ip", "-n", net, "link", "set", port, "up");
        String ipv4 = "10.200.0." + host;
        String ipv6 = "fd00:200::" + host;
        Host.must("ip", "-n", ns, "addr", "add", ipv4 + "/24", "dev", "eth0");
        Host.must("ip", "-n", ns, "addr", "add", ipv6 + "/64", "dev", "eth0", "nodad");
        Host.must("ip", "-n", ns, "link", "set", "eth0", "up");
        Pod pod = new Pod(name, ns, ipv4, ipv6, logs);
        pods.add(pod);
        return pod;
    }

    /**
     * Stops every sidecar still running with SIGTERM, removes the pods, and then fails if a sidecar did not exit 0
     * or leaked buffers: a clean stop is part of what every scenario checks.
     */
    @Override
    public void close() {
        var problems = new ArrayList<String>();
        for (Pod pod : pods) {
            if (pod.sidecarRunning()) {
                try {
                    int exit = pod.stopSidecar();
                    if (exit != 0) {
                        problems.add("the sidecar of " + pod.name() + " exited " + exit + " after SIGTERM");
                    }
                } catch (RuntimeException | AssertionError e) {
                    problems.add(e.getMessage());
                }
            }
            pod.close();
        }
        for (Pod pod : pods) {
            Host.run(List.of("ip", "netns", "delete", pod.netns()));
        }
        Host.run(List.of("ip", "netns", "delete", net));
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }

    /** Namespaces of earlier runs whose process is gone. */
    private static void removeLeftovers() {
        String listing = Host.run(List.of("ip", "netns", "list")).stdout();
        for (String line : listing.split("\n")) {
            String name = line.split(" ")[0];
            if (!name.startsWith(PREFIX) || !name.contains("x")) {
                continue;
            }
            String pid = name.substring(PREFIX.length(), name.indexOf('x'));
            boolean alive = pid.chars().allMatch(Character::isDigit) && !pid.isEmpty()
                    && ProcessHandle.of(Long.parseLong(pid)).isPresent();
            if (!alive) {
                Host.run(List.of("ip", "netns", "delete", name));
            }
        }
    }
}
