package dev.tandem.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.config.Settings;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.lifecycle.Listeners.Kind;
import dev.tandem.core.traffic.RouteTable;
import dev.tandem.core.traffic.TrafficRouting;
import dev.tandem.core.transport.Transport;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /config_dump: settings with their source, the identity, bound listeners, and the Istio resources in force. */
class ConfigDumpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String serviceEntry(String address) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: %s}]
                """.formatted(address);
    }

    @TempDir
    Path dir;

    private final Transport transport = Transport.epoll(1);
    private final Listeners listeners = new Listeners(transport);

    @AfterEach
    void stop() {
        listeners.close();
        transport.close();
    }

    private JsonNode dump(Map<String, String> environment, TrafficRouting routing) throws Exception {
        ProxyConfig config = ProxyConfig.from(environment::get);
        return JSON.readTree(new ConfigDump(environment, config.identity(), listeners, routing).json());
    }

    @Test
    void everySettingIsThereWithItsValueAndWhetherTheEnvironmentSetIt() throws Exception {
        var environment = Map.of("TANDEM_NAMESPACE", "shop", "TANDEM_POD_NAME", "web-7d9", "TANDEM_DRAIN_DURATION", " 20s ",
                "PATH", "/usr/bin");
        JsonNode dump = dump(environment, TrafficRouting.none(new RouteTable.Identity("shop", "cluster.local", Map.of())));

        JsonNode settings = dump.path("settings");
        assertThat(settings.size()).isEqualTo(Settings.ALL.size());
        assertThat(settings.path("TANDEM_DRAIN_DURATION")).isEqualTo(JSON.readTree("{\"value\":\"20s\",\"source\":\"environment\"}"));
        assertThat(settings.path("TANDEM_ADMIN_PORT")).isEqualTo(JSON.readTree("{\"value\":\"15000\",\"source\":\"default\"}"));
        assertThat(settings.has("PATH")).isFalse();
        assertThat(dump.path("identity")).isEqualTo(JSON.readTree("""
                {"namespace": "shop", "cluster_domain": "cluster.local", "pod_name": "web-7d9", "service_account": "default",
                 "workload": "web-7d9", "app": "", "version": "", "canonical_service": "web-7d9",
                 "canonical_revision": "latest"}"""));
        assertThat(dump.at("/traffic_config/file").isNull()).isTrue();
        assertThat(dump.at("/traffic_config/resources").size()).isZero();
    }

    @Test
    void listenersShowTheirAddressKindAndWhetherTheyStillAccept() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        listeners.bind("outbound", new InetSocketAddress(loopback, 0), Kind.TRAFFIC, new ChannelInboundHandlerAdapter());
        listeners.bind("admin", new InetSocketAddress(loopback, 0), Kind.ENDPOINT, new ChannelInboundHandlerAdapter());
        listeners.stopAccepting();

        JsonNode bound = dump(Map.of(), TrafficRouting.none(new RouteTable.Identity("default", "cluster.local", Map.of())))
                .path("listeners");

        assertThat(bound.size()).isEqualTo(2);
        assertThat(bound.get(0).path("name").asText()).isEqualTo("outbound");
        assertThat(bound.get(0).path("address").asText()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(bound.get(0).path("kind").asText()).isEqualTo("traffic");
        assertThat(bound.get(0).path("accepting").asBoolean()).isFalse();
        assertThat(bound.get(1).path("kind").asText()).isEqualTo("endpoint");
        assertThat(bound.get(1).path("accepting").asBoolean()).isTrue();
    }

    @Test
    void theResourcesInForceFollowAnAppliedChangeButNotARefusedOne() throws Exception {
        Path file = Files.writeString(dir.resolve("traffic.yaml"), serviceEntry("10.0.0.1"));
        var environment = Map.of("TANDEM_CONFIG", file.toString());
        try (TrafficRouting routing = TrafficRouting.load(file, new RouteTable.Identity("default", "cluster.local", Map.of()), null)) {
            JsonNode before = dump(environment, routing).path("traffic_config");
            assertThat(before.path("file").asText()).isEqualTo(file.toString());
            assertThat(before.at("/resources/0/kind").asText()).isEqualTo("ServiceEntry");
            assertThat(before.at("/resources/0/spec/endpoints/0/address").asText()).isEqualTo("10.0.0.1");

            Files.writeString(file, serviceEntry("10.0.0.2"));
            assertThat(routing.reloadIfChanged()).isTrue();
            JsonNode changed = dump(environment, routing).path("traffic_config");
            assertThat(changed.at("/resources/0/spec/endpoints/0/address").asText()).isEqualTo("10.0.0.2");
            assertThat(changed.path("reloads_applied").asInt()).isEqualTo(1);

            Files.writeString(file, serviceEntry("not-an-address"));
            assertThat(routing.reloadIfChanged()).isFalse();
            JsonNode refused = dump(environment, routing).path("traffic_config");
            assertThat(refused.at("/resources/0/spec/endpoints/0/address").asText()).isEqualTo("10.0.0.2");
            assertThat(refused.path("reloads_rejected").asInt()).isEqualTo(1);
            assertThat(refused.path("last_errors").get(0).asText()).contains("not-an-address");
        }
    }
}
