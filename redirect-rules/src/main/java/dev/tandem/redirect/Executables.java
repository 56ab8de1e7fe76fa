package dev.tandem.redirect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Finds programs on PATH and in the sbin directories, which a non-root PATH often lacks. */
public final class Executables {

    private final List<Path> directories;

    public Executables(List<Path> directories) {
        this.directories = List.copyOf(directories);
    }

    /** The directories of PATH, then the usual system ones. */
    public static Executables onPath(Function<String, String> environment) {
        var dirs = new LinkedHashSet<String>();
        String path = environment.apply("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"));
        var directories = new ArrayList<Path>();
        dirs.stream().filter(d -> !d.isEmpty()).map(Path::of).forEach(directories::add);
        return new Executables(directories);
    }

    public Optional<Path> find(String name) {
        return directories.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
    }
}
