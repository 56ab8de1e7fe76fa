package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a pod says about its own injection, under Tandem's names and Istio's. Where both name the same thing, Tandem's
 * wins; a label wins over an annotation of the same name (only labels reach the webhook's object selector).
 */
final class PodAnnotations {

    /** Set on an injected pod: what was added. Its presence makes a second injection change nothing. */
    static final String STATUS = "tandem.dev/status";
    static final String INJECT = "tandem.dev/inject";
    static final String ISTIO_INJECT = "sidecar.istio.io/inject";
    static final String ISTIO_STATUS = "sidecar.istio.io/status";
    /** kubectl's default container for logs and exec, set in the classic layout where the sidecar comes first. */
    static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";

    /** An annotation that sets one interception setting for its pod, under Tandem's name and Istio's. */
    record Override(Setting setting, String tandem, String istio) {
    }

    static final List<Override> OVERRIDES = List.of(
            new Override(Settings.INBOUND_INTERCEPTION_MODE, "tandem.dev/interceptionMode",
                    "sidecar.istio.io/interceptionMode"),
            new Override(Settings.INBOUND_PORTS, "traffic.tandem.dev/includeInboundPorts",
                    "traffic.sidecar.istio.io/includeInboundPorts"),
            new Override(Settings.INBOUND_EXCLUDE_PORTS, "traffic.tandem.dev/excludeInboundPorts",
                    "traffic.sidecar.istio.io/excludeInboundPorts"),
            new Override(Settings.OUTBOUND_INCLUDE_CIDRS, "traffic.tandem.dev/includeOutboundIPRanges",
                    "traffic.sidecar.istio.io/includeOutboundIPRanges"),
            new Override(Settings.OUTBOUND_EXCLUDE_CIDRS, "traffic.tandem.dev/excludeOutboundIPRanges",
                    "traffic.sidecar.istio.io/excludeOutboundIPRanges"),
            new Override(Settings.OUTBOUND_EXCLUDE_PORTS, "traffic.tandem.dev/excludeOutboundPorts",
                    "traffic.sidecar.istio.io/excludeOutboundPorts"),
            new Override(Settings.OUTBOUND_INCLUDE_PORTS, "traffic.tandem.dev/includeOutboundPorts",
                    "traffic.sidecar.istio.io/includeOutboundPorts"));

    /** Prefixes whose every key should be one Tandem knows: another is likely a typo, and is warned about. */
    private static final List<String> WATCHED_PREFIXES = List.of("tandem.dev/", "traffic.tandem.dev/",
            "traffic.sidecar.istio.io/");

    private static final Set<String> YES = Set.of("true", "yes", "y", "on");
    private static final Set<String> NO = Set.of("false", "no", "n", "off");

    private final JsonNode labels;
    private final JsonNode annotations;

    PodAnnotations(JsonNode metadata) {
        this.labels = metadata.path("labels");
        this.annotations = metadata.path("annotations");
    }

    String annotation(String name) {
        JsonNode value = annotations.path(name);
        return value.isValueNode() && !value.isNull() ? value.asText() : null;
    }

    String label(String name) {
        JsonNode value = labels.path(name);
        return value.isValueNode() && !value.isNull() ? value.asText() : null;
    }

    /**
     * The opt-out that applies, as "where=value" (e.g. {@code label sidecar.istio.io/inject=false}), or null when the
     * pod is to be injected. Checked in order: Tandem's label, Tandem's annotation, Istio's label, Istio's annotation;
     * the first that says true or false decides. A value that is neither is ignored with a warning added to
     * {@code warnings}, as Istio's injector ignores it (falling back to its default, which is to inject).
     */
    String optOut(List<String> warnings) {
        for (String name : List.of(INJECT, ISTIO_INJECT)) {
            for (boolean isLabel : List.of(true, false)) {
                String value = isLabel ? label(name) : annotation(name);
                if (value == null) {
                    continue;
                }
                String where = (isLabel ? "label " : "annotation ") + name;
                String v = value.strip().toLowerCase(Locale.ROOT);
                if (NO.contains(v)) {
                    return where + "=" + value;
                }
                if (YES.contains(v)) {
                    return null;
                }
                warnings.add(where + "=\"" + value + "\" is not true or false; ignored, as Istio ignores it");
            }
        }
        return null;
    }

    /** The interception settings the pod's annotations set (variable name to value), Tandem's over Istio's. */
    Map<String, String> overrides() {
        var overrides = new LinkedHashMap<String, String>();
        for (Override o : OVERRIDES) {
            String value = annotation(o.tandem()) != null ? annotation(o.tandem()) : annotation(o.istio());
            if (value != null) {
                overrides.put(o.setting().name(), value);
            }
        }
        return overrides;
    }

    /** The annotation a variable's value came from, for errors about it. */
    String origin(String variable) {
        for (Override o : OVERRIDES) {
            if (o.setting().name().equals(variable)) {
                return "annotation " + (annotation(o.tandem()) != null ? o.tandem() : o.istio());
            }
        }
        return null;
    }

    /** Annotations under Tandem's prefixes or Istio's traffic prefix that nothing reads: likely typos. */
    List<String> unknown() {
        var known = new java.util.HashSet<>(List.of(STATUS, INJECT));
        OVERRIDES.forEach(o -> {
            known.add(o.tandem());
            known.add(o.istio());
        });
        List<String> unknown = new ArrayList<>();
        annotations.fieldNames().forEachRemaining(name -> {
            if (WATCHED_PREFIXES.stream().anyMatch(name::startsWith) && !known.contains(name)) {
                unknown.add(name);
            }
        });
        return unknown;
    }
}
