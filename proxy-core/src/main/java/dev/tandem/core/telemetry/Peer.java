package dev.tandem.core.telemetry;

import dev.tandem.core.config.WorkloadIdentity;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One end of a call as Istio's metrics name it: workload, namespace, app and version labels, canonical service and
 * revision, service account and cluster. A sidecar tells the other end who it is in the {@link #HEADER} of requests
 * (outbound) and responses (inbound), and removes the other end's, so applications never see it; Istio's sidecars
 * exchange the same facts in x-envoy-peer-metadata. What a peer does not tell is {@code unknown}, but for its
 * canonical revision, {@code latest}, as istio_stats reports them.
 */
public record Peer(String workload, String namespace, String app, String version, String canonicalService,
        String canonicalRevision, String serviceAccount, String cluster) {

    /** The header a Tandem sidecar carries its identity in, between sidecars. */
    public static final String HEADER = "x-tandem-peer";
    /** Istio's label value for what is not known. */
    public static final String UNKNOWN_VALUE = "unknown";
    /** Istio's canonical revision of a workload that has none. */
    public static final String LATEST = "latest";
    public static final Peer UNKNOWN = new Peer(UNKNOWN_VALUE, UNKNOWN_VALUE, UNKNOWN_VALUE, UNKNOWN_VALUE,
            UNKNOWN_VALUE, LATEST, UNKNOWN_VALUE, UNKNOWN_VALUE);
    /** Istio's default cluster name, when the mesh has one cluster. */
    public static final String DEFAULT_CLUSTER = "Kubernetes";
    private static final int MAX_HEADER = 512;
    /** Headers already read: a mesh has few workloads, and each sends the same header every time. */
    private static final Map<String, Peer> PARSED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_PARSED = 4096;

    /**
     * This pod: app and version are its labels ({@code unknown} without), its canonical service and revision fall
     * back to the workload name and {@code latest}, as Istio's injector sets them.
     */
    public static Peer of(WorkloadIdentity identity) {
        return new Peer(orUnknown(identity.workload()), orUnknown(identity.namespace()), orUnknown(identity.app()),
                orUnknown(identity.version()), orUnknown(identity.canonicalService()),
                identity.canonicalRevision(), orUnknown(identity.serviceAccount()), DEFAULT_CLUSTER);
    }

    private static String orUnknown(String value) {
        return value == null || value.isEmpty() ? UNKNOWN_VALUE : value;
    }

    /**
     * {@code workload=...;namespace=...;app=...;version=...;service=...;revision=...;sa=...;cluster=...}, each value
     * URL-encoded.
     */
    public String header() {
        return "workload=" + enc(workload) + ";namespace=" + enc(namespace) + ";app=" + enc(app) + ";version="
                + enc(version) + ";service=" + enc(canonicalService) + ";revision=" + enc(canonicalRevision)
                + ";sa=" + enc(serviceAccount) + ";cluster=" + enc(cluster);
    }

    /** The peer a header names; {@link #UNKNOWN} for none, or for one too long or not in this form. */
    public static Peer parse(CharSequence header) {
        if (header == null || header.length() == 0 || header.length() > MAX_HEADER) {
            return UNKNOWN;
        }
        String text = header.toString();
        Peer known = PARSED.get(text);
        if (known != null) {
            return known;
        }
        Peer peer = read(text);
        if (PARSED.size() < MAX_PARSED) {
            PARSED.put(text, peer);
        }
        return peer;
    }

    private static Peer read(String header) {
        Map<String, String> fields = new HashMap<>();
        for (String field : header.split(";")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                return UNKNOWN;
            }
            try {
                fields.put(field.substring(0, eq).strip(), URLDecoder.decode(field.substring(eq + 1).strip(),
                        StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }
        String revision = fields.get("revision");
        return new Peer(field(fields, "workload"), field(fields, "namespace"), field(fields, "app"),
                field(fields, "version"), field(fields, "service"),
                revision == null || revision.isEmpty() ? LATEST : revision, field(fields, "sa"),
                field(fields, "cluster"));
    }

    private static String field(Map<String, String> fields, String name) {
        return orUnknown(fields.get(name));
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
