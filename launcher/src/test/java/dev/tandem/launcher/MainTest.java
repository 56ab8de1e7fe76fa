package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line as a user meets it: what is printed, and the exit status. */
class MainTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.commandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printWritesIptablesRestoreInputAndFlagsWinOverVariables() {
        Run run = run(Map.of("TANDEM_IPV6", "false", "TANDEM_OUTBOUND_PORT", "16001"),
                "redirect", "print", "--outbound-port", "17001");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("# iptables-restore --noflush input (IPv4)\n*nat\n")
                .contains("-A TANDEM_REDIRECT -p tcp -j REDIRECT --to-ports 17001")
                .doesNotContain("ip6tables");
    }

    @Test
    void aBadFlagValueExitsTwoNamingTheFlagAndItsVariable() {
        Run run = run(Map.of(), "redirect", "apply", "--outbound-exclude-cidrs", "10.0.0.0/33");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--outbound-exclude-cidrs (TANDEM_OUTBOUND_EXCLUDE_CIDRS)=\"10.0.0.0/33\"")
                .contains("nothing was changed");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aBadIncludedOutboundPortExitsTwoNamingTheFlagAndItsVariable() {
        Run run = run(Map.of(), "redirect", "apply", "--outbound-include-ports", "5432,65536");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--outbound-include-ports (TANDEM_OUTBOUND_INCLUDE_PORTS)=\"5432,65536\"")
                .contains("nothing was changed");
    }

    @Test
    void aBadVariableExitsTwoNamingTheVariable() {
        Run run = run(Map.of("TANDEM_INBOUND_PORTS", "80,http"), "redirect", "print");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("TANDEM_INBOUND_PORTS=\"80,http\": \"http\" is not a port number");
    }

    @Test
    void theProxyRefusesABadVariableBeforeStartingAnything() {
        Run run = run(Map.of("TANDEM_IDLE_TIMEOUT", "forever"), "proxy");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("TANDEM_IDLE_TIMEOUT=\"forever\": not a duration");
    }

    @Test
    void anUnknownFlagOrAMissingCommandIsAUsageError() {
        assertThat(run(Map.of(), "redirect", "apply", "--bogus").exitCode()).isEqualTo(2);
        assertThat(run(Map.of(), "redirect").exitCode()).isEqualTo(2);
        assertThat(run(Map.of()).exitCode()).isEqualTo(2);
    }

    @Test
    void everySettingIsAFlagOfTheRedirectCommands() {
        Run run = run(Map.of(), "redirect", "apply", "--help");

        assertThat(run.out()).contains("--inbound-interception-mode=VALUE", "--outbound-include-cidrs=VALUE",
                "--outbound-include-ports=VALUE", "--proxy-uid=VALUE", "--dry-run");
    }
}
