package dev.tandem.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The clusters a configuration names outright exist before any request, so the admin API can list them. */
class KnownClustersTest {

    @Test
    void eachServiceEntryPortIsAClusterWholeAndPerSubsetBeforeAnyRequest() throws Exception {
        TrafficConfig config = new TrafficConfigReader("shop", "cluster.local").read("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  ports: [{number: 9080, name: http, protocol: HTTP}, {number: 9443, name: tls, protocol: TLS}]
                  resolution: STATIC
                  endpoints: [{address: 10.0.0.1, labels: {version: v1}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: anything}
                spec:
                  hosts: [legacy.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: NONE
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets: [{name: v1, labels: {version: v1}}]
                """, "test");

        RouteTable table = RouteTable.build(config, new RouteTable.Identity("shop", "cluster.local", Map.of()),
                new EndpointRegistry(), null);

        assertThat(table.clusters()).extracting(Cluster::name).containsExactlyInAnyOrder(
                "outbound|9080||reviews.shop.svc.cluster.local", "outbound|9080|v1|reviews.shop.svc.cluster.local",
                "outbound|9443||reviews.shop.svc.cluster.local", "outbound|9443|v1|reviews.shop.svc.cluster.local");
        assertThat(table.clusters()).allSatisfy(c -> assertThat(c.endpoints()).hasSize(1));
    }
}
