package dev.tandem.launcher.mesh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What pods in network namespaces need (the demo mesh and the scenario tests): root, iproute2, iptables (both
 * families) and setpriv. Run as root on a Debian-like system, a missing package is installed, saying so; otherwise
 * the answer names the exact command to run.
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

    /**
     * Null when pods can be laid out here; otherwise why not, with the command that would fix it.
     *
     * @param asRoot the command the user ran, to be run again as root when it was not
     */
    public static synchronized String problem(String asRoot) {
        if (!isRoot()) {
            return "this needs root (network namespaces, iptables, running the proxy as uid 1337); run it as root: sudo "
                    + asRoot;
        }
        if (!checked) {
            checked = true;
            problem = check();
        }
        return problem;
    }

    private static String check() {
        List<String> missing = missingPackages();
        if (!missing.isEmpty() && Host.has("apt-get")) {
            System.err.println("[tandem] installing missing packages: " + String.join(" ", missing));
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
            String command = Host.has("apt-get") ? "apt-get install -y " : "your package manager, e.g. dnf install -y ";
            return "missing packages " + missing + "; install them with " + command + String.join(" ", missing);
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
