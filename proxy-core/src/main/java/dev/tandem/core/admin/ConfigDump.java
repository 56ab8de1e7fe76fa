package dev.tandem.core.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.config.EnvReader;
import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import dev.tandem.core.config.WorkloadIdentity;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.traffic.TrafficRouting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Admin {@code /config_dump}: the configuration in force, as JSON. Every setting with the value the proxy runs with and
 * whether it came from the environment or is the default; the workload identity as the proxy resolved it; the
 * listeners and their addresses; and the Istio resources of {@code TANDEM_CONFIG} that are in force (a refused change
 * shows under {@code last_errors}, not in {@code resources}).
 */
public final class ConfigDump {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> environment;
    private final WorkloadIdentity identity;
    private final Listeners listeners;
    private final TrafficRouting routing;

    public ConfigDump(Map<String, String> environment, WorkloadIdentity identity, Listeners listeners,
            TrafficRouting routing) {
        this.environment = Map.copyOf(environment);
        this.identity = identity;
        this.listeners = listeners;
        this.routing = routing;
    }

    public String json() {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", settings());
        root.set("identity", JSON.createObjectNode()
                .put("namespace", identity.namespace())
                .put("cluster_domain", identity.clusterDomain())
                .put("pod_name", identity.podName())
                .put("service_account", identity.serviceAccount())
                .put("workload", identity.workload())
                .put("app", identity.app())
                .put("version", identity.version())
                .put("canonical_service", identity.canonicalService())
                .put("canonical_revision", identity.canonicalRevision()));
        ArrayNode bound = root.putArray("listeners");
        for (Listeners.Bound listener : listeners.bound()) {
            bound.addObject()
                    .put("name", listener.name())
                    .put("address", Addresses.format(listener.address()))
                    .put("kind", listener.kind().name().toLowerCase(Locale.ROOT))
                    .put("accepting", listener.accepting());
        }
        root.set("traffic_config", trafficConfig());
        return root.toPrettyString();
    }

    private ObjectNode settings() {
        EnvReader env = EnvReader.of(environment);
        ObjectNode settings = JSON.createObjectNode();
        for (Setting setting : Settings.ALL) {
            settings.putObject(setting.name())
                    .put("value", env.raw(setting))
                    .put("source", environment.containsKey(setting.name()) ? "environment" : "default");
        }
        return settings;
    }

    private ObjectNode trafficConfig() {
        ObjectNode traffic = JSON.createObjectNode();
        traffic.put("file", routing.file() == null ? null : routing.file().toString());
        traffic.put("reloads_applied", routing.reloadsApplied());
        traffic.put("reloads_rejected", routing.reloadsRejected());
        ArrayNode errors = traffic.putArray("last_errors");
        routing.lastErrors().forEach(errors::add);
        ArrayNode resources = traffic.putArray("resources");
        documents(routing.text()).forEach(resources::add);
        return traffic;
    }

    /** The file's documents as JSON; the file was read cleanly when it was applied, so it reads cleanly again. */
    private static List<JsonNode> documents(String text) {
        if (text == null) {
            return List.of();
        }
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(text)) {
            return documents.readAll().stream().filter(d -> d != null && !d.isNull() && !d.isEmpty()).toList();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the traffic configuration in force no longer reads: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
