package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.config.ConfigException;
import dev.tandem.launcher.inject.SidecarInjector.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tandem inject}'s work on a whole multi-document stream: every pod template of a Pod, Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob (also inside a {@code kind: List}) gets the
 * sidecar; every other document, and every document left without one, is written back as it was, byte for byte.
 */
final class ManifestInjection {

    /** The injected stream, and a note for each pod template that was left without a sidecar or needs a word. */
    record Result(String output, List<String> notes) {
    }

    /** A kind that holds a pod: where its pod template is, from the object's root. */
    private enum Workload {
        POD("", "Pod"),
        REPLICATION_CONTROLLER("", "ReplicationController", "spec", "template"),
        DEPLOYMENT("apps", "Deployment", "spec", "template"),
        STATEFUL_SET("apps", "StatefulSet", "spec", "template"),
        DAEMON_SET("apps", "DaemonSet", "spec", "template"),
        REPLICA_SET("apps", "ReplicaSet", "spec", "template"),
        JOB("batch", "Job", "spec", "template"),
        CRON_JOB("batch", "CronJob", "spec", "jobTemplate", "spec", "template");

        final String group;
        final String kind;
        final String[] templatePath;

        Workload(String group, String kind, String... templatePath) {
            this.group = group;
            this.kind = kind;
            this.templatePath = templatePath;
        }

        /** The kind of this object, by its API group (any version) and kind; null for any other. */
        static Workload of(JsonNode object) {
            String apiVersion = object.path("apiVersion").asText();
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            for (Workload w : values()) {
                if (w.group.equals(group) && w.kind.equals(object.path("kind").asText())) {
                    return w;
                }
            }
            return null;
        }
    }

    private final SidecarInjector injector;

    ManifestInjection(SidecarInjector injector) {
        this.injector = injector;
    }

    /** Injects every pod template of {@code stream}; nothing is returned unless every document was read and checked. */
    Result inject(String stream) throws ManifestException {
        var output = new StringBuilder();
        List<String> notes = new ArrayList<>();
        for (YamlStream.Document document : YamlStream.read(stream)) {
            JsonNode tree = document.tree();
            if (!(tree instanceof ObjectNode object)) {
                output.append(document.text());
                continue;
            }
            ObjectNode copy = object.deepCopy();
            boolean changed = injectObject(copy, document, notes);
            output.append(document.write(changed ? copy : null));
        }
        return new Result(output.toString(), notes);
    }

    /** Injects the object's pod template, or each item's of a List; true when something changed. */
    private boolean injectObject(ObjectNode object, YamlStream.Document document, List<String> notes)
            throws ManifestException {
        if (object.path("apiVersion").asText().equals("v1") && object.path("kind").asText().equals("List")) {
            boolean changed = false;
            for (JsonNode item : object.path("items")) {
                if (item instanceof ObjectNode itemObject) {
                    changed |= injectObject(itemObject, document, notes);
                }
            }
            return changed;
        }
        Workload workload = Workload.of(object);
        if (workload == null) {
            return false;
        }
        String name = object.path("metadata").path("name").asText("");
        String what = document.where() + ", " + workload.kind + (name.isEmpty() ? "" : " " + name);
        JsonNode template = object;
        for (String field : workload.templatePath) {
            template = template.path(field);
        }
        if (!(template instanceof ObjectNode pod)) {
            notes.add(what + ": no pod template; left as it was");
            return false;
        }
        Outcome outcome;
        try {
            // A bare Pod's workload is itself, named by the downward API; a workload's pods are named after it.
            outcome = injector.inject(pod, workload == Workload.POD || name.isEmpty() ? null : name);
        } catch (ConfigException e) {
            throw new ManifestException(what + ": " + e.getMessage(), e);
        }
        outcome.warnings().forEach(w -> notes.add(what + ": " + w));
        if (outcome.result() != SidecarInjector.Result.INJECTED) {
            notes.add(what + ": left as it was: " + outcome.reason());
        }
        return outcome.result() == SidecarInjector.Result.INJECTED;
    }
}
