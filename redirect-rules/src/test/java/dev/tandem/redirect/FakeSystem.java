package dev.tandem.redirect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A namespace as the redirect commands see it through {@link CommandRunner}: save commands answer with what the last
 * restore installed, and every change is recorded. Programs "exist" as empty executable files in a directory.
 */
final class FakeSystem implements CommandRunner {

    final Path bin;
    final List<String> changes = new ArrayList<>();
    final Map<String, String> saved = new HashMap<>();
    String failingRestore;

    FakeSystem(Path bin, String... programs) throws IOException {
        this.bin = bin;
        for (String program : programs) {
            Path file = bin.resolve(program);
            Files.writeString(file, "");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    Executables executables() {
        return new Executables(List.of(bin));
    }

    @Override
    public Result query(List<String> command) {
        String name = Path.of(command.get(0)).getFileName().toString();
        if (name.endsWith("-save")) {
            return new Result(0, saved.getOrDefault(name, ""), "");
        }
        if (name.equals("iptables")) {
            return new Result(0, "iptables v1.8.9 (nf_tables)", "");
        }
        return new Result(0, "", "");
    }

    @Override
    public Result change(List<String> command, String stdin) {
        String name = Path.of(command.get(0)).getFileName().toString();
        changes.add(name + (stdin.isEmpty() ? " " + String.join(" ", command.subList(1, command.size())) : ""));
        if (name.equals(failingRestore)) {
            return new Result(4, "", "line 3 failed");
        }
        if (name.endsWith("-restore")) {
            // What a save shows after this restore: the declared chains and the appended rules.
            saved.put(name.replace("-restore", "-save"), stdin.contains("-X ") ? "" : stdin);
        }
        return new Result(0, "", "");
    }
}
