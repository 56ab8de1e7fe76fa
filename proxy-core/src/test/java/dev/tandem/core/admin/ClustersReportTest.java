package dev.tandem.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.Endpoint;
import dev.tandem.core.traffic.HttpDecision.Forward;
import dev.tandem.core.traffic.RequestView;
import dev.tandem.core.traffic.RouteTable;
import dev.tandem.core.traffic.TrafficRouting;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /clusters of a route table read from Istio resources, after a request has been routed and an endpoint ejected. */
class ClustersReportTest {

    private static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              ports: [{number: 9080, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1, zone: a}}
              - {address: 10.0.0.2, labels: {version: v1}, weight: 3}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: {tcp: {maxConnections: 7}, http: {http1MaxPendingRequests: 5, maxRetries: 2}}
                outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 5m, maxEjectionPercent: 50}
            """;

    @TempDir
    Path dir;

    private record Request(OrigDstAddr origDst) implements RequestView {
        public String method() {
            return "GET";
        }

        public String path() {
            return "/";
        }

        public String authority() {
            return "reviews:9080";
        }

        public String header(String name) {
            return null;
        }
    }

    /** The cluster the route table made for a request to reviews, with 10.0.0.1 ejected and a request to 10.0.0.2 in flight. */
    private Cluster cluster(TrafficRouting routing) {
        Cluster cluster = ((Forward) routing.table().route(new Request(
                new OrigDstAddr(new InetSocketAddress(Addresses.parseIp("10.96.0.20"), 9080))))).plan().cluster();
        Endpoint first = cluster.endpoints().get(0);
        cluster.report(first, 503);
        cluster.endpoints().get(1).started();
        assertThat(cluster.admitRequest()).isTrue();
        return cluster;
    }

    @Test
    void textListsLimitsInFlightAndEachEndpointAsEnvoyPrintsIt() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(Files.writeString(dir.resolve("t.yaml"), CONFIG),
                new RouteTable.Identity("shop", "cluster.local", Map.of()), null)) {
            cluster(routing);

            String text = ClustersReport.text(routing.table().clusters(), System.nanoTime());

            String c = "outbound|9080||reviews.shop.svc.cluster.local";
            assertThat(text).isEqualTo(String.join("\n",
                    c + "::default_priority::max_connections::7",
                    c + "::default_priority::max_pending_requests::5",
                    c + "::default_priority::max_requests::2147483647",
                    c + "::default_priority::max_retries::2",
                    c + "::cx_active::0",
                    c + "::rq_pending_active::0",
                    c + "::rq_active::1",
                    c + "::10.0.0.1:9080::rq_active::0",
                    c + "::10.0.0.1:9080::health_flags::/failed_outlier_check",
                    c + "::10.0.0.1:9080::weight::1",
                    c + "::10.0.0.1:9080::labels::version=v1,zone=a",
                    c + "::10.0.0.1:9080::ejections::1",
                    c + "::10.0.0.2:9080::rq_active::1",
                    c + "::10.0.0.2:9080::health_flags::healthy",
                    c + "::10.0.0.2:9080::weight::3",
                    c + "::10.0.0.2:9080::labels::version=v1",
                    c + "::10.0.0.2:9080::ejections::0"));
        }
    }

    @Test
    void jsonHasEnvoysShape() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(Files.writeString(dir.resolve("t.yaml"), CONFIG),
                new RouteTable.Identity("shop", "cluster.local", Map.of()), null)) {
            cluster(routing);

            JsonNode json = new ObjectMapper().readTree(ClustersReport.json(routing.table().clusters(), System.nanoTime()));

            JsonNode cluster = json.path("cluster_statuses").get(0);
            assertThat(cluster.path("name").asText()).isEqualTo("outbound|9080||reviews.shop.svc.cluster.local");
            assertThat(cluster.at("/circuit_breakers/thresholds/0/max_connections").asInt()).isEqualTo(7);
            assertThat(cluster.at("/stats/rq_active").asInt()).isEqualTo(1);
            JsonNode ejected = cluster.path("host_statuses").get(0);
            assertThat(ejected.at("/address/socket_address/address").asText()).isEqualTo("10.0.0.1");
            assertThat(ejected.at("/address/socket_address/port_value").asInt()).isEqualTo(9080);
            assertThat(ejected.at("/health_status/failed_outlier_check").asBoolean()).isTrue();
            assertThat(ejected.at("/labels/zone").asText()).isEqualTo("a");
            JsonNode healthy = cluster.path("host_statuses").get(1);
            assertThat(healthy.at("/health_status/failed_outlier_check").asBoolean()).isFalse();
            assertThat(healthy.path("weight").asInt()).isEqualTo(3);
            assertThat(healthy.at("/stats/rq_active").asInt()).isEqualTo(1);
        }
    }

    @Test
    void noClusterIsAnEmptyAnswer() {
        assertThat(ClustersReport.text(java.util.List.of(), System.nanoTime())).isEmpty();
    }
}
