package dev.tandem.redirect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedirectorTest {

    private static final PrintWriter QUIET = new PrintWriter(Writer.nullWriter());

    @TempDir
    Path bin;

    private static RedirectConfig config(Map<String, String> env) throws ConfigException {
        return RedirectConfig.read(EnvReader.of(env));
    }

    private Redirector redirector(FakeSystem system, Map<String, String> env, boolean ipv6) throws ConfigException {
        return new Redirector(config(env), system, system.executables(), () -> ipv6, QUIET);
    }

    @Test
    void applyInstallsEachFamilyWithOneRestoreAndAddsTheIpv6DeliverySource() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "ip6tables-nft-restore",
                "ip6tables-nft-save", "ip");

        redirector(system, Map.of(), true).apply();

        assertThat(system.changes).containsExactly(
                "iptables-nft-restore", "ip6tables-nft-restore", "ip -6 addr add ::6/128 dev lo");
    }

    @Test
    void aSecondApplyReplacesTheFirstInsteadOfAddingToIt() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save");
        redirector(system, Map.of(), false).apply();
        String first = system.saved.get("iptables-nft-save");
        InstalledRules installed = InstalledRules.parse(first);

        String second = RestoreScript.replace(Rules.build(config(Map.of()), Family.IPV4), installed);

        assertThat(second).contains("-D OUTPUT -p tcp -j TANDEM_OUTPUT", "-D PREROUTING -p tcp -j TANDEM_INBOUND");
        assertThat(second.lines().filter(l -> l.startsWith("-A OUTPUT"))).hasSize(1);
    }

    @Test
    void aMissingIptablesStopsApplyBeforeAnyChangeWithExitTwo() throws Exception {
        var system = new FakeSystem(bin, "ip");

        assertThatThrownBy(() -> redirector(system, Map.of(), false).apply())
                .isInstanceOfSatisfying(RedirectException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("no iptables-restore found")
                .hasMessageContaining("apt-get install iptables");
        assertThat(system.changes).isEmpty();
    }

    @Test
    void ipv6WithoutIp6tablesStopsApplyBeforeAnyChange() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "ip");

        assertThatThrownBy(() -> redirector(system, Map.of(), true).apply())
                .hasMessageContaining("TANDEM_IPV6=false");
        assertThat(system.changes).isEmpty();
    }

    @Test
    void aFailedIpv6RestoreTakesTheIpv4RulesBackOut() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "ip6tables-nft-restore",
                "ip6tables-nft-save", "ip");
        system.failingRestore = "ip6tables-nft-restore";

        assertThatThrownBy(() -> redirector(system, Map.of(), true).apply())
                .isInstanceOfSatisfying(RedirectException.class, e -> assertThat(e.exitCode()).isEqualTo(1))
                .hasMessageContaining("line 3 failed");
        assertThat(system.changes).containsExactly("iptables-nft-restore", "ip6tables-nft-restore", "iptables-nft-restore");
        assertThat(system.saved.get("iptables-nft-save")).isEmpty();
    }

    @Test
    void tproxyAddsItsPolicyRouteAndCleanTakesItAway() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "ip");
        redirector(system, Map.of("TANDEM_INBOUND_INTERCEPTION_MODE", "TPROXY"), false).apply();

        assertThat(system.changes).containsExactly("iptables-nft-restore",
                "ip -4 rule add fwmark 1337 lookup 133", "ip -4 route add local 0.0.0.0/0 dev lo table 133");
    }

    @Test
    void withBothBackendsPresentApplyFollowsTheOneAlreadyHoldingRules() throws Exception {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "iptables-legacy-restore",
                "iptables-legacy-save", "iptables", "iptables-restore", "iptables-save");
        system.saved.put("iptables-legacy-save", "*nat\n-A OUTPUT -d 10.0.0.1/32 -j ACCEPT\nCOMMIT\n");

        redirector(system, Map.of(), false).apply();

        assertThat(system.changes).containsExactly("iptables-legacy-restore");
    }

    @Test
    void badValuesAreRefusedTogetherNamingEachVariable() {
        assertThatThrownBy(() -> config(Map.of(
                "TANDEM_OUTBOUND_EXCLUDE_CIDRS", "10.0.0.0/40",
                "TANDEM_INBOUND_EXCLUDE_PORTS", "99999",
                "TANDEM_INBOUND_INTERCEPTION_MODE", "NAT")))
                .hasMessageContaining("TANDEM_OUTBOUND_EXCLUDE_CIDRS=\"10.0.0.0/40\"")
                .hasMessageContaining("TANDEM_INBOUND_EXCLUDE_PORTS=\"99999\"")
                .hasMessageContaining("TANDEM_INBOUND_INTERCEPTION_MODE=\"NAT\": not one of redirect, tproxy");
    }

    @Test
    void includedOutboundPortsAreAListOfPortsNeverAStar() {
        assertThatThrownBy(() -> config(Map.of("TANDEM_OUTBOUND_INCLUDE_PORTS", "5432,0")))
                .hasMessageContaining("TANDEM_OUTBOUND_INCLUDE_PORTS=\"5432,0\"");
        assertThatThrownBy(() -> config(Map.of("TANDEM_OUTBOUND_INCLUDE_PORTS", "*")))
                .hasMessageContaining("TANDEM_OUTBOUND_INCLUDE_PORTS=\"*\": * is not allowed here; set "
                        + "TANDEM_OUTBOUND_INCLUDE_CIDRS=* to capture every port");
    }

    @Test
    void theRemovalScriptNamesOnlyTandemsChainsAndJumps() {
        String saved = """
                *nat
                :PREROUTING ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :DOCKER_OUTPUT - [0:0]
                :TANDEM_OUTPUT - [0:0]
                -A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
                -A OUTPUT -p tcp -j TANDEM_OUTPUT
                -A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -j DNAT --to-destination 127.0.0.11:39871
                -A TANDEM_OUTPUT -j RETURN
                COMMIT
                """;

        String removal = RestoreScript.remove(InstalledRules.parse(saved));

        assertThat(removal).isEqualTo("""
                *nat
                :TANDEM_OUTPUT - [0:0]
                -D OUTPUT -p tcp -j TANDEM_OUTPUT
                -X TANDEM_OUTPUT
                COMMIT
                """);
    }

    @Test
    void nothingInstalledMeansNothingToRemove() {
        assertThat(RestoreScript.remove(InstalledRules.parse("*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"))).isEmpty();
    }

    @Test
    void cleanWithNothingInstalledChangesNothing() throws IOException, RedirectException, ConfigException {
        var system = new FakeSystem(bin, "iptables-nft-restore", "iptables-nft-save", "ip6tables-nft-restore",
                "ip6tables-nft-save", "ip");

        redirector(system, Map.of(), true).clean();

        assertThat(system.changes).isEmpty();
    }
}
