package dev.tandem.launcher.inject;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.config.ConfigException;
import dev.tandem.launcher.inject.SidecarInjector.Outcome;
import dev.tandem.launcher.inject.SidecarInjector.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Answers one {@code AdmissionReview} (admission.k8s.io/v1) as a mutating webhook: the creation of a pod is allowed
 * with the JSON patch that injects it, or with no patch when the pod is left as it was; a pod whose annotations hold
 * a refused value is denied with the reason, as {@code tandem inject} refuses it. A body that is not an
 * AdmissionReview with a request uid gets HTTP 400: there is no uid to echo, so no answer could be valid, and the API
 * server treats the call as failed and applies the webhook's failurePolicy.
 */
final class AdmissionReviews {

    static final String API_VERSION = "admission.k8s.io/v1";

    /** The HTTP answer, a line for the log, and the warnings the log also shows (each naming the pod). */
    record Answer(int status, String contentType, byte[] body, String summary, List<String> warnings) {
        Answer(int status, String contentType, byte[] body, String summary) {
            this(status, contentType, body, summary, List.of());
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final SidecarInjector injector;

    AdmissionReviews(SidecarInjector injector) {
        this.injector = injector;
    }

    Answer review(byte[] body) {
        JsonNode review;
        try {
            review = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return badRequest("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return badRequest("unreadable: " + e.getMessage());
        }
        if (review == null || !review.isObject()) {
            return badRequest("not a JSON object");
        }
        if (!API_VERSION.equals(review.path("apiVersion").asText()) || !"AdmissionReview".equals(review.path("kind").asText())) {
            return badRequest("not an AdmissionReview of " + API_VERSION + " (apiVersion \"" + review.path("apiVersion").asText()
                    + "\", kind \"" + review.path("kind").asText() + "\")");
        }
        JsonNode request = review.path("request");
        String uid = request.path("uid").asText("");
        if (!request.isObject() || uid.isEmpty()) {
            return badRequest("the AdmissionReview has no request.uid");
        }
        String what = describe(request);
        if (!"Pod".equals(request.path("kind").path("kind").asText()) || !"CREATE".equals(request.path("operation").asText())
                || !request.path("subResource").asText("").isEmpty()) {
            return allowed(uid, null, List.of(), what + ": not the creation of a pod; allowed unchanged");
        }
        if (!(request.get("object") instanceof ObjectNode pod)) {
            return allowed(uid, null, List.of("tandem: the request holds no pod; not injected"),
                    what + ": no pod in the request; allowed unchanged");
        }
        ObjectNode injected = pod.deepCopy();
        Outcome outcome;
        try {
            outcome = injector.inject(injected, WorkloadName.of(pod.path("metadata")));
        } catch (ConfigException e) {
            return denied(uid, "tandem: " + e.getMessage(), what + ": denied: " + e.getMessage().replace('\n', ' '));
        }
        List<String> warnings = new ArrayList<>();
        outcome.warnings().forEach(w -> warnings.add("tandem: " + w));
        List<String> logged = outcome.warnings().stream().map(w -> what + ": " + w).toList();
        if (outcome.result() == Result.INJECTED) {
            return logged(allowed(uid, JsonPatch.between(pod, injected), warnings, what + ": injected"), logged);
        }
        if (outcome.result() == Result.SKIPPED) {
            warnings.add("tandem: no sidecar: " + outcome.reason());
        }
        return logged(allowed(uid, null, warnings, what + ": left as it was: " + outcome.reason()), logged);
    }

    private static Answer logged(Answer answer, List<String> warnings) {
        return new Answer(answer.status(), answer.contentType(), answer.body(), answer.summary(), warnings);
    }

    private static Answer allowed(String uid, ArrayNode patch, List<String> warnings, String summary) {
        ObjectNode response = response(uid, true);
        if (patch != null) {
            response.put("patchType", "JSONPatch");
            response.put("patch", Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
        }
        if (!warnings.isEmpty()) {
            ArrayNode list = response.putArray("warnings");
            warnings.forEach(list::add);
        }
        return json(response, summary);
    }

    private static Answer denied(String uid, String message, String summary) {
        ObjectNode response = response(uid, false);
        response.putObject("status").put("code", 400).put("reason", "BadRequest").put("message", message);
        return json(response, summary);
    }

    private static ObjectNode response(String uid, boolean allowed) {
        return JSON.createObjectNode().put("uid", uid).put("allowed", allowed);
    }

    private static Answer json(ObjectNode response, String summary) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
        review.set("response", response);
        return new Answer(200, "application/json", review.toString().getBytes(StandardCharsets.UTF_8), summary);
    }

    private static Answer badRequest(String reason) {
        return new Answer(400, "text/plain; charset=utf-8", (reason + "\n").getBytes(StandardCharsets.UTF_8),
                "bad request: " + reason);
    }

    /** "pod NAMESPACE/NAME" for the log; a pod still to be named shows its generateName with a *. */
    private static String describe(JsonNode request) {
        JsonNode metadata = request.path("object").path("metadata");
        String name = request.path("name").asText(metadata.path("name").asText(""));
        if (name.isEmpty()) {
            name = metadata.path("generateName").asText("") + "*";
        }
        return request.path("kind").path("kind").asText("object").toLowerCase(java.util.Locale.ROOT) + " "
                + request.path("namespace").asText("") + "/" + name + " (" + request.path("operation").asText() + ")";
    }
}
