package dev.tandem.core.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who the proxy speaks for: the pod's namespace, cluster domain, name, service account, workload, and its canonical
 * service and revision (the app and version labels). Routes match its labels; later, its certificate names it.
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
        if (app == null || app.isEmpty()) {
            app = workload;
        }
        if (version == null || version.isEmpty()) {
            version = "latest";
        }
        return new WorkloadIdentity(namespace, domain, pod, account, workload, app, version);
    }

    /** The labels a VirtualService's sourceLabels are matched against. */
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        if (app != null && !app.isEmpty()) {
            labels.put("app", app);
        }
        labels.put("version", version);
        return labels;
    }
}
