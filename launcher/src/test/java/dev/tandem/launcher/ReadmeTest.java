package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.config.Setting;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.config.Settings;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.traffic.RouteTable;
import dev.tandem.core.traffic.TrafficRouting;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.traffic.TrafficConfig;
import dev.tandem.core.traffic.TrafficConfigReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README documents every variable with its real default, and its traffic examples are files Tandem reads, so
 * neither can drift from the code.
 */
class ReadmeTest {

    @Test
    void everySettingIsInTheReadmeWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (Setting setting : Settings.ALL) {
            String value = setting.defaultValue().isEmpty() ? "(empty)" : "`" + setting.defaultValue() + "`";
            assertThat(readme).as(setting.name()).contains("| `" + setting.name() + "` | " + value + " |");
        }
    }

    @Test
    void theTrafficManagementExamplesReadWithoutErrorOrWarning() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        String section = readme.substring(readme.indexOf("## Traffic management"));
        section = section.substring(0, section.indexOf("\n## ", 3));
        Matcher blocks = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(section);
        List<String> examples = new ArrayList<>();
        while (blocks.find()) {
            examples.add(blocks.group(1));
        }

        assertThat(examples).hasSize(2);
        TrafficConfig services = new TrafficConfigReader("shop", "cluster.local").read(examples.get(0), "README");
        TrafficConfig tcp = new TrafficConfigReader("shop", "cluster.local").read(examples.get(1), "README");
        assertThat(services.resources()).isEqualTo(3);
        assertThat(services.unimplemented()).isEmpty();
        assertThat(tcp.resources()).isEqualTo(3);
        assertThat(tcp.unimplemented()).isEmpty();
    }

    @Test
    void everyMetricTheProxyExportsIsInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        ProxyConfig config = ProxyConfig.from(java.util.Map.of("TANDEM_ACCESS_LOG", "off")::get);
        Transport transport = Transport.epoll(1);
        try (Telemetry telemetry = Telemetry.create(config)) {
            telemetry.watch(new Listeners(transport),
                    TrafficRouting.none(RouteTable.Identity.of(config.identity())));
            List<String> names = new ArrayList<>();
            telemetry.registry().scrape().forEach(m -> names.add(m.getMetadata().getPrometheusName()));

            assertThat(names).contains("istio_requests", "istio_tcp_sent_bytes", "tandem_config_reloads");
            for (String name : names) {
                if (!name.startsWith("jvm_")) {
                    assertThat(readme).as(name).contains("`" + name);
                }
            }
        } finally {
            transport.shutdown().awaitUninterruptibly();
        }
    }
}
