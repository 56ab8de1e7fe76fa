package dev.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    @Test
    void defaultsAreIstiosPortsAndTimeouts() throws ConfigException {
        ProxyConfig config = ProxyConfig.from(Map.<String, String>of()::get);

        assertThat(config.ports()).isEqualTo(ProxyPorts.DEFAULTS);
        assertThat(config.inboundMode()).isEqualTo(InterceptionMode.REDIRECT);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(config.drainDuration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.concurrency()).isEqualTo(2);
    }

    @Test
    void variablesOverrideDefaults() throws ConfigException {
        ProxyConfig config = ProxyConfig.from(Map.of(
                "TANDEM_OUTBOUND_PORT", "16001",
                "TANDEM_INBOUND_INTERCEPTION_MODE", "tproxy",
                "TANDEM_CONNECT_TIMEOUT", "250ms",
                "TANDEM_DRAIN_DURATION", "2m")::get);

        assertThat(config.ports().outbound().value()).isEqualTo(16001);
        assertThat(config.inboundMode()).isEqualTo(InterceptionMode.TPROXY);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.drainDuration()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void everyBadValueIsReportedTogetherNamingItsVariable() {
        assertThatThrownBy(() -> ProxyConfig.from(Map.of(
                "TANDEM_OUTBOUND_PORT", "70000",
                "TANDEM_INBOUND_INTERCEPTION_MODE", "magic",
                "TANDEM_CONNECT_TIMEOUT", "10",
                "TANDEM_CONCURRENCY", "-1")::get))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .extracting(ConfigError::origin)
                        .containsExactly("TANDEM_OUTBOUND_PORT", "TANDEM_INBOUND_INTERCEPTION_MODE",
                                "TANDEM_CONNECT_TIMEOUT", "TANDEM_CONCURRENCY"))
                .hasMessageContaining("TANDEM_OUTBOUND_PORT=\"70000\": port 70000 is out of range 1-65535")
                .hasMessageContaining("TANDEM_INBOUND_INTERCEPTION_MODE=\"magic\": not one of redirect, tproxy");
    }

    @Test
    void twoListenersOnOnePortAreRefused() {
        assertThatThrownBy(() -> ProxyConfig.from(Map.of("TANDEM_INBOUND_PORT", "15001")::get))
                .hasMessageContaining("TANDEM_INBOUND_PORT=\"15001\": port 15001 is already taken by TANDEM_OUTBOUND_PORT");
    }

    @Test
    void aZeroConnectTimeoutIsRefused() {
        assertThatThrownBy(() -> ProxyConfig.from(Map.of("TANDEM_CONNECT_TIMEOUT", "0s")::get))
                .hasMessageContaining("TANDEM_CONNECT_TIMEOUT=\"0s\": must be more than zero");
    }

    @Test
    void unknownTandemVariablesAreNamedAsLikelyTypos() {
        assertThat(Settings.unknown(Map.of("TANDEM_INBOUND_PORT", "1", "TANDEM_INBOUND_PORTZ", "2", "PATH", "/bin")))
                .containsExactly("TANDEM_INBOUND_PORTZ");
    }

    @Test
    void flagsAreDerivedFromVariableNames() {
        assertThat(Settings.OUTBOUND_EXCLUDE_CIDRS.flag()).isEqualTo("--outbound-exclude-cidrs");
    }
}
