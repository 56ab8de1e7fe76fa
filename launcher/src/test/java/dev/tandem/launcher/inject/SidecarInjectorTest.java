package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.launcher.inject.SidecarInjector.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the injection does to one pod, in the terms a reader of the pod would check. */
class SidecarInjectorTest {

    private static ObjectNode pod(Map<String, String> annotations) {
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        ObjectNode metadata = pod.putObject("metadata").put("name", "p");
        annotations.forEach(metadata.putObject("annotations")::put);
        ObjectNode spec = pod.putObject("spec");
        spec.putArray("initContainers").addObject().put("name", "migrate").put("image", "m");
        spec.putArray("containers").addObject().put("name", "app").put("image", "a");
        return pod;
    }

    private static ObjectNode injected(InjectionConfig config, Map<String, String> annotations) throws Exception {
        ObjectNode pod = pod(annotations);
        assertThat(new SidecarInjector(config).inject(pod, null).result()).isEqualTo(Result.INJECTED);
        return pod;
    }

    private static List<String> names(JsonNode containers) {
        List<String> names = new ArrayList<>();
        containers.forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    private static JsonNode container(ObjectNode pod, String name) {
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : pod.path("spec").path(list)) {
                if (c.path("name").asText().equals(name)) {
                    return c;
                }
            }
        }
        throw new AssertionError("no container " + name);
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e.path("value").asText();
            }
        }
        return null;
    }

    @Test
    void nativeLayoutRunsTheRulesThenTheSidecarBeforeThePodsOwnInitContainers() throws Exception {
        ObjectNode pod = injected(InjectionConfig.defaults(), Map.of());

        assertThat(names(pod.path("spec").path("initContainers"))).containsExactly("tandem-init", "tandem-proxy", "migrate");
        assertThat(names(pod.path("spec").path("containers"))).containsExactly("app");
        assertThat(container(pod, "tandem-proxy").path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(container(pod, "tandem-proxy").path("startupProbe").path("httpGet").path("port").asInt()).isEqualTo(15021);
    }

    @Test
    void classicLayoutRunsTheRulesAfterThePodsOwnInitContainersAndTheSidecarFirst() throws Exception {
        InjectionConfig classic = InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, true, null, null, null, null, Map.of()));

        ObjectNode pod = injected(classic, Map.of());

        assertThat(names(pod.path("spec").path("initContainers"))).containsExactly("migrate", "tandem-init");
        assertThat(names(pod.path("spec").path("containers"))).containsExactly("tandem-proxy", "app");
        assertThat(container(pod, "tandem-proxy").has("restartPolicy")).isFalse();
        assertThat(pod.path("metadata").path("annotations").path(PodAnnotations.DEFAULT_CONTAINER).asText()).isEqualTo("app");
    }

    @Test
    void classicLayoutHoldsTheApplicationUntilTheProxyIsReadyAsIstioCanAndTheNativeOneNeedsNoHook() throws Exception {
        InjectionConfig classic = InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, true, null, null, null, null, Map.of()));

        JsonNode hook = container(injected(classic, Map.of()), "tandem-proxy").path("lifecycle").path("postStart");

        assertThat(hook.path("exec").path("command")).extracting(JsonNode::asText)
                .containsExactly(SidecarInjector.IMAGE_BIN, "wait-ready");
        assertThat(Files.readString(Path.of("../docker/Dockerfile")))
                .as("the image's bin/tandem").contains("ENTRYPOINT [\"" + SidecarInjector.IMAGE_BIN + "\"]");
        assertThat(container(injected(InjectionConfig.defaults(), Map.of()), "tandem-proxy").has("lifecycle")).isFalse();
    }

    @Test
    void theSidecarRunsAsTheUidAndGidTheRulesExempt() throws Exception {
        InjectionConfig config = InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, null, null, null, null, null,
                        Map.of("TANDEM_PROXY_UID", "1500", "TANDEM_PROXY_GID", "1600")));

        ObjectNode pod = injected(config, Map.of());

        JsonNode security = container(pod, "tandem-proxy").path("securityContext");
        assertThat(security.path("runAsUser").asInt()).isEqualTo(1500);
        assertThat(security.path("runAsGroup").asInt()).isEqualTo(1600);
        assertThat(env(container(pod, "tandem-init"), "TANDEM_PROXY_UID")).isEqualTo("1500");
        assertThat(env(container(pod, "tandem-init"), "TANDEM_PROXY_GID")).isEqualTo("1600");
    }

    @Test
    void aTproxyPodsSidecarRunsAsRootInTheProxyGroupWithNetAdminOnly() throws Exception {
        ObjectNode pod = injected(InjectionConfig.defaults(), Map.of("sidecar.istio.io/interceptionMode", "TPROXY"));

        JsonNode proxy = container(pod, "tandem-proxy");
        JsonNode security = proxy.path("securityContext");
        assertThat(security.path("runAsUser").asInt()).isZero();
        assertThat(security.path("runAsGroup").asInt()).isEqualTo(1337);
        assertThat(security.path("runAsNonRoot").asBoolean()).isFalse();
        assertThat(security.path("capabilities").path("add")).hasSize(1);
        assertThat(security.path("capabilities").path("add").get(0).asText()).isEqualTo("NET_ADMIN");
        assertThat(env(proxy, "TANDEM_INBOUND_INTERCEPTION_MODE")).isEqualTo("TPROXY");
        assertThat(env(container(pod, "tandem-init"), "TANDEM_INBOUND_INTERCEPTION_MODE")).isEqualTo("TPROXY");
    }

    @Test
    void interceptionModeNoneFromTheValuesLeavesOutTheRulesAndAnAnnotationCanTurnThemBackOn() throws Exception {
        InjectionConfig config = InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, null, null, null, null, null,
                        Map.of("TANDEM_INBOUND_INTERCEPTION_MODE", "none")));

        ObjectNode none = injected(config, Map.of());
        ObjectNode redirect = injected(config, Map.of("tandem.dev/interceptionMode", "REDIRECT"));

        assertThat(names(none.path("spec").path("initContainers"))).containsExactly("tandem-proxy", "migrate");
        assertThat(env(container(none, "tandem-proxy"), "TANDEM_INBOUND_INTERCEPTION_MODE")).isNull();
        assertThat(names(redirect.path("spec").path("initContainers")))
                .containsExactly("tandem-init", "tandem-proxy", "migrate");
        assertThat(env(container(redirect, "tandem-init"), "TANDEM_INBOUND_INTERCEPTION_MODE")).isEqualTo("REDIRECT");
    }

    static List<PodAnnotations.Override> overrides() {
        return PodAnnotations.OVERRIDES;
    }

    @ParameterizedTest
    @MethodSource("overrides")
    void istiosAnnotationNameDoesWhatTandemsDoes(PodAnnotations.Override override) throws Exception {
        String value = override.setting().name().contains("CIDRS") ? "10.0.0.0/8"
                : override.setting().name().contains("MODE") ? "TPROXY" : "8080";

        ObjectNode byTandem = injected(InjectionConfig.defaults(), Map.of(override.tandem(), value));
        ObjectNode byIstio = injected(InjectionConfig.defaults(), Map.of(override.istio(), value));

        assertThat(env(container(byTandem, "tandem-init"), override.setting().name())).isEqualTo(value);
        assertThat(byIstio.path("spec")).isEqualTo(byTandem.path("spec"));
    }

    @Test
    void aFileSettingNamesAPathInThePodWhichIsNotLookedForHere() throws Exception {
        InjectionConfig config = InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, null, null, null, null, null,
                        Map.of("TANDEM_CONFIG", "/etc/tandem/no-such-file-here.yaml")));

        ObjectNode pod = injected(config, Map.of());

        assertThat(env(container(pod, "tandem-proxy"), "TANDEM_CONFIG")).isEqualTo("/etc/tandem/no-such-file-here.yaml");
        assertThatThrownBy(() -> InjectionConfig.read(JsonNodeFactory.instance.objectNode(), "values",
                new InjectionConfig.Flags(null, null, null, null, null, null, null, Map.of("TANDEM_CONFIG", "traffic.yaml"))))
                .hasMessageContaining("--env TANDEM_CONFIG=\"traffic.yaml\": not an absolute path in the pod");
    }

    @Test
    void tandemsAnnotationWinsOverIstiosForTheSameSetting() throws Exception {
        ObjectNode pod = injected(InjectionConfig.defaults(), Map.of(
                "traffic.tandem.dev/excludeOutboundPorts", "5432", "traffic.sidecar.istio.io/excludeOutboundPorts", "3306"));

        assertThat(env(container(pod, "tandem-init"), "TANDEM_OUTBOUND_EXCLUDE_PORTS")).isEqualTo("5432");
    }
}
