package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.NamespaceMesh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
    private Path files;

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

    /**
     * Writes a file the sidecars (uid 1337) can read, replacing any earlier content in one step (a rename), so that
     * a watcher never reads half of it. Removed when the mesh closes.
     */
    public Path file(String name, String content) {
        try {
            if (files == null) {
                files = Files.createTempDirectory("tandem-scenario-");
                Files.setPosixFilePermissions(files, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path target = files.resolve(name);
            Path next = files.resolve("." + name + ".next");
            Files.writeString(next, content);
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(next, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        pods.forEach(Pod::removeHostFiles);
        if (files != null) {
            try (var listing = Files.list(files)) {
                for (Path p : listing.toList()) {
                    Files.delete(p);
                }
                Files.delete(files);
            } catch (IOException e) {
                problems.add("cannot remove " + files + ": " + e);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }
}
