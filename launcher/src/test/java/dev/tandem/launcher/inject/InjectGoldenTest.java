package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.launcher.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case in {@code src/test/resources/inject} is a manifest ({@code NAME.yaml}), flags if any ({@code NAME.flags},
 * one a line), and what {@code tandem inject -f NAME.yaml FLAGS} writes: {@code NAME.out} (standard output) and
 * {@code NAME.err} (the exit status, then standard error). Run with {@code -Dgolden.update=true} to write them anew
 * after an intended change, then read the diff. Every output is also read strictly into the Kubernetes object model,
 * checked as the API server and kubelet would check it, and injected again to show that a second time changes nothing.
 */
class InjectGoldenTest {

    static final Path CASES = Path.of("src/test/resources/inject");

    record Run(int exitCode, String out, String err) {
    }

    static List<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(CASES)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length()))
                    .sorted()
                    .toList();
        }
    }

    static List<String> successfulCases() throws IOException {
        return cases().stream().filter(c -> !c.startsWith("error-")).toList();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void injectWritesTheGoldenOutput(String name) throws IOException {
        Run run = inject(CASES.resolve(name + ".yaml"), name);
        String err = "exit " + run.exitCode() + "\n" + run.err();

        Path outFile = CASES.resolve(name + ".out");
        Path errFile = CASES.resolve(name + ".err");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(outFile, run.out());
            Files.writeString(errFile, err);
        }
        assertThat(outFile).as("golden file; regenerate with -Dgolden.update=true").exists();
        assertThat(run.out()).isEqualTo(Files.readString(outFile));
        assertThat(err).isEqualTo(Files.readString(errFile));
        if (name.startsWith("error-")) {
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.out()).as("nothing is written").isEmpty();
        } else {
            assertThat(run.exitCode()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("successfulCases")
    void theOutputReadsStrictlyIntoTheKubernetesModelAndPassesItsValidation(String name) throws Exception {
        int objects = 0;
        for (YamlStream.Document document : YamlStream.read(inject(CASES.resolve(name + ".yaml"), name).out())) {
            JsonNode tree = document.tree();
            if (tree == null || !KubernetesModel.knows(tree)) {
                continue;
            }
            Object model = KubernetesModel.read(tree);
            for (PodChecks.PodOf spec : PodChecks.podSpecs(model)) {
                assertThat(PodChecks.problems(spec)).as(document.where()).isEmpty();
            }
            objects++;
        }
        assertThat(objects).isPositive();
    }

    @ParameterizedTest
    @MethodSource("successfulCases")
    void injectingTheOutputAgainChangesNothing(String name) throws IOException {
        Path once = Files.createTempFile("injected-", ".yaml");
        try {
            Files.writeString(once, inject(CASES.resolve(name + ".yaml"), name).out());
            Run twice = inject(once, name);

            assertThat(twice.exitCode()).isZero();
            assertThat(twice.out()).isEqualTo(Files.readString(once));
        } finally {
            Files.delete(once);
        }
    }

    /** {@code tandem inject -f FILE} with the case's flags, run in this JVM as bin/tandem would run it. */
    static Run inject(Path file, String name) throws IOException {
        List<String> args = new ArrayList<>(List.of("inject", "-f", file.toString()));
        Path flags = CASES.resolve(name + ".flags");
        if (Files.exists(flags)) {
            Files.readAllLines(flags).stream().filter(l -> !l.isBlank()).forEach(args::add);
        }
        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.commandLine(Map.of(), new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }
}
