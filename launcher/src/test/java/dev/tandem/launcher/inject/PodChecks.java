package dev.tandem.launcher.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the API server's validation and the kubelet would refuse in a pod spec that the object model accepts: the
 * rules injection could break (names, mounts, ports, probes on init containers, native sidecars, security contexts).
 */
final class PodChecks {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern ENV_FIELD = Pattern.compile("metadata\\.(name|namespace|uid)"
            + "|metadata\\.(labels|annotations)\\['[^']+'\\]|spec\\.(nodeName|serviceAccountName)"
            + "|status\\.(hostIP|hostIPs|podIP|podIPs)");

    private PodChecks() {
    }

    /** A pod spec, and the volumes its workload adds to it (a StatefulSet's claim templates). */
    record PodOf(PodSpec spec, Set<String> claimVolumes) {
    }

    /** The pod specs of a Pod, a workload's template, or a List's items. */
    static List<PodOf> podSpecs(Object model) {
        if (model instanceof KubernetesList list) {
            List<PodOf> specs = new ArrayList<>();
            for (HasMetadata item : list.getItems()) {
                specs.addAll(podSpecs(item));
            }
            return specs;
        }
        PodTemplateSpec template = null;
        if (model instanceof Pod p) {
            return p.getSpec() == null ? List.of() : List.of(new PodOf(p.getSpec(), Set.of()));
        } else if (model instanceof Deployment d) {
            template = d.getSpec().getTemplate();
        } else if (model instanceof StatefulSet s) {
            var claims = new HashSet<String>();
            s.getSpec().getVolumeClaimTemplates().forEach(c -> claims.add(c.getMetadata().getName()));
            return List.of(new PodOf(s.getSpec().getTemplate().getSpec(), claims));
        } else if (model instanceof DaemonSet d) {
            template = d.getSpec().getTemplate();
        } else if (model instanceof ReplicaSet r) {
            template = r.getSpec().getTemplate();
        } else if (model instanceof ReplicationController r) {
            template = r.getSpec().getTemplate();
        } else if (model instanceof Job j) {
            template = j.getSpec().getTemplate();
        } else if (model instanceof CronJob c) {
            template = c.getSpec().getJobTemplate().getSpec().getTemplate();
        }
        return template == null || template.getSpec() == null ? List.of() : List.of(new PodOf(template.getSpec(), Set.of()));
    }

    /** Every problem found, empty when the spec would be admitted and started. */
    static List<String> problems(PodOf pod) {
        PodSpec spec = pod.spec();
        List<String> problems = new ArrayList<>();
        Set<String> volumes = new HashSet<>(pod.claimVolumes());
        for (Volume v : spec.getVolumes()) {
            if (!volumes.add(v.getName())) {
                problems.add("volume " + v.getName() + " is declared twice");
            }
        }
        Set<String> names = new HashSet<>();
        Set<String> portNames = new HashSet<>();
        List<Container> all = Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream()).toList();
        for (Container c : all) {
            String name = c.getName();
            boolean init = spec.getInitContainers().contains(c);
            boolean sidecar = init && "Always".equals(c.getRestartPolicy());
            if (!names.add(name) || !DNS_LABEL.matcher(name).matches()) {
                problems.add("container name " + name + " is repeated or not a DNS label");
            }
            if (c.getRestartPolicy() != null && (!init || !c.getRestartPolicy().equals("Always"))) {
                problems.add(name + ": restartPolicy is only Always, and only on an init container");
            }
            if (init && !sidecar && (c.getStartupProbe() != null || c.getReadinessProbe() != null
                    || c.getLivenessProbe() != null || c.getLifecycle() != null)) {
                problems.add(name + ": an init container that is not a sidecar may have no probes or lifecycle");
            }
            for (Probe probe : Stream.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe()).toList()) {
                if (probe != null && Stream.of(probe.getHttpGet(), probe.getTcpSocket(), probe.getExec(), probe.getGrpc())
                        .filter(h -> h != null).count() != 1) {
                    problems.add(name + ": a probe has exactly one handler");
                }
            }
            for (ContainerPort port : c.getPorts()) {
                String p = port.getName();
                if (p != null && (p.length() > 15 || !PORT_NAME.matcher(p).matches() || p.contains("--")
                        || !p.chars().anyMatch(Character::isLetter) || !portNames.add(p))) {
                    problems.add(name + ": port name " + p + " is repeated or not an IANA service name");
                }
            }
            Set<String> envNames = new HashSet<>();
            for (EnvVar env : c.getEnv()) {
                if (!ENV_NAME.matcher(env.getName()).matches() || !envNames.add(env.getName())) {
                    problems.add(name + ": env " + env.getName() + " is repeated or not a valid name");
                }
                if (env.getValueFrom() != null && env.getValueFrom().getFieldRef() != null
                        && !ENV_FIELD.matcher(env.getValueFrom().getFieldRef().getFieldPath()).matches()) {
                    problems.add(name + ": env " + env.getName() + " refers to a field the downward API does not give");
                }
            }
            for (VolumeMount mount : c.getVolumeMounts()) {
                if (!volumes.contains(mount.getName())) {
                    problems.add(name + ": mounts " + mount.getName() + ", which is not a volume of the pod");
                }
            }
            SecurityContext security = c.getSecurityContext();
            if (security != null && Boolean.TRUE.equals(security.getRunAsNonRoot()) && Long.valueOf(0).equals(security.getRunAsUser())) {
                problems.add(name + ": runAsNonRoot with runAsUser 0 is refused by the kubelet");
            }
            if (security != null && Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())
                    && (Boolean.TRUE.equals(security.getPrivileged()) || security.getCapabilities() != null
                    && security.getCapabilities().getAdd().contains("SYS_ADMIN"))) {
                problems.add(name + ": allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN is refused");
            }
        }
        return problems;
    }
}
