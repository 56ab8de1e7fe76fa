package dev.tandem.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The built {@code bin/tandem} of this checkout. The proxy runs as uid 1337, which must be able to read the script and
 * the jar; when the checkout is not readable to it (say, under /root), both are staged, unchanged, in a temporary
 * directory that is.
 */
public final class Tandem {

    private static Path launcher;

    private Tandem() {
    }

    /** The checkout: {@code -Dtandem.root}, else the working directory or its parent, whichever holds bin/tandem. */
    public static Path root() {
        String configured = System.getProperty("tandem.root");
        for (String candidate : configured != null ? List.of(configured) : List.of(".", "..")) {
            Path root = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isRegularFile(root.resolve("bin/tandem"))) {
                return root;
            }
        }
        throw new IllegalStateException("no bin/tandem in " + (configured != null ? configured : ". or ..")
                + "; run from the checkout or set -Dtandem.root");
    }

    /** The launcher script to run, readable by the proxy's uid. */
    public static synchronized Path bin() {
        if (launcher == null) {
            launcher = readableByProxyUser(root());
        }
        return launcher;
    }

    private static Path readableByProxyUser(Path root) {
        Path script = root.resolve("bin/tandem");
        Path jar = root.resolve("launcher/target/tandem.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with mvn -B -DskipTests package first");
        }
        Host.Result probe = Host.run(List.of("setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                "sh", "-c", "test -x \"$0\" && test -r \"$1\"", script.toString(), jar.toString()));
        if (probe.exitCode() == 0) {
            return script;
        }
        try {
            Path staged = Files.createTempDirectory("tandem-it-");
            Files.createDirectories(staged.resolve("bin"));
            Files.createDirectories(staged.resolve("launcher/target"));
            Files.copy(script, staged.resolve("bin/tandem"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(jar, staged.resolve("launcher/target/tandem.jar"), StandardCopyOption.REPLACE_EXISTING);
            Host.must("chmod", "-R", "a+rX", staged.toString());
            Files.setPosixFilePermissions(staged.resolve("bin/tandem"), PosixFilePermissions.fromString("rwxr-xr-x"));
            System.err.println("[tandem scenario tests] the checkout is not readable by uid 1337; running a copy of "
                    + "bin/tandem and its jar from " + staged);
            return staged.resolve("bin/tandem");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
