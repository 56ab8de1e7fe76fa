package dev.tandem.launcher.mesh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Where {@code bin/tandem} and its jar are. The proxy runs as uid 1337, which must be able to read both; when the
 * checkout is not readable to it (say, under /root), both are staged, unchanged and in the same layout, in a temporary
 * directory that is, and {@link #removeStaged()} deletes that copy again.
 */
public record Install(Path root, boolean staged) {

    public Install(Path root) {
        this(root, false);
    }

    static final String SCRIPT = "bin/tandem";
    static final String JAR = "launcher/target/tandem.jar";

    public Path script() {
        return root.resolve(SCRIPT);
    }

    public Path jar() {
        return root.resolve(JAR);
    }

    /** The install this code runs from: the checkout (or image) holding the running jar. */
    public static Install current() {
        try {
            Path jar = Path.of(Install.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent().getParent().getParent();
            if (!Files.isRegularFile(root.resolve(SCRIPT))) {
                throw new IllegalStateException("no " + SCRIPT + " beside " + jar + ": run this through bin/tandem");
            }
            return new Install(root);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This install if {@code uid} can run it, else a copy staged where it can. */
    public Install readableBy(int uid) {
        if (!Files.isRegularFile(jar())) {
            throw new IllegalStateException(jar() + " is missing: build with mvn -B -DskipTests package first");
        }
        Host.Result probe = Host.run(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "sh", "-c", "test -x \"$0\" && test -r \"$1\"", script().toString(), jar().toString()));
        if (probe.exitCode() == 0) {
            return this;
        }
        try {
            Path staged = Files.createTempDirectory("tandem-");
            Files.createDirectories(staged.resolve(SCRIPT).getParent());
            Files.createDirectories(staged.resolve(JAR).getParent());
            Files.copy(script(), staged.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(jar(), staged.resolve(JAR), StandardCopyOption.REPLACE_EXISTING);
            Host.must("chmod", "-R", "a+rX", staged.toString());
            Files.setPosixFilePermissions(staged.resolve(SCRIPT), PosixFilePermissions.fromString("rwxr-xr-x"));
            System.err.println("[tandem] " + root + " is not readable by uid " + uid + "; running a copy of "
                    + SCRIPT + " and its jar from " + staged);
            return new Install(staged, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the staged copy, if this install is one; the checkout itself is never touched. */
    public void removeStaged() {
        if (staged) {
            Host.removeTree(root);
        }
    }
}
