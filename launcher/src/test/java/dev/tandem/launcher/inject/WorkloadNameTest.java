package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The workload a pod belongs to, found from its controller as Istio finds it. */
class WorkloadNameTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String of(String metadata) throws Exception {
        return WorkloadName.of(JSON.readTree(metadata.replace('\'', '"')));
    }

    @Test
    void aDeploymentsPodIsNamedAfterTheDeploymentNotItsReplicaSet() throws Exception {
        assertThat(of("{'labels':{'pod-template-hash':'7d9f8c6b5'},'ownerReferences':[{'kind':'ReplicaSet',"
                + "'name':'reviews-v1-7d9f8c6b5','controller':true}]}")).isEqualTo("reviews-v1");
    }

    @Test
    void aBareReplicaSetsPodIsNamedAfterTheReplicaSet() throws Exception {
        assertThat(of("{'ownerReferences':[{'kind':'ReplicaSet','name':'frontend','controller':true}]}"))
                .isEqualTo("frontend");
    }

    @Test
    void aCronJobsPodIsNamedAfterTheCronJobNotTheRun() throws Exception {
        assertThat(of("{'ownerReferences':[{'kind':'Job','name':'cleanup-29412345','controller':true}]}"))
                .isEqualTo("cleanup");
        assertThat(of("{'ownerReferences':[{'kind':'Job','name':'nightly-report','controller':true}]}"))
                .isEqualTo("nightly-report");
    }

    @Test
    void aStatefulSetOrDaemonSetPodIsNamedAfterItsController() throws Exception {
        assertThat(of("{'ownerReferences':[{'kind':'StatefulSet','name':'orders-db','controller':true}]}"))
                .isEqualTo("orders-db");
    }

    @Test
    void onlyTheControllingOwnerCounts() throws Exception {
        assertThat(of("{'ownerReferences':[{'kind':'ConfigMap','name':'x'},{'kind':'DaemonSet','name':'agent',"
                + "'controller':true}]}")).isEqualTo("agent");
    }

    @Test
    void aPodWithoutControllerIsItsOwnWorkload() throws Exception {
        assertThat(of("{'name':'debug'}")).isNull();
        assertThat(of("{'ownerReferences':[{'kind':'ConfigMap','name':'x'}]}")).isNull();
    }
}
