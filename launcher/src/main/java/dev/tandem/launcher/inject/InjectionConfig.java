package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.Version;
import dev.tandem.core.config.ConfigError;
import dev.tandem.core.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What every injected pod gets unless its annotations say otherwise: the image, the layout, the containers'
 * resources and the {@code TANDEM_*} settings. Read from a values file with flags over it, and checked whole: every
 * refused value is reported together, named by its key or flag.
 */
record InjectionConfig(
        String image,
        String imagePullPolicy,
        Layout layout,
        ObjectNode proxyResources,
        ObjectNode initResources,
        PodSettings settings,
        Map<String, String> origins) {

    /** The image bin/tandem's version builds (docker/Dockerfile), tagged as the README says. */
    static final String DEFAULT_IMAGE = "tandem:" + Version.TAG;

    /** Kubernetes' resource quantity: a decimal number with an optional binary, decimal or exponent suffix. */
    private static final Pattern QUANTITY = Pattern.compile(
            "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?");

    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    /** Flags, which win over the values file; each is null where not given. */
    record Flags(String image, String imagePullPolicy, Boolean classic, String proxyCpu, String proxyMemory,
                 String proxyCpuLimit, String proxyMemoryLimit, Map<String, String> env) {
        static final Flags NONE = new Flags(null, null, null, null, null, null, null, Map.of());
    }

    /** The defaults alone. */
    static InjectionConfig defaults() {
        try {
            return read(JsonNodeFactory.instance.objectNode(), "values", Flags.NONE);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The values file's tree ({@code valuesName} names it in errors) with the flags over it. The file's keys:
     * {@code image}, {@code imagePullPolicy}, {@code layout} (native or classic), {@code proxy.resources},
     * {@code init.resources} (Kubernetes' requests and limits) and {@code settings} (TANDEM_* variable to value).
     */
    static InjectionConfig read(JsonNode values, String valuesName, Flags flags) throws ConfigException {
        var errors = new ArrayList<ConfigError>();
        var reader = new ValuesReader(valuesName, errors);
        JsonNode root = reader.mapping(values, "", Set.of("image", "imagePullPolicy", "layout", "proxy", "init", "settings"));

        String image = first(flags.image(), reader.scalar(root, "image"), DEFAULT_IMAGE);
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            errors.add(new ConfigError(flags.image() != null ? "--image" : valuesName + " image", image,
                    "not an image reference"));
        }
        String pullPolicy = first(flags.imagePullPolicy(), reader.scalar(root, "imagePullPolicy"), "IfNotPresent");
        if (!PULL_POLICIES.contains(pullPolicy)) {
            errors.add(new ConfigError(flags.imagePullPolicy() != null ? "--image-pull-policy"
                    : valuesName + " imagePullPolicy", pullPolicy, "not one of Always, IfNotPresent, Never"));
        }
        Layout layout = Layout.NATIVE;
        String layoutValue = reader.scalar(root, "layout");
        if (flags.classic() != null) {
            layout = flags.classic() ? Layout.CLASSIC : Layout.NATIVE;
        } else if (layoutValue != null) {
            try {
                layout = Layout.valueOf(layoutValue.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(valuesName + " layout", layoutValue, "not one of native, classic"));
            }
        }

        JsonNode proxy = reader.mapping(root.path("proxy"), "proxy", Set.of("resources"));
        ObjectNode proxyResources = reader.resources(proxy.path("resources"), "proxy.resources",
                resources("100m", "128Mi", "2", "256Mi"));
        flag(proxyResources, "requests", "cpu", "--proxy-cpu", flags.proxyCpu(), errors);
        flag(proxyResources, "requests", "memory", "--proxy-memory", flags.proxyMemory(), errors);
        flag(proxyResources, "limits", "cpu", "--proxy-cpu-limit", flags.proxyCpuLimit(), errors);
        flag(proxyResources, "limits", "memory", "--proxy-memory-limit", flags.proxyMemoryLimit(), errors);
        JsonNode init = reader.mapping(root.path("init"), "init", Set.of("resources"));
        ObjectNode initResources = reader.resources(init.path("resources"), "init.resources",
                resources("10m", "64Mi", "1", "256Mi"));

        var settings = new LinkedHashMap<String, String>();
        var origins = new LinkedHashMap<String, String>();
        JsonNode given = reader.mapping(root.path("settings"), "settings", null);
        given.properties().forEach(e -> {
            String value = reader.scalar(given, e.getKey(), "settings." + e.getKey());
            settings.put(e.getKey(), value == null ? "" : value);
            origins.put(e.getKey(), valuesName + " settings." + e.getKey());
        });
        flags.env().forEach((name, value) -> {
            settings.put(name, value);
            origins.put(name, "--env " + name);
        });
        PodSettings checked = null;
        try {
            checked = PodSettings.of(settings, name -> origins.getOrDefault(name, name));
        } catch (ConfigException e) {
            errors.addAll(e.errors());
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new InjectionConfig(image, pullPolicy, layout, proxyResources, initResources, checked, Map.copyOf(origins));
    }

    /** Where the value of a variable came from, for errors about it. */
    String origin(String variable) {
        return origins.getOrDefault(variable, variable);
    }

    private static String first(String flag, String value, String fallback) {
        return flag != null ? flag : value != null ? value : fallback;
    }

    private static ObjectNode resources(String cpu, String memory, String cpuLimit, String memoryLimit) {
        ObjectNode resources = JsonNodeFactory.instance.objectNode();
        resources.putObject("requests").put("cpu", cpu).put("memory", memory);
        resources.putObject("limits").put("cpu", cpuLimit).put("memory", memoryLimit);
        return resources;
    }

    private static void flag(ObjectNode resources, String kind, String resource, String flag, String value,
                             List<ConfigError> errors) {
        if (value == null) {
            return;
        }
        if (!QUANTITY.matcher(value).matches()) {
            errors.add(new ConfigError(flag, value, "not a quantity (such as 100m, 0.5, 128Mi, 1G)"));
            return;
        }
        (resources.has(kind) ? (ObjectNode) resources.get(kind) : resources.putObject(kind)).put(resource, value);
    }

    /** Reads the values file's tree, recording what is wrong with it by key path. */
    private record ValuesReader(String name, List<ConfigError> errors) {

        /** The node as a mapping with only the known keys (any key when {@code known} is null); empty when absent. */
        JsonNode mapping(JsonNode node, String path, Set<String> known) {
            if (node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                errors.add(new ConfigError(name + " " + (path.isEmpty() ? "(top level)" : path), node.toString(),
                        "not a mapping"));
                return JsonNodeFactory.instance.objectNode();
            }
            if (known != null) {
                node.fieldNames().forEachRemaining(key -> {
                    if (!known.contains(key)) {
                        errors.add(new ConfigError(name + " " + (path.isEmpty() ? "" : path + ".") + key, "",
                                "unknown key; the known ones are " + known.stream().sorted().toList()));
                    }
                });
            }
            return node;
        }

        String scalar(JsonNode parent, String key) {
            return scalar(parent, key, key);
        }

        /** A scalar's text (numbers and booleans as written), null when absent. */
        String scalar(JsonNode parent, String key, String path) {
            JsonNode node = parent.path(key);
            if (node.isMissingNode() || node.isNull()) {
                return null;
            }
            if (!node.isValueNode()) {
                errors.add(new ConfigError(name + " " + path, node.toString(), "not a single value"));
                return null;
            }
            return node.asText();
        }

        /** Requests and limits, each a mapping of resource names to quantities; the defaults when absent. */
        ObjectNode resources(JsonNode node, String path, ObjectNode defaults) {
            if (node.isMissingNode() || node.isNull()) {
                return defaults;
            }
            JsonNode given = mapping(node, path, Set.of("requests", "limits"));
            ObjectNode resources = JsonNodeFactory.instance.objectNode();
            for (String kind : List.of("requests", "limits")) {
                JsonNode amounts = mapping(given.path(kind), path + "." + kind, null);
                if (!given.has(kind)) {
                    continue;
                }
                ObjectNode out = resources.putObject(kind);
                amounts.properties().forEach(e -> {
                    String quantity = scalar(amounts, e.getKey(), path + "." + kind + "." + e.getKey());
                    if (quantity != null && !QUANTITY.matcher(quantity).matches()) {
                        errors.add(new ConfigError(name + " " + path + "." + kind + "." + e.getKey(), quantity,
                                "not a quantity (such as 100m, 0.5, 128Mi, 1G)"));
                    }
                    out.put(e.getKey(), quantity);
                });
            }
            return resources;
        }
    }
}
