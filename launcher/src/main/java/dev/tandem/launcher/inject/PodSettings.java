package dev.tandem.launcher.inject;

import dev.tandem.core.config.ConfigError;
import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import dev.tandem.redirect.RedirectConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code TANDEM_*} settings one pod's containers are given (those set, by name; the rest keep their defaults),
 * checked the way {@code tandem redirect} and {@code tandem proxy} will read them, so that a bad value stops the
 * injection instead of the pod.
 */
record PodSettings(Map<String, String> values, RedirectConfig rules) {

    /** The pod's identity, which the injector sets from the downward API and the workload; never given by hand. */
    static final Set<Setting> IDENTITY = Set.of(Settings.POD_NAME, Settings.NAMESPACE, Settings.SERVICE_ACCOUNT,
            Settings.WORKLOAD_NAME, Settings.APP, Settings.VERSION);

    /**
     * Files in the pod's own filesystem, which the injector cannot look at: checked to be absolute paths only, and
     * left out when the rest is checked as the proxy reads it.
     */
    static final Set<Setting> POD_FILES = Set.of(Settings.CONFIG);

    /**
     * Istio's interception mode NONE, which only the injector knows: no rules, so no init container, and a sidecar
     * that is not told a mode (the proxy knows only REDIRECT and TPROXY).
     */
    static final String NO_INTERCEPTION = "NONE";

    /** What the init container's {@code tandem redirect apply} reads, besides the sidecar's ports and mode. */
    private static final Set<Setting> RULES_ONLY;

    static {
        var rulesOnly = new java.util.LinkedHashSet<>(RedirectConfig.SETTINGS);
        rulesOnly.removeAll(List.of(Settings.OUTBOUND_PORT, Settings.INBOUND_PORT, Settings.TUNNEL_PORT,
                Settings.HEALTH_PORT, Settings.ADMIN_PORT, Settings.METRICS_PORT, Settings.INBOUND_INTERCEPTION_MODE));
        RULES_ONLY = Set.copyOf(rulesOnly);
    }

    PodSettings {
        values = Map.copyOf(values);
    }

    /**
     * Checks {@code values} (variable name to value) as both commands would; {@code origin} names where a variable's
     * value came from (a flag, the values file, an annotation) in the errors, which are reported together.
     */
    static PodSettings of(Map<String, String> values, Function<String, String> origin) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        for (String name : values.keySet()) {
            Setting setting = setting(name);
            if (setting == null) {
                errors.add(new ConfigError(origin.apply(name), values.get(name), "no setting has this name"));
            } else if (IDENTITY.contains(setting)) {
                errors.add(new ConfigError(origin.apply(name), values.get(name),
                        "set by the injector from the pod itself (downward API)"));
            } else if (POD_FILES.contains(setting) && !values.get(name).isEmpty() && !values.get(name).startsWith("/")) {
                errors.add(new ConfigError(origin.apply(name), values.get(name), "not an absolute path in the pod"));
            }
        }
        // Mode NONE is checked no further: with no rules, nothing reads it.
        Function<String, String> lookup = name -> name.equals(Settings.INBOUND_INTERCEPTION_MODE.name())
                && isNone(values.get(name)) ? null : values.get(name);
        RedirectConfig rules = null;
        try {
            rules = RedirectConfig.read(EnvReader.of(lookup, s -> origin.apply(s.name())));
        } catch (ConfigException e) {
            errors.addAll(e.errors());
        }
        try {
            ProxyConfig.from(name -> POD_FILES.stream().anyMatch(f -> f.name().equals(name)) ? null : lookup.apply(name));
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                Setting setting = setting(error.origin());
                if (setting == null || !RedirectConfig.SETTINGS.contains(setting)) {
                    errors.add(new ConfigError(origin.apply(error.origin()), error.value(), error.reason()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new PodSettings(values, rules);
    }

    /** These settings with {@code overrides} over them. */
    static Map<String, String> overlay(Map<String, String> base, Map<String, String> overrides) {
        var merged = new LinkedHashMap<>(base);
        merged.putAll(overrides);
        return merged;
    }

    /** False for Istio's interception mode NONE: the pod gets the sidecar but no rules. */
    boolean intercepts() {
        return !isNone(values.get(Settings.INBOUND_INTERCEPTION_MODE.name()));
    }

    private static boolean isNone(String mode) {
        return mode != null && mode.strip().equalsIgnoreCase(NO_INTERCEPTION);
    }

    /** The value the containers will see: the one set, else the default. */
    String get(Setting setting) {
        return values.getOrDefault(setting.name(), setting.defaultValue());
    }

    /** The settings given to the sidecar, in the order Settings lists them: all but those only the rules read. */
    List<Setting> forSidecar() {
        return Settings.ALL.stream()
                .filter(s -> values.containsKey(s.name()) && !RULES_ONLY.contains(s))
                .filter(s -> s != Settings.INBOUND_INTERCEPTION_MODE || intercepts())
                .toList();
    }

    /** The settings given to the init container: the interception ones always, the other rules' ones when set. */
    List<Setting> forInit() {
        Set<Setting> always = Set.of(Settings.INBOUND_INTERCEPTION_MODE, Settings.INBOUND_PORTS,
                Settings.INBOUND_EXCLUDE_PORTS, Settings.OUTBOUND_INCLUDE_CIDRS, Settings.OUTBOUND_EXCLUDE_CIDRS,
                Settings.OUTBOUND_EXCLUDE_PORTS, Settings.OUTBOUND_INCLUDE_PORTS);
        return RedirectConfig.SETTINGS.stream()
                .filter(s -> always.contains(s) || values.containsKey(s.name()))
                .toList();
    }

    private static Setting setting(String name) {
        return Settings.ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
