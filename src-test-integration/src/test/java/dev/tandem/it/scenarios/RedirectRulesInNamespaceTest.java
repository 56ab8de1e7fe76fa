package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.launcher.mesh.Host;
import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.it.harness.Tandem;
import dev.tandem.redirect.GoldenScenarios;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden scenarios of {@code redirect-rules}, applied for real with the built {@code bin/tandem} in a namespace that
 * already holds another tool's rules: the rules land as printed, a second apply changes nothing, clean restores the
 * namespace exactly, and bad input changes nothing at all.
 */
@ExtendWith(ScenarioExtension.class)
class RedirectRulesInNamespaceTest {

    private static final Path GOLDEN = Tandem.root().resolve("redirect-rules/src/test/resources/golden");

    private static Mesh mesh;
    private static Pod pod;

    @BeforeAll
    static void podWithForeignRules() {
        mesh = Mesh.create("redirect-rules");
        pod = mesh.pod("rules");
        for (String tool : List.of("iptables", "ip6tables")) {
            pod.exec(Map.of(), tool, "-t", "nat", "-N", "OTHER_TOOL").orThrow();
            pod.exec(Map.of(), tool, "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport", "53", "-j", "OTHER_TOOL").orThrow();
            pod.exec(Map.of(), tool, "-t", "nat", "-A", "OTHER_TOOL", "-j", "RETURN").orThrow();
        }
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    static List<String> scenarios() throws IOException {
        return GoldenScenarios.names(GOLDEN);
    }

    /**
     * Everything apply may touch: both families' tables, policy rules, routes, lo's addresses. A table with neither
     * rules nor chains of its own is left out: iptables-nft creates a table on first use and never deletes it, and an
     * empty table changes nothing. Link-local routes are left out too: the kernel adds them when it pleases.
     */
    private static String state() {
        return withoutEmptyTables(pod.iptablesSave("iptables-save") + pod.iptablesSave("ip6tables-save"))
                + pod.exec(Map.of(), "ip", "-4", "rule", "show").stdout()
                + pod.exec(Map.of(), "ip", "-6", "rule", "show").stdout()
                + pod.exec(Map.of(), "ip", "-6", "addr", "show", "dev", "lo").stdout()
                + pod.exec(Map.of(), "ip", "route", "show", "table", "all").stdout().lines()
                        .filter(l -> !l.contains("fe80:")).reduce("", (x, y) -> x + y + "\n");
    }

    private static String withoutEmptyTables(String save) {
        var kept = new StringBuilder();
        var table = new StringBuilder();
        boolean hasContent = false;
        for (String line : save.split("\n")) {
            table.append(line).append('\n');
            if (line.startsWith("-A ") || (line.startsWith(":") && line.contains(" - "))) {
                hasContent = true;
            }
            if (line.equals("COMMIT")) {
                if (hasContent) {
                    kept.append(table);
                }
                table.setLength(0);
                hasContent = false;
            }
        }
        return kept.toString();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void applyInstallsThePrintedRulesIdempotentlyAndCleanRestoresTheNamespace(String scenario) throws IOException {
        Map<String, String> env = GoldenScenarios.env(GOLDEN, scenario);
        String before = state();

        pod.redirect(env, "apply").orThrow();
        String applied = state();
        pod.redirect(env, "apply").orThrow();
        String appliedTwice = state();

        String golden = GoldenScenarios.rules(GOLDEN, scenario);
        assertThat(tandemRules(pod.iptablesSave("iptables-save"))).as("IPv4 rules of " + scenario)
                .isEqualTo(goldenRuleCount(golden, "iptables-restore"));
        assertThat(tandemRules(pod.iptablesSave("ip6tables-save"))).as("IPv6 rules of " + scenario)
                .isEqualTo(goldenRuleCount(golden, "ip6tables-restore"));
        assertThat(applied).as("the other tool's rules are still there").contains("-A OUTPUT -p tcp -m tcp --dport 53 -j OTHER_TOOL");
        assertThat(appliedTwice).as("a second apply leaves the same rules").isEqualTo(applied);

        pod.redirect(env, "clean").orThrow();
        assertThat(state()).as("clean is the exact inverse of apply").isEqualTo(before);
    }

    @Test
    void badInputExitsTwoNamingTheVariableOrFlagAndChangesNothing() {
        String before = state();

        Host.Result badCidr = pod.redirect(Map.of("TANDEM_OUTBOUND_EXCLUDE_CIDRS", "10.0.0.0/33"), "apply");
        Host.Result badPortFlag = pod.redirect(Map.of(), "apply", "--inbound-exclude-ports", "70000");
        Host.Result badMode = pod.redirect(Map.of("TANDEM_INBOUND_INTERCEPTION_MODE", "MAGIC"), "apply");
        Host.Result badFlag = pod.redirect(Map.of(), "apply", "--no-such-flag");
        Host.Result badIncludedPort = pod.redirect(Map.of(), "apply", "--outbound-include-ports", "*");

        assertThat(badCidr.exitCode()).isEqualTo(2);
        assertThat(badCidr.stderr()).contains("TANDEM_OUTBOUND_EXCLUDE_CIDRS=\"10.0.0.0/33\"");
        assertThat(badPortFlag.exitCode()).isEqualTo(2);
        assertThat(badPortFlag.stderr()).contains("--inbound-exclude-ports (TANDEM_INBOUND_EXCLUDE_PORTS)=\"70000\"");
        assertThat(badMode.exitCode()).isEqualTo(2);
        assertThat(badMode.stderr()).contains("TANDEM_INBOUND_INTERCEPTION_MODE=\"MAGIC\"");
        assertThat(badFlag.exitCode()).isEqualTo(2);
        assertThat(badFlag.stderr()).contains("--no-such-flag");
        assertThat(badIncludedPort.exitCode()).isEqualTo(2);
        assertThat(badIncludedPort.stderr()).contains("--outbound-include-ports (TANDEM_OUTBOUND_INCLUDE_PORTS)=\"*\"");
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void printChangesNothingAndShowsWhatApplyInstalls() {
        String before = state();

        Host.Result printed = pod.redirect(Map.of(), "print");

        assertThat(printed.exitCode()).isZero();
        assertThat(printed.stdout()).contains("-A OUTPUT -p tcp -j TANDEM_OUTPUT");
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void theLegacyBackendIsFollowedWhenOnlyItHoldsTheNamespacesRules() {
        Pod legacy = mesh.pod("legacy");
        legacy.exec(Map.of(), "iptables-legacy", "-t", "nat", "-A", "OUTPUT", "-d", "192.0.2.1/32", "-j", "ACCEPT").orThrow();

        legacy.redirect(Map.of("TANDEM_IPV6", "false"), "apply").orThrow();

        assertThat(legacy.iptablesSave("iptables-legacy-save")).contains("-A OUTPUT -p tcp -j TANDEM_OUTPUT");
        assertThat(legacy.iptablesSave("iptables-nft-save")).doesNotContain("TANDEM_");
        legacy.redirect(Map.of(), "clean").orThrow();
        assertThat(legacy.iptablesSave("iptables-legacy-save"))
                .doesNotContain("TANDEM_")
                .contains("-A OUTPUT -d 192.0.2.1/32 -j ACCEPT");
    }

    /** Lines of an iptables-save that are Tandem's: rules in its chains and jumps into them. */
    private static long tandemRules(String save) {
        return save.lines().filter(l -> l.startsWith("-A ") && l.contains("TANDEM_")).count();
    }

    private static long goldenRuleCount(String golden, String section) {
        boolean in = false;
        long count = 0;
        for (String line : golden.split("\n")) {
            if (line.startsWith("# ") && line.contains("-restore")) {
                in = line.startsWith("# " + section);
            } else if (in && line.startsWith("-A ")) {
                count++;
            }
        }
        return count;
    }
}
