package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload a pod that arrives at the webhook belongs to, from its controller's owner reference as Istio finds
 * it: a Deployment's pods are owned by a ReplicaSet named {@code <deployment>-<pod-template-hash>}, a CronJob's by a
 * Job named {@code <cronjob>-<scheduled minute>}; any other controller is the workload itself.
 */
final class WorkloadName {

    /** The CronJob controller names each Job after the scheduled time in minutes since the epoch. */
    private static final Pattern CRON_JOB_RUN = Pattern.compile("(.+)-[0-9]{8,10}");

    private WorkloadName() {
    }

    /** The workload's name, or null when the pod has no controller (its own name is then the workload's). */
    static String of(JsonNode metadata) {
        for (JsonNode owner : metadata.path("ownerReferences")) {
            if (!owner.path("controller").asBoolean(false)) {
                continue;
            }
            String kind = owner.path("kind").asText();
            String name = owner.path("name").asText();
            if (name.isEmpty()) {
                return null;
            }
            String hash = metadata.path("labels").path("pod-template-hash").asText("");
            if (kind.equals("ReplicaSet") && !hash.isEmpty() && name.endsWith("-" + hash)) {
                return name.substring(0, name.length() - hash.length() - 1);
            }
            Matcher cronJobRun = CRON_JOB_RUN.matcher(name);
            if (kind.equals("Job") && cronJobRun.matches()) {
                return cronJobRun.group(1);
            }
            return name;
        }
        return null;
    }
}
