package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.NamespaceMesh;
import dev.tandem.launcher.mesh.NamespacePod;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Talks to the {@code PodApp} process of one pod: a command line out, a reply line back. */
final class PodAppClient {

    private final Process process;
    private final PrintStream commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    PodAppClient(NamespaceMesh network, NamespacePod pod, Path log) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String netns = pod.netns();
        process = network.startInteractive(pod, log,
                List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-Djdk.httpclient.allowRestrictedHeaders=host", "-cp", classpath, "dev.tandem.it.app.PodApp"));
        commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    replies.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "pod-app-" + netns);
        reader.setDaemon(true);
        reader.start();
        String hello = await(Duration.ofSeconds(30), "start");
        if (!hello.equals("ok ready")) {
            throw new IllegalStateException("pod application in " + netns + " said " + hello);
        }
    }

    /** Sends a command; returns the reply without its "ok " prefix, or fails with the error reply. */
    String call(String command, Duration timeout) {
        commands.println(command);
        String reply = await(timeout, command);
        if (!reply.startsWith("ok")) {
            throw new IllegalStateException("pod application: " + command + " -> " + reply);
        }
        return reply.length() > 3 ? reply.substring(3) : "";
    }

    private String await(Duration timeout, String what) {
        try {
            String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply == null) {
                throw new IllegalStateException("pod application gave no answer to \"" + what + "\" in " + timeout);
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
