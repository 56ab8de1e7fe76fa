package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.Prerequisites;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Two pods by hand: the scenario tests' harness, kept running so that you can try things. Pod a and pod b each get the
 * rules and a sidecar; b runs a TCP echo on 8080 and an HTTP server on 8000 that answers with the peer it saw.
 * Ctrl-C (or Enter) removes everything. Run as root from the checkout, after {@code mvn -B -DskipTests package}:
 * <pre>
 * java -cp src-test-integration/target/test-classes:proxy-core/target/test-classes:launcher/target/tandem.jar \
 *     dev.tandem.it.harness.TwoPods
 * </pre>
 */
public final class TwoPods {

    private static final String COMMAND = "java -cp src-test-integration/target/test-classes:"
            + "proxy-core/target/test-classes:launcher/target/tandem.jar dev.tandem.it.harness.TwoPods";

    private TwoPods() {
    }

    public static void main(String[] args) throws Exception {
        String problem = Prerequisites.problem(COMMAND);
        if (problem != null) {
            System.err.println("cannot lay out pods: " + problem);
            System.exit(2);
        }
        Mesh mesh = Mesh.create("two-pods");
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mesh.close();
            done.countDown();
        }));
        Pod a = mesh.pod("a");
        Pod b = mesh.pod("b");
        for (Pod pod : new Pod[] {a, b}) {
            pod.applyRules(Map.of());
            pod.startSidecar(Map.of("TANDEM_JAVA_OPTS", ""));
        }
        b.app("echo-server 8080");
        b.app("http-server 8000");
        System.out.printf("""
                Two pods are up (logs in %s):
                  pod a: %s  %s / %s
                  pod b: %s  %s / %s  (TCP echo on 8080, HTTP on 8000)
                Try, from pod a (curl and socat are Debian packages):
                  ip netns exec %s curl -s http://%s:8000/          # answers peer=127.0.0.6: it crossed both sidecars
                  echo hello | ip netns exec %s socat - TCP:%s:8080
                  ip netns exec %s iptables-save -t nat             # the rules bin/tandem redirect apply installed
                  ip netns exec %s curl -s http://%s:15021/healthz/ready
                Press Enter or Ctrl-C to remove both pods.
                """, mesh.logs(),
                a.netns(), a.ipv4(), a.ipv6(), b.netns(), b.ipv4(), b.ipv6(),
                a.netns(), b.ipv4(), a.netns(), b.ipv4(), a.netns(), a.netns(), b.ipv4());
        System.in.read();
        System.exit(0);
    }
}
