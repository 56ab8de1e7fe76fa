package dev.tandem.it.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the scenario tests need: root, iproute2, iptables (both families) and setpriv. Run as root on a Debian-like
 * system, a missing package is installed, saying so. Without root the tests are skipped with the reason, unless
 * {@code CI=true}, where nothing may be skipped and a missing prerequisite fails the run.
 */
public final class Prerequisites {

    private static final Map<String, String> PACKAGE_OF = Map.of(
            "ip", "iproute2",
            "iptables-restore", "iptables",
            "ip6tables-restore", "iptables",
            "setpriv", "util-linux");

    private static String problem;
    private static boolean checked;

    private Prerequisites() {
    }

    /** Null when the scenario tests can run; otherwise why not. */
    public static synchronized String problem() {
        if (!checked) {
            checked = true;
            problem = check();
        }
        return problem;
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static String check() {
        if (!isRoot()) {
            return "scenario tests need root (network namespaces, iptables, running the proxy as uid 1337); run them as root";
        }
        List<String> missing = missingPackages();
        if (!missing.isEmpty() && Host.has("apt-get")) {
            System.err.println("[tandem scenario tests] installing missing packages: " + String.join(" ", missing));
            Host.run(List.of("apt-get", "update", "-qq"));
            var install = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
            install.addAll(missing);
            Host.Result result = Host.run(install, Map.of("DEBIAN_FRONTEND", "noninteractive"));
            if (result.exitCode() != 0) {
                return "apt-get could not install " + missing + ": " + result.stderr().strip();
            }
            missing = missingPackages();
        }
        if (!missing.isEmpty()) {
            return "missing packages " + missing + "; install them with: apt-get install -y " + String.join(" ", missing);
        }
        return null;
    }

    private static List<String> missingPackages() {
        return PACKAGE_OF.entrySet().stream()
                .filter(e -> !Host.has(e.getKey()))
                .map(Map.Entry::getValue)
                .distinct()
                .sorted()
                .toList();
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
