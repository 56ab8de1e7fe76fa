package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The webhook's answers, as the API server reads them: strictly, as an AdmissionReview v1, patch applied by RFC 6902. */
class AdmissionReviewsTest {

    static final Path REVIEW = Path.of("src/test/resources/inject/admission/deployment-pod.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SidecarInjector injector = new SidecarInjector(InjectionConfig.defaults());
    private final AdmissionReviews reviews = new AdmissionReviews(injector);

    @Test
    void aDeploymentsPodIsAllowedWithThePatchThatInjectsItAsTandemInjectWould() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());

        AdmissionReviews.Answer answer = reviews.review(JSON.writeValueAsBytes(review));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo("application/json");
        AdmissionResponse response = KubernetesModel.read(JSON.readTree(answer.body()), AdmissionReview.class).getResponse();
        assertThat(response.getUid()).isEqualTo("4b1b2c6e-8f3a-4d8e-9c1e-3f2a7b6c5d40");
        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatchType()).isEqualTo("JSONPatch");

        JsonNode pod = review.path("request").path("object");
        JsonNode patched = applyPatch(pod, response.getPatch());
        ObjectNode expected = pod.deepCopy();
        injector.inject(expected, "reviews-v1");
        assertThat(patched).isEqualTo(expected);

        Pod model = KubernetesModel.read(patched, Pod.class);
        assertThat(PodChecks.problems(new PodChecks.PodOf(model.getSpec(), Set.of()))).isEmpty();
        assertThat(model.getSpec().getInitContainers()).extracting(c -> c.getName())
                .containsExactly(SidecarInjector.INIT, SidecarInjector.PROXY);
        assertThat(model.getSpec().getInitContainers().get(1).getEnv())
                .filteredOn(e -> e.getName().equals("TANDEM_WORKLOAD_NAME")).extracting(EnvVar::getValue)
                .as("the Deployment's name, from the ReplicaSet that owns the pod").containsExactly("reviews-v1");
    }

    @Test
    void aPodThatHasTheSidecarAlreadyGetsNoPatch() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ObjectNode pod = (ObjectNode) review.path("request").path("object");
        injector.inject(pod, "reviews-v1");

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getPatchType()).isNull();
    }

    @Test
    void aPodThatOptsOutIsAllowedUnchanged() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations"))
                .put("sidecar.istio.io/inject", "false");

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getWarnings()).isEmpty();
    }

    @Test
    void anInjectValueNeitherTrueNorFalseIsIgnoredWithAWarningToTheUserAndTheLog() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations"))
                .put("sidecar.istio.io/inject", "enabled");

        AdmissionReviews.Answer answer = reviews.review(JSON.writeValueAsBytes(review));
        AdmissionResponse response = KubernetesModel.read(JSON.readTree(answer.body()), AdmissionReview.class).getResponse();

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).as("injected, as Istio injects it").isNotNull();
        assertThat(response.getWarnings()).singleElement().asString()
                .contains("annotation sidecar.istio.io/inject=\"enabled\" is not true or false; ignored");
        assertThat(answer.warnings()).singleElement().asString()
                .startsWith("pod ").contains("sidecar.istio.io/inject=\"enabled\"");
    }

    @Test
    void interceptionModeNoneGetsTheSidecarWithoutTheRulesContainer() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations"))
                .put("sidecar.istio.io/interceptionMode", "NONE");

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isTrue();
        Pod model = KubernetesModel.read(applyPatch(review.path("request").path("object"), response.getPatch()), Pod.class);
        assertThat(model.getSpec().getInitContainers()).extracting(c -> c.getName()).containsExactly(SidecarInjector.PROXY);
        assertThat(model.getSpec().getInitContainers().get(0).getEnv()).extracting(EnvVar::getName)
                .doesNotContain("TANDEM_INBOUND_INTERCEPTION_MODE");
        assertThat(response.getWarnings()).singleElement().asString().contains("interception mode NONE");
    }

    @Test
    void aHostNetworkPodIsAllowedWithoutSidecarAndAWarningSaysWhy() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request").path("object").path("spec")).put("hostNetwork", true);

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getWarnings()).singleElement().asString().contains("hostNetwork");
    }

    @Test
    void aPodWithARefusedAnnotationIsDeniedWithTheReason() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations"))
                .put("traffic.sidecar.istio.io/excludeOutboundPorts", "5432,postgres");

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getPatch()).isNull();
        assertThat(response.getStatus().getCode()).isEqualTo(400);
        assertThat(response.getStatus().getMessage())
                .contains("annotation traffic.sidecar.istio.io/excludeOutboundPorts=\"5432,postgres\"");
    }

    @Test
    void theCreationOfAnythingButAPodIsAllowedUnchanged() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request")).put("operation", "UPDATE");

        AdmissionResponse response = respond(review);

        assertThat(response.getAllowed()).isTrue();
        assertThat(response.getPatch()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "{",
            "null",
            "[]",
            "\"AdmissionReview\"",
            "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"kind\":{\"kind\":\"Pod\"}}}",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":[]}",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"},\"request\":{}}"})
    void aBodyThatIsNotAnAdmissionReviewGets400WithTheReason(String body) {
        AdmissionReviews.Answer answer = reviews.review(body.getBytes(StandardCharsets.UTF_8));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("text/plain");
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isNotBlank();
    }

    @Test
    void aReviewWhosePodIsNotAnObjectIsAllowedWithAWarning() throws Exception {
        ObjectNode review = (ObjectNode) JSON.readTree(REVIEW.toFile());
        ((ObjectNode) review.path("request")).put("object", "a pod");

        AdmissionReviews.Answer answer = reviews.review(JSON.writeValueAsBytes(review));
        JsonNode response = JSON.readTree(answer.body()).path("response");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.path("warnings").get(0).asText()).contains("no pod");
    }

    private AdmissionResponse respond(ObjectNode review) throws IOException {
        AdmissionReviews.Answer answer = reviews.review(JSON.writeValueAsBytes(review));
        assertThat(answer.status()).isEqualTo(200);
        return KubernetesModel.read(JSON.readTree(answer.body()), AdmissionReview.class).getResponse();
    }

    /** The patch applied by Jakarta JSON Processing's RFC 6902 implementation, not by anything of Tandem's. */
    static JsonNode applyPatch(JsonNode target, String base64Patch) throws IOException {
        String patch = new String(Base64.getDecoder().decode(base64Patch), StandardCharsets.UTF_8);
        JsonArray operations = Json.createReader(new StringReader(patch)).readArray();
        JsonObject source = Json.createReader(new StringReader(target.toString())).readObject();
        JsonObject result = Json.createPatch(operations).apply(source);
        return JSON.readTree(result.toString());
    }

    static byte[] review() throws IOException {
        return Files.readAllBytes(REVIEW);
    }
}
