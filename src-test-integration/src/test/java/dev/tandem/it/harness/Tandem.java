package dev.tandem.it.harness;

import dev.tandem.launcher.mesh.Install;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built {@code bin/tandem} of this checkout, as the proxy's uid can run it. */
public final class Tandem {

    private static Install install;

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
        if (install == null) {
            install = new Install(root()).readableBy(1337);
            Install made = install;
            Runtime.getRuntime().addShutdownHook(new Thread(made::removeStaged, "remove-staged-tandem"));
        }
        return install.script();
    }
}
