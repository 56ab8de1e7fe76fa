package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.InterceptionMode;
import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import dev.tandem.redirect.RedirectConfig;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives one pod (a Pod, or a workload's pod template: its {@code metadata} and {@code spec}) the init container that
 * installs the interception rules and the Tandem sidecar, with their volumes, as Istio's injector does. A pod that
 * has them already, opts out, shares the node's network or carries another mesh's sidecar is left exactly as it was.
 */
final class SidecarInjector {

    static final String INIT = "tandem-init";
    static final String PROXY = "tandem-proxy";
    /** Memory-backed: the proxy's workload certificate and key, once it has them, never touch a disk. */
    static final String CERTS_VOLUME = "tandem-certs";
    static final String PROMETHEUS_SCRAPE = "prometheus.io/scrape";
    static final String CERTS_PATH = "/etc/tandem/certs";
    /** The sidecar's root filesystem is read-only; the JVM and Netty's native library need a writable /tmp. */
    static final String TMP_VOLUME = "tandem-tmp";
    static final String READY_PATH = "/healthz/ready";
    /** bin/tandem in Tandem's image (docker/Dockerfile), which is also its entrypoint. */
    static final String IMAGE_BIN = "/opt/tandem/bin/tandem";

    /**
     * The labels that name the pod's canonical service and revision, in Istio's order (its labels.CanonicalService);
     * with none of them, the proxy takes the workload's name and "latest".
     */
    static final List<String> APP_LABELS = List.of("service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
    static final List<String> VERSION_LABELS = List.of("service.istio.io/canonical-revision", "app.kubernetes.io/version",
            "version");

    private static final Set<String> OTHER_MESH_SIDECARS = Set.of("istio-proxy", "linkerd-proxy");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What became of a pod. */
    enum Result { INJECTED, ALREADY_INJECTED, OPTED_OUT, SKIPPED }

    /** What became of a pod, why (for all but INJECTED), and what its author should know. */
    record Outcome(Result result, String reason, List<String> warnings) {
        static Outcome of(Result result, String reason) {
            return new Outcome(result, reason, List.of());
        }
    }

    private final InjectionConfig config;

    SidecarInjector(InjectionConfig config) {
        this.config = config;
    }

    InjectionConfig config() {
        return config;
    }

    /**
     * Injects {@code pod} in place. {@code workloadName} names the Deployment, StatefulSet, ... the pod belongs to;
     * null when the pod's own name is the workload's. Throws when an annotation's value is refused.
     */
    Outcome inject(ObjectNode pod, String workloadName) throws ConfigException {
        if (!(pod.get("spec") instanceof ObjectNode spec)) {
            return Outcome.of(Result.SKIPPED, "no pod spec");
        }
        if (!(spec.get("containers") instanceof ArrayNode containers) || containers.isEmpty()) {
            return Outcome.of(Result.SKIPPED, "the pod has no containers");
        }
        var annotations = new PodAnnotations(pod.path("metadata"));
        if (annotations.annotation(PodAnnotations.STATUS) != null || hasContainer(spec, Set.of(INIT, PROXY)) != null) {
            return Outcome.of(Result.ALREADY_INJECTED, "it has Tandem's sidecar already");
        }
        List<String> warnings = new ArrayList<>();
        String optOut = annotations.optOut(warnings);
        if (optOut != null) {
            return new Outcome(Result.OPTED_OUT, "opted out by " + optOut, warnings);
        }
        if (spec.path("hostNetwork").asBoolean(false)) {
            return Outcome.of(Result.SKIPPED, "hostNetwork pod: its rules would capture the node's own traffic");
        }
        String otherMesh = hasContainer(spec, OTHER_MESH_SIDECARS);
        if (otherMesh != null || annotations.annotation(PodAnnotations.ISTIO_STATUS) != null) {
            return Outcome.of(Result.SKIPPED, "it has another mesh's sidecar ("
                    + (otherMesh != null ? otherMesh : PodAnnotations.ISTIO_STATUS) + ")");
        }
        PodSettings settings = PodSettings.of(PodSettings.overlay(config.settings().values(), annotations.overrides()),
                name -> annotations.origin(name) != null ? annotations.origin(name) : config.origin(name));

        annotations.unknown().forEach(a -> warnings.add("annotation " + a + " is not one Tandem reads; ignored"));
        String restartPolicy = spec.path("restartPolicy").asText("Always");
        if (config.layout() == Layout.CLASSIC && !restartPolicy.equals("Always")) {
            warnings.add("restartPolicy " + restartPolicy + ": in the classic layout the sidecar keeps running after"
                    + " the application ends, so the pod never completes; the native layout ends it");
        }
        if (!settings.intercepts()) {
            warnings.add("interception mode NONE: no " + INIT + ", so no traffic is redirected to the sidecar; the"
                    + " application's calls bypass it");
        }

        String application = containers.get(0).path("name").asText();
        JsonNode labels = pod.path("metadata").path("labels");
        place(spec, settings.intercepts() ? initContainer(settings) : null, sidecar(settings, workloadName, labels));
        ArrayNode volumes = spec.get("volumes") instanceof ArrayNode existing ? existing : spec.putArray("volumes");
        volumes.addObject().put("name", CERTS_VOLUME).putObject("emptyDir").put("medium", "Memory");
        volumes.addObject().put("name", TMP_VOLUME).putObject("emptyDir");

        if (!(pod.get("metadata") instanceof ObjectNode)) {
            putBefore(pod, "metadata", JSON.objectNode(), "spec");
        }
        ObjectNode metadata = (ObjectNode) pod.get("metadata");
        ObjectNode annotationsNode = metadata.get("annotations") instanceof ObjectNode a ? a : metadata.putObject("annotations");
        if (config.layout() == Layout.CLASSIC && !annotationsNode.has(PodAnnotations.DEFAULT_CONTAINER)) {
            annotationsNode.put(PodAnnotations.DEFAULT_CONTAINER, application);
        }
        annotationsNode.put(PodAnnotations.STATUS, status(settings.intercepts()));
        if (!annotationsNode.has(PROMETHEUS_SCRAPE)) {
            // As Istio's injector annotates a pod for Prometheus' kubernetes-pods job; a pod that has its own
            // scrape annotations keeps them (Istio would merge the two; Tandem serves only its own metrics).
            annotationsNode.put(PROMETHEUS_SCRAPE, "true")
                    .put("prometheus.io/port", Integer.toString(settings.rules().ports().metrics().value()))
                    .put("prometheus.io/path", "/stats/prometheus");
        }
        return new Outcome(Result.INJECTED, null, warnings);
    }

    /**
     * Rules first, then the sidecar: in the native layout both before the pod's own init containers, so those get
     * the mesh; in the classic one the rules after them, so their traffic is not captured while no proxy is up.
     * {@code init} is null when the pod gets no rules (interception mode NONE).
     */
    private void place(ObjectNode spec, ObjectNode init, ObjectNode proxy) {
        ArrayNode inits = JSON.arrayNode();
        ArrayNode existingInits = spec.get("initContainers") instanceof ArrayNode a ? a : JSON.arrayNode();
        if (config.layout() == Layout.NATIVE) {
            if (init != null) {
                inits.add(init);
            }
            inits.add(proxy).addAll(existingInits);
        } else {
            inits.addAll(existingInits);
            if (init != null) {
                inits.add(init);
            }
            ((ArrayNode) spec.get("containers")).insert(0, proxy);
        }
        if (!inits.isEmpty() || spec.has("initContainers")) {
            putBefore(spec, "initContainers", inits, "containers");
        }
    }

    private ObjectNode initContainer(PodSettings settings) {
        ObjectNode init = container(INIT, "redirect", "apply");
        ArrayNode env = init.putArray("env");
        settings.forInit().forEach(s -> env.addObject().put("name", s.name()).put("value", settings.get(s)));
        init.set("resources", config.initResources().deepCopy());
        ObjectNode security = init.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        ObjectNode capabilities = security.putObject("capabilities");
        capabilities.putArray("add").add("NET_ADMIN").add("NET_RAW");
        capabilities.putArray("drop").add("ALL");
        // iptables-legacy takes its lock in /run, so the rules' container keeps a writable root, as istio-init does.
        security.put("privileged", false).put("readOnlyRootFilesystem", false)
                .put("runAsGroup", 0).put("runAsNonRoot", false).put("runAsUser", 0);
        return init;
    }

    private ObjectNode sidecar(PodSettings settings, String workloadName, JsonNode labels) {
        RedirectConfig rules = settings.rules();
        ObjectNode proxy = container(PROXY, "proxy");
        if (config.layout() == Layout.NATIVE) {
            proxy.put("restartPolicy", "Always");
        }
        ArrayNode ports = proxy.putArray("ports");
        // Istio's name for the metrics port: scrape configs that keep *-envoy-prom ports find Tandem's too.
        ports.addObject().put("name", "http-envoy-prom").put("containerPort", rules.ports().metrics().value())
                .put("protocol", "TCP");
        ports.addObject().put("name", "tandem-health").put("containerPort", rules.ports().health().value())
                .put("protocol", "TCP");

        ArrayNode env = proxy.putArray("env");
        fieldRef(env, Settings.POD_NAME, "metadata.name");
        fieldRef(env, Settings.NAMESPACE, "metadata.namespace");
        fieldRef(env, Settings.SERVICE_ACCOUNT, "spec.serviceAccountName");
        if (workloadName != null) {
            env.addObject().put("name", Settings.WORKLOAD_NAME.name()).put("value", workloadName);
        } else {
            fieldRef(env, Settings.WORKLOAD_NAME, "metadata.name");
        }
        // As Istio's injector, the label is chosen by the labels the pod has when it is injected; the downward API then
        // gives its value when the pod starts.
        fieldRef(env, Settings.APP, "metadata.labels['" + firstLabel(labels, APP_LABELS) + "']");
        fieldRef(env, Settings.VERSION, "metadata.labels['" + firstLabel(labels, VERSION_LABELS) + "']");
        env.addObject().put("name", Settings.CLUSTER_DOMAIN.name()).put("value", settings.get(Settings.CLUSTER_DOMAIN));
        for (Setting s : settings.forSidecar()) {
            if (s != Settings.CLUSTER_DOMAIN) {
                env.addObject().put("name", s.name()).put("value", settings.get(s));
            }
        }
        proxy.set("resources", config.proxyResources().deepCopy());
        int health = rules.ports().health().value();
        // Native sidecar: the applications start only once this passes, so their first calls find the proxy ready.
        proxy.set("startupProbe", readyProbe(health, 1, 600));
        proxy.set("readinessProbe", readyProbe(health, 15, 4));
        if (config.layout() == Layout.CLASSIC) {
            // Istio's holdApplicationUntilProxyStarts: the kubelet starts the containers in order and the next one (the
            // application) only once this hook has returned, that is once the proxy is ready.
            proxy.putObject("lifecycle").putObject("postStart").putObject("exec").putArray("command")
                    .add(IMAGE_BIN).add("wait-ready");
        }

        ObjectNode security = proxy.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        ObjectNode capabilities = security.putObject("capabilities");
        if (rules.inboundMode() == InterceptionMode.TPROXY) {
            // A transparent socket needs CAP_NET_ADMIN, which Kubernetes grants only to uid 0; the proxy's group still
            // exempts its own connections from capture.
            capabilities.putArray("add").add("NET_ADMIN");
            capabilities.putArray("drop").add("ALL");
            security.put("privileged", false).put("readOnlyRootFilesystem", true)
                    .put("runAsGroup", rules.proxyGid()).put("runAsNonRoot", false).put("runAsUser", 0);
        } else {
            capabilities.putArray("drop").add("ALL");
            security.put("privileged", false).put("readOnlyRootFilesystem", true)
                    .put("runAsGroup", rules.proxyGid()).put("runAsNonRoot", true).put("runAsUser", rules.proxyUid());
        }
        ArrayNode mounts = proxy.putArray("volumeMounts");
        mounts.addObject().put("name", CERTS_VOLUME).put("mountPath", CERTS_PATH);
        mounts.addObject().put("name", TMP_VOLUME).put("mountPath", "/tmp");
        return proxy;
    }

    private ObjectNode container(String name, String... args) {
        ObjectNode container = JSON.objectNode();
        container.put("name", name).put("image", config.image()).put("imagePullPolicy", config.imagePullPolicy());
        ArrayNode argList = container.putArray("args");
        for (String arg : args) {
            argList.add(arg);
        }
        return container;
    }

    /** The first of {@code keys} the pod is labelled with; else the last, the plainest. */
    private static String firstLabel(JsonNode labels, List<String> keys) {
        return keys.stream().filter(labels::has).findFirst().orElse(keys.get(keys.size() - 1));
    }

    private static void fieldRef(ArrayNode env, Setting setting, String fieldPath) {
        env.addObject().put("name", setting.name())
                .putObject("valueFrom").putObject("fieldRef").put("fieldPath", fieldPath);
    }

    private static ObjectNode readyProbe(int port, int periodSeconds, int failureThreshold) {
        ObjectNode probe = JSON.objectNode();
        probe.putObject("httpGet").put("path", READY_PATH).put("port", port);
        probe.put("periodSeconds", periodSeconds).put("timeoutSeconds", 3).put("failureThreshold", failureThreshold);
        return probe;
    }

    /** What was added, as Istio's sidecar.istio.io/status says it: the names to look for or to remove. */
    private String status(boolean intercepts) {
        ObjectNode status = JSON.objectNode();
        status.put("layout", config.layout().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode inits = status.putArray("initContainers");
        if (intercepts) {
            inits.add(INIT);
        }
        if (config.layout() == Layout.NATIVE) {
            inits.add(PROXY);
            status.putArray("containers");
        } else {
            status.putArray("containers").add(PROXY);
        }
        status.putArray("volumes").add(CERTS_VOLUME).add(TMP_VOLUME);
        return status.toString();
    }

    /** The first container (init or regular) with one of these names, or null. */
    private static String hasContainer(ObjectNode spec, Set<String> names) {
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode container : spec.path(list)) {
                if (names.contains(container.path("name").asText())) {
                    return container.path("name").asText();
                }
            }
        }
        return null;
    }

    /** Sets {@code key}, placing it before {@code before} when it is new, so a manifest reads in its usual order. */
    static void putBefore(ObjectNode node, String key, JsonNode value, String before) {
        if (node.has(key) || !node.has(before)) {
            node.set(key, value);
            return;
        }
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        node.properties().forEach(e -> fields.add(new SimpleEntry<>(e.getKey(), e.getValue())));
        node.removeAll();
        for (Map.Entry<String, JsonNode> field : fields) {
            if (field.getKey().equals(before)) {
                node.set(key, value);
            }
            node.set(field.getKey(), field.getValue());
        }
    }
}
