package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in kubernetes/ read strictly into the Kubernetes model, and agree with each other and with the
 * injector: the webhook calls the Service at the path the injector serves, the Service reaches the port it listens
 * on, the Deployment mounts the certificate and values it is pointed at, and the values are ones it accepts.
 */
class KubernetesManifestsTest {

    @TempDir
    static Path out;

    private static Namespace namespace;
    private static ServiceAccount account;
    private static ConfigMap values;
    private static Deployment deployment;
    private static PodDisruptionBudget budget;
    private static Service service;
    private static MutatingWebhookConfiguration webhook;
    private static MutatingWebhookConfiguration filledWebhook;
    private static Secret secret;

    @BeforeAll
    static void read() throws Exception {
        List<Object> injector = objects(Path.of("../kubernetes/injector.yaml"));
        namespace = (Namespace) injector.get(0);
        account = (ServiceAccount) injector.get(1);
        values = (ConfigMap) injector.get(2);
        deployment = (Deployment) injector.get(3);
        budget = (PodDisruptionBudget) injector.get(4);
        service = (Service) injector.get(5);
        webhook = (MutatingWebhookConfiguration) objects(Path.of("../kubernetes/webhook.yaml")).get(0);
        WebhookCerts.make(out);
        filledWebhook = (MutatingWebhookConfiguration) objects(out.resolve("webhook.yaml")).get(0);
        secret = (Secret) objects(out.resolve("tandem-injector-tls.yaml")).get(0);
    }

    @Test
    void theWebhookCallsTheServiceAtThePathTheInjectorServes() {
        MutatingWebhook hook = webhook.getWebhooks().get(0);
        var target = hook.getClientConfig().getService();

        assertThat(target.getName()).isEqualTo(service.getMetadata().getName());
        assertThat(target.getNamespace()).isEqualTo(service.getMetadata().getNamespace());
        assertThat(target.getPort()).isEqualTo(service.getSpec().getPorts().get(0).getPort());
        assertThat(target.getPath()).isEqualTo(InjectorServer.INJECT_PATH);
        assertThat(WebhookCerts.SERVICE_NAME).isEqualTo(target.getName() + "." + target.getNamespace() + ".svc");
    }

    @Test
    void theWebhookSelectsLabelledNamespacesAndSkipsPodsLabelledOut() {
        MutatingWebhook hook = webhook.getWebhooks().get(0);

        assertThat(hook.getNamespaceSelector().getMatchLabels()).containsEntry("tandem-injection", "enabled");
        assertThat(hook.getObjectSelector().getMatchExpressions()).singleElement().satisfies(e -> {
            assertThat(e.getKey()).isEqualTo(PodAnnotations.INJECT);
            assertThat(e.getOperator()).isEqualTo("NotIn");
            assertThat(e.getValues()).containsExactly("false");
        });
        assertThat(hook.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getOperations()).containsExactly("CREATE");
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("pods");
        });
        assertThat(hook.getAdmissionReviewVersions()).containsExactly("v1");
        assertThat(hook.getSideEffects()).isEqualTo("None");
        assertThat(hook.getFailurePolicy()).isEqualTo("Fail");
        assertThat(namespace.getMetadata().getName()).isEqualTo(service.getMetadata().getNamespace());
        assertThat(namespace.getMetadata().getLabels()).doesNotContainEntry("tandem-injection", "enabled");
    }

    @Test
    void theServiceReachesTheInjectorsPortWhichItsProbesCall() {
        Container injector = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        var port = injector.getPorts().get(0);

        assertThat(service.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo(port.getName());
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(injector.getArgs()).startsWith("injector").contains("--port=" + port.getContainerPort());
        for (var probe : List.of(injector.getReadinessProbe(), injector.getLivenessProbe())) {
            assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
            assertThat(probe.getHttpGet().getPath()).isEqualTo(InjectorServer.READY_PATH);
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port.getName());
        }
    }

    @Test
    void theInjectorMountsTheCertificateAndValuesItIsPointedAtAndNoToken() {
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container injector = pod.getContainers().get(0);

        assertThat(fileFlag(injector, "--cert")).isEqualTo(mountedFile(pod.getVolumes(), injector, secret.getMetadata().getName(), "tls.crt"));
        assertThat(fileFlag(injector, "--key")).isEqualTo(mountedFile(pod.getVolumes(), injector, secret.getMetadata().getName(), "tls.key"));
        assertThat(fileFlag(injector, "--values")).isEqualTo(mountedFile(pod.getVolumes(), injector, values.getMetadata().getName(), "values.yaml"));
        assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());
        assertThat(account.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(PodChecks.problems(new PodChecks.PodOf(pod, Set.of()))).isEmpty();
    }

    @Test
    void theValuesAreOnesTheInjectorAccepts() throws Exception {
        JsonNode tree = YamlStream.readOne(values.getData().get("values.yaml"), "values.yaml");

        InjectionConfig config = InjectionConfig.read(tree, "values.yaml", InjectionConfig.Flags.NONE);

        assertThat(config.image()).isEqualTo(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        assertThat(config.layout()).isEqualTo(Layout.NATIVE);
    }

    @Test
    void theCertificateScriptFillsInTheCaBundleAndWritesTheSecret() throws Exception {
        String caBundle = filledWebhook.getWebhooks().get(0).getClientConfig().getCaBundle();

        assertThat(Base64.getDecoder().decode(caBundle)).isEqualTo(Files.readAllBytes(out.resolve("ca.crt")));
        assertThat(webhook.getWebhooks().get(0).getClientConfig().getCaBundle()).isEqualTo("CA_BUNDLE");
        assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(Base64.getDecoder().decode(secret.getData().get("tls.key")))
                .isEqualTo(Files.readAllBytes(out.resolve("tls.key")));
        assertThat(Files.readString(out.resolve("tls.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    private static String fileFlag(Container container, String flag) {
        return container.getArgs().stream().filter(a -> a.startsWith(flag + "=")).findFirst()
                .map(a -> a.substring(flag.length() + 1)).orElseThrow();
    }

    /** Where {@code file} of the secret or config map {@code source} appears in the container. */
    private static String mountedFile(List<Volume> volumes, Container container, String source, String file) {
        Volume volume = volumes.stream().filter(v -> v.getSecret() != null && source.equals(v.getSecret().getSecretName())
                || v.getConfigMap() != null && source.equals(v.getConfigMap().getName())).findFirst().orElseThrow();
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName()))
                .findFirst().orElseThrow();
        return mount.getMountPath() + "/" + file;
    }

    private static List<Object> objects(Path file) throws Exception {
        List<Object> objects = new ArrayList<>();
        for (YamlStream.Document document : YamlStream.read(Files.readString(file))) {
            if (document.tree() != null) {
                objects.add(KubernetesModel.read(document.tree()));
            }
        }
        return objects;
    }
}
