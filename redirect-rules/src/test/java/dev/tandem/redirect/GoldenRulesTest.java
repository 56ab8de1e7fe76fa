package dev.tandem.redirect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each scenario in {@code src/test/resources/golden} is a set of variables ({@code NAME.env}) and the exact rules
 * {@code tandem redirect print} writes for it ({@code NAME.rules}), IPv4 and IPv6. Run with {@code -Dgolden.update=true}
 * to write the files anew after an intended change, then read the diff. The scenario tests apply the same scenarios
 * for real in a network namespace.
 */
class GoldenRulesTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden");

    static List<String> scenarios() throws IOException {
        return GoldenScenarios.names(GOLDEN);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void printedRulesMatchTheGoldenFile(String scenario) throws IOException, ConfigException {
        Map<String, String> env = GoldenScenarios.env(GOLDEN, scenario);
        env.put("TANDEM_IPV6", "true");
        RedirectConfig config = RedirectConfig.read(EnvReader.of(env));
        String printed = new Redirector(config, null, new Executables(List.of()), () -> true, new java.io.PrintWriter(System.err, true)).print();

        Path golden = GOLDEN.resolve(scenario + ".rules");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, printed);
        }
        assertThat(golden).as("golden file; regenerate with -Dgolden.update=true").exists();
        assertThat(printed).isEqualTo(Files.readString(golden));
    }
}
