package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.NamespaceMesh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenario tests' pods: a {@link NamespaceMesh} whose pods each run the test application and, when asked, the
 * Tandem sidecar. Logs go to {@code target/scenario-logs/NAME}.
 */
public final class Mesh implements AutoCloseable {

    private final NamespaceMesh network;
    private final Path logs;
    private final List<Pod> pods = new ArrayList<>();

    private Mesh(NamespaceMesh network, Path logs) {
        this.network = network;
        this.logs = logs;
    }

    public static Mesh create(String name) {
        Path logs = Path.of("target", "scenario-logs", name).toAbsolutePath();
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Mesh(NamespaceMesh.create("tdm"), logs);
    }

    public Path logs() {
        return logs;
    }

    /** A new pod on the bridge, with an IPv4 and an IPv6 address and its application running. */
    public Pod pod(String name) {
        Pod pod = new Pod(network, network.pod(name), logs);
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
        }
        network.close();
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }
}
