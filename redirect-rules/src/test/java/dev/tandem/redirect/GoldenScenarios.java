package dev.tandem.redirect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The golden scenarios of the interception rules: {@code NAME.env} (variables, one {@code NAME=value} a line) and
 * {@code NAME.rules} (what {@code tandem redirect print} writes for them). Shared with the scenario tests, which apply
 * the same scenarios for real.
 */
public final class GoldenScenarios {

    private GoldenScenarios() {
    }

    public static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".env"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList();
        }
    }

    public static Map<String, String> env(Path directory, String name) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(directory.resolve(name + ".env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    public static String rules(Path directory, String name) throws IOException {
        return Files.readString(directory.resolve(name + ".rules"));
    }
}
