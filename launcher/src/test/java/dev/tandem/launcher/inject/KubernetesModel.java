package dev.tandem.launcher.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Kubernetes objects strictly into fabric8's object model. fabric8 keeps a field it does not know in the
 * object's additionalProperties rather than failing, so every object of the graph is checked to have none; and the
 * object written back from the model must hold everything that was read, unchanged, so nothing was dropped or
 * reinterpreted on the way (the model may add what it defaults, such as a claim template's kind).
 */
final class KubernetesModel {

    private static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1/Pod", Pod.class),
            Map.entry("v1/ReplicationController", ReplicationController.class),
            Map.entry("v1/List", KubernetesList.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("apps/v1/DaemonSet", DaemonSet.class),
            Map.entry("apps/v1/ReplicaSet", ReplicaSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("batch/v1/CronJob", CronJob.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("admissionregistration.k8s.io/v1/MutatingWebhookConfiguration", MutatingWebhookConfiguration.class),
            Map.entry("admission.k8s.io/v1/AdmissionReview", AdmissionReview.class));

    /** Objects whose fields Kubernetes leaves open: their additionalProperties are their content. */
    private static final Set<Class<?>> FREE_FORM = Set.of(FieldsV1.class);

    private static final ObjectMapper MODEL = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubernetesModel() {
    }

    /** Whether the model knows this object's kind. */
    static boolean knows(JsonNode object) {
        return KINDS.containsKey(key(object));
    }

    /** The object as its model class, chosen by apiVersion and kind. */
    static Object read(JsonNode object) {
        Class<?> type = KINDS.get(key(object));
        if (type == null) {
            throw new AssertionError("no model class for " + key(object));
        }
        return read(object, type);
    }

    static <T> T read(JsonNode object, Class<T> type) {
        try {
            String json = object.toString();
            T model = MODEL.readValue(json, type);
            checkNoUnknownFields(model, type.getSimpleName());
            JsonNode written = JSON.readTree(MODEL.writeValueAsString(model));
            JsonNode read = JSON.readTree(json);
            if (!holds(written, read)) {
                throw new AssertionError(type.getSimpleName() + " changed on its way through the model:\n  read:    "
                        + read + "\n  written: " + written);
            }
            return model;
        } catch (JsonProcessingException e) {
            throw new AssertionError(type.getSimpleName() + " does not read into the model: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code written} has every field of {@code read} with the same value; a quantity may turn text, and a
     * null or empty value may be left out, as the API server's own serialization leaves it out.
     */
    private static boolean holds(JsonNode written, JsonNode read) {
        if (written.isMissingNode() && (read.isNull() || read.isContainerNode() && read.isEmpty())) {
            return true;
        }
        if (read.isObject()) {
            if (!written.isObject()) {
                return false;
            }
            for (var field : read.properties()) {
                if (!holds(written.path(field.getKey()), field.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (read.isArray()) {
            if (!written.isArray() || written.size() != read.size()) {
                return false;
            }
            for (int i = 0; i < read.size(); i++) {
                if (!holds(written.get(i), read.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return written.equals(read) || read.isNumber() && written.isTextual() && written.asText().equals(read.asText());
    }

    private static String key(JsonNode object) {
        return object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    }

    /** Walks the model's getters; any object with additionalProperties had fields its class does not know. */
    private static void checkNoUnknownFields(Object value, String path) {
        if (value == null) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                checkNoUnknownFields(list.get(i), path + "[" + i + "]");
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> checkNoUnknownFields(v, path + "." + k));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.") || FREE_FORM.contains(value.getClass())) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || !getter.getDeclaringClass().getName().startsWith("io.fabric8.")) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    throw new AssertionError(path + ": fields the Kubernetes model does not know: " + extra.keySet());
                }
                continue;
            }
            checkNoUnknownFields(field, path + "." + Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4));
        }
    }
}
