package dev.tandem.core.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who the proxy speaks for: the pod's namespace, cluster domain, name, service account, workload, and its app and
 * version labels (empty when the pod has none). Routes match its labels; later, its certificate names it.
 */
public record WorkloadIdentity(String namespace, String clusterDomain, String podName, String serviceAccount,
        String workload, String app, String version) {

    static WorkloadIdentity read(EnvReader env) {
        String namespace = env.read(Settings.NAMESPACE, Parsers::dnsLabel);
        String domain = env.read(Settings.CLUSTER_DOMAIN, Parsers::dnsName);
        String pod = env.read(Settings.POD_NAME, Parsers::text);
        String account = env.read(Settings.SERVICE_ACCOUNT, Parsers::dnsName);
        String workload = env.read(Settings.WORKLOAD_NAME, Parsers::text);
        String app = env.read(Settings.APP, Parsers::text);
        String version = env.read(Settings.VERSION, Parsers::text);
        if (workload == null || workload.isEmpty()) {
            workload = pod;
        }
        return new WorkloadIdentity(namespace, domain, pod, account, workload, app, version);
    }

    /** The canonical service, as Istio's injector derives it: the app label, else the workload name. */
    public String canonicalService() {
        return present(app) ? app : workload;
    }

    /** The canonical revision, as Istio's injector derives it: the version label, else {@code latest}. */
    public String canonicalRevision() {
        return present(version) ? version : "latest";
    }

    /** The labels a VirtualService's sourceLabels are matched against: those the pod has. */
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        if (present(app)) {
            labels.put("app", app);
        }
        if (present(version)) {
            labels.put("version", version);
        }
        return labels;
    }

    private static boolean present(String value) {
        return value != null && !value.isEmpty();
    }
}
