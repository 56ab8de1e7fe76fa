package dev.tandem.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.core.addr.Addresses;
import dev.tandem.core.traffic.Model.LoadBalancing;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ClusterTest {

    private static Endpoint endpoint(String ip) {
        return endpoint(ip, 1);
    }

    private static Endpoint endpoint(String ip, int weight) {
        return new Endpoint(new InetSocketAddress(Addresses.parseIp(ip), 8080), Map.of(), weight);
    }

    private static Cluster cluster(LoadBalancing balancing, List<Endpoint> endpoints) {
        return new Cluster("outbound|8080||backend.shop.svc.cluster.local", () -> endpoints, balancing, ClusterLimits.NONE, null);
    }

    private static Cluster cluster(List<Endpoint> endpoints, OutlierSettings outlier) {
        return new Cluster("outbound|8080||backend.shop.svc.cluster.local", () -> endpoints, LoadBalancing.ROUND_ROBIN,
                ClusterLimits.NONE, outlier);
    }

    private static OutlierSettings outlier(int consecutive5xx, int consecutiveGateway, Duration baseEjection, int maxPercent) {
        // A sweep every millisecond: an ejected endpoint is back right at its ejection time.
        return new OutlierSettings(consecutive5xx, consecutiveGateway, Duration.ofMillis(1), baseEjection, maxPercent);
    }

    private static Map<Endpoint, Integer> picks(Cluster cluster, int times) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < times; i++) {
            counts.merge(cluster.choose(List.of()), 1, Integer::sum);
        }
        return counts;
    }

    // --- Load balancing

    @Nested
    class Balancing {

        private final Endpoint a = endpoint("10.0.0.1");
        private final Endpoint b = endpoint("10.0.0.2");
        private final Endpoint c = endpoint("10.0.0.3");

        @Test
        void roundRobinTakesTheEndpointsInTurn() {
            Cluster cluster = cluster(LoadBalancing.ROUND_ROBIN, List.of(a, b, c));

            List<Endpoint> chosen = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                chosen.add(cluster.choose(List.of()));
            }

            assertThat(chosen).containsExactly(a, b, c, a, b, c, a);
        }

        @Test
        void roundRobinGivesEachItsWeightsShareOfTurns() {
            Endpoint heavy = endpoint("10.0.0.9", 3);
            Cluster cluster = cluster(LoadBalancing.ROUND_ROBIN, List.of(heavy, a));

            List<Endpoint> chosen = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                chosen.add(cluster.choose(List.of()));
            }

            assertThat(chosen).containsExactly(heavy, heavy, heavy, a, heavy, heavy, heavy, a);
        }

        @Test
        void randomFollowsTheWeights() {
            Endpoint heavy = endpoint("10.0.0.9", 3);
            Cluster cluster = cluster(LoadBalancing.RANDOM, List.of(a, heavy));

            Map<Endpoint, Integer> counts = picks(cluster, 10_000);

            assertThat(counts.get(heavy) / 10_000.0).isCloseTo(0.75, within(0.02));
            assertThat(counts.get(a) / 10_000.0).isCloseTo(0.25, within(0.02));
        }

        @Test
        void randomSpreadsEvenlyOverEqualWeights() {
            Map<Endpoint, Integer> counts = picks(cluster(LoadBalancing.RANDOM, List.of(a, b, c)), 15_000);

            assertThat(counts).containsOnlyKeys(a, b, c);
            counts.values().forEach(n -> assertThat(n / 15_000.0).isCloseTo(1 / 3.0, within(0.02)));
        }

        @Test
        void leastRequestAvoidsTheBusiestEndpoint() {
            Cluster cluster = cluster(LoadBalancing.LEAST_REQUEST, List.of(a, b, c));
            for (int i = 0; i < 5; i++) {
                a.started();
            }
            b.started();

            Map<Endpoint, Integer> counts = picks(cluster, 3_000);

            // Of any two drawn, the one with fewer in flight: a (5) never wins, c (0) wins against both.
            assertThat(counts).doesNotContainKey(a);
            assertThat(counts.get(c) / 3_000.0).as("c wins each pair it is in: 2 of 3 pairs").isCloseTo(2 / 3.0, within(0.04));
            assertThat(counts.get(b) / 3_000.0).isCloseTo(1 / 3.0, within(0.04));
        }

        @Test
        void leastRequestFollowsRequestsAsTheyFinish() {
            Cluster cluster = cluster(LoadBalancing.LEAST_REQUEST, List.of(a, b));
            a.started();
            a.started();

            assertThat(picks(cluster, 200)).containsOnlyKeys(b);

            a.finished();
            a.finished();
            b.started();

            assertThat(picks(cluster, 200)).containsOnlyKeys(a);
            assertThat(a.active()).isZero();
            assertThat(b.active()).isEqualTo(1);
        }

        @Test
        void leastRequestSpreadsOverEquallyIdleEndpoints() {
            Map<Endpoint, Integer> counts = picks(cluster(LoadBalancing.LEAST_REQUEST, List.of(a, b)), 10_000);

            assertThat(counts.get(a) / 10_000.0).isCloseTo(0.5, within(0.03));
        }

        @Test
        void aRetryAvoidsTheEndpointsAlreadyTriedWhenItCan() {
            for (LoadBalancing balancing : LoadBalancing.values()) {
                Cluster cluster = cluster(balancing, List.of(a, b, c));
                for (int i = 0; i < 50; i++) {
                    assertThat(cluster.choose(List.of(a, b))).as(balancing.name()).isEqualTo(c);
                    assertThat(cluster.choose(List.of(a))).as(balancing.name()).isIn(b, c);
                }
                // Every endpoint tried: one of them again rather than none.
                assertThat(cluster.choose(List.of(a, b, c))).isIn(a, b, c);
            }
        }

        @Test
        void aLoneEndpointIsChosenEvenIfTriedAndNoEndpointMeansNone() {
            assertThat(cluster(LoadBalancing.LEAST_REQUEST, List.of(a)).choose(List.of(a))).isEqualTo(a);
            assertThat(cluster(LoadBalancing.ROUND_ROBIN, List.of()).choose(List.of())).isNull();
        }

        @Test
        void endpointsAreReadAnewForEveryChoice() {
            List<Endpoint> current = new ArrayList<>(List.of(a));
            Cluster cluster = new Cluster("outbound|8080||dns.example.com", () -> List.copyOf(current),
                    LoadBalancing.ROUND_ROBIN, ClusterLimits.NONE, null);

            assertThat(cluster.choose(List.of())).isEqualTo(a);
            current.set(0, b);
            assertThat(cluster.choose(List.of())).isEqualTo(b);
            assertThat(cluster.endpoints()).containsExactly(b);
        }
    }

    // --- Circuit breakers

    @Nested
    class CircuitBreakers {

        private final Cluster cluster = new Cluster("outbound|8080||backend.shop.svc.cluster.local",
                () -> List.of(endpoint("10.0.0.1")), LoadBalancing.ROUND_ROBIN,
                new ClusterLimits(2, 1, 3, 0, 1, null, null), null);

        @Test
        void requestsAreAdmittedUpToTheLimitAndAgainAsTheyFinish() {
            assertThat(cluster.admitRequest()).isTrue();
            assertThat(cluster.admitRequest()).isTrue();
            assertThat(cluster.admitRequest()).isTrue();
            assertThat(cluster.admitRequest()).as("a fourth request while three are in flight").isFalse();
            assertThat(cluster.activeRequests()).isEqualTo(3);

            cluster.requestDone();

            assertThat(cluster.activeRequests()).isEqualTo(2);
            assertThat(cluster.admitRequest()).isTrue();
            assertThat(cluster.admitRequest()).isFalse();
        }

        @Test
        void connectionsPendingRequestsAndRetriesHaveTheirOwnLimits() {
            assertThat(cluster.admitConnection()).isTrue();
            assertThat(cluster.admitConnection()).isTrue();
            assertThat(cluster.admitConnection()).isFalse();
            assertThat(cluster.connections()).isEqualTo(2);

            assertThat(cluster.admitPending()).isTrue();
            assertThat(cluster.admitPending()).isFalse();
            assertThat(cluster.pendingRequests()).isEqualTo(1);

            assertThat(cluster.admitRetry()).isTrue();
            assertThat(cluster.admitRetry()).isFalse();

            // Each limit is its own: all of them full leaves requests free.
            assertThat(cluster.admitRequest()).isTrue();

            cluster.connectionClosed();
            cluster.pendingDone();
            cluster.retryDone();
            assertThat(cluster.connections()).isEqualTo(1);
            assertThat(cluster.pendingRequests()).isZero();
            assertThat(cluster.admitConnection()).isTrue();
            assertThat(cluster.admitPending()).isTrue();
            assertThat(cluster.admitRetry()).isTrue();
        }

        @Test
        void withoutLimitsEverythingIsAdmitted() {
            Cluster unlimited = cluster(LoadBalancing.ROUND_ROBIN, List.of(endpoint("10.0.0.1")));
            for (int i = 0; i < 10_000; i++) {
                assertThat(unlimited.admitRequest() && unlimited.admitConnection() && unlimited.admitPending()
                        && unlimited.admitRetry()).isTrue();
            }
            assertThat(unlimited.activeRequests()).isEqualTo(10_000);
        }

        @Test
        void limitsComeFromTheConnectionPoolWithIstiosDefaults() {
            assertThat(ClusterLimits.of(null)).isEqualTo(ClusterLimits.NONE);
            assertThat(ClusterLimits.of(new Model.ConnectionPool(10, Duration.ofSeconds(1), null, 50, null, null, null)))
                    .isEqualTo(new ClusterLimits(10, Integer.MAX_VALUE, 50, 0, Integer.MAX_VALUE, Duration.ofSeconds(1), null));
        }
    }

    // --- Outlier detection

    @Nested
    class Outliers {

        private final Endpoint a = endpoint("10.0.0.1");
        private final Endpoint b = endpoint("10.0.0.2");
        private final Endpoint c = endpoint("10.0.0.3");
        private final Endpoint d = endpoint("10.0.0.4");

        private boolean ejectedNow(Endpoint e) {
            return e.ejected(System.nanoTime());
        }

        @Test
        void consecutive5xxErrorsEjectAfterTheThreshold() {
            Cluster cluster = cluster(List.of(a, b, c), outlier(3, 0, Duration.ofSeconds(30), 100));

            cluster.report(a, 500);
            cluster.report(a, 503);
            assertThat(ejectedNow(a)).as("two errors of three").isFalse();
            cluster.report(a, 200);
            cluster.report(a, 500);
            cluster.report(a, 502);
            assertThat(ejectedNow(a)).as("a success starts the count again").isFalse();
            cluster.report(a, 504);

            assertThat(ejectedNow(a)).isTrue();
            assertThat(a.ejections()).isEqualTo(1);
            assertThat(a.everEjected()).isTrue();
            assertThat(b.everEjected()).isFalse();
            assertThat(picks(cluster, 100)).containsOnlyKeys(b, c);
        }

        @Test
        void clientErrorsAreNoOutliers() {
            Cluster cluster = cluster(List.of(a, b), outlier(2, 0, Duration.ofSeconds(30), 100));

            for (int i = 0; i < 20; i++) {
                cluster.report(a, 404);
                cluster.report(a, 429);
            }

            assertThat(ejectedNow(a)).isFalse();
        }

        @Test
        void gatewayErrorsCountOnTheirOwn() {
            Cluster cluster = cluster(List.of(a, b), outlier(0, 2, Duration.ofSeconds(30), 100));

            for (int i = 0; i < 10; i++) {
                cluster.report(a, 500);
            }
            assertThat(ejectedNow(a)).as("500 is not a gateway error, and consecutive5xxErrors 0 is off").isFalse();

            cluster.report(a, 503);
            assertThat(ejectedNow(a)).isFalse();
            cluster.report(a, 504);

            assertThat(ejectedNow(a)).isTrue();
        }

        @Test
        void aNonGatewayErrorBreaksTheRunOfGatewayErrors() {
            Cluster cluster = cluster(List.of(a, b), outlier(0, 2, Duration.ofSeconds(30), 100));

            cluster.report(a, 502);
            cluster.report(a, 500);
            cluster.report(a, 502);

            assertThat(ejectedNow(a)).isFalse();
        }

        @Test
        void noMoreThanMaxEjectionPercentAreOutAtOnce() {
            Cluster cluster = cluster(List.of(a, b, c, d), outlier(1, 0, Duration.ofSeconds(30), 50));

            cluster.report(a, 503);
            cluster.report(b, 503);
            cluster.report(c, 503);

            assertThat(List.of(a, b, c, d)).filteredOn(this::ejectedNow).containsExactly(a, b);
            assertThat(c.everEjected()).isFalse();
            assertThat(picks(cluster, 100)).containsOnlyKeys(c, d);
        }

        @Test
        void oneEndpointMayAlwaysGoWhateverThePercent() {
            Cluster cluster = cluster(List.of(a, b, c), outlier(1, 0, Duration.ofSeconds(30), 10));

            cluster.report(a, 503);
            cluster.report(b, 503);

            assertThat(ejectedNow(a)).as("10% of 3 is less than one, yet one may go").isTrue();
            assertThat(ejectedNow(b)).isFalse();
        }

        @Test
        void everyEndpointOutMeansNoneToChoose() {
            Cluster cluster = cluster(List.of(a, b), outlier(1, 0, Duration.ofSeconds(30), 100));

            cluster.report(a, 503);
            cluster.report(b, 503);

            assertThat(cluster.choose(List.of())).isNull();
        }

        @Test
        void theEjectionLastsTheBaseTimeTimesTheEjectionsSoFar() {
            Duration base = Duration.ofSeconds(30);
            Cluster cluster = cluster(List.of(a, b), outlier(1, 0, base, 100));

            long before = System.nanoTime();
            cluster.report(a, 503);
            long after = System.nanoTime();

            long margin = Duration.ofMillis(100).toNanos();
            assertThat(a.ejected(after + base.toNanos() - margin)).isTrue();
            assertThat(a.ejected(before + base.toNanos() + margin)).isFalse();
        }

        @Test
        void anEjectedEndpointComesBackAfterItsTime() throws InterruptedException {
            Duration base = Duration.ofMillis(200);
            Cluster cluster = cluster(List.of(a, b), outlier(1, 0, base, 100));

            cluster.report(a, 503);
            assertThat(picks(cluster, 20)).containsOnlyKeys(b);
            Thread.sleep(base.toMillis() + 50);
            assertThat(ejectedNow(a)).isFalse();
            assertThat(picks(cluster, 20)).containsKeys(a, b);
        }

        @Test
        void anEjectedEndpointIsBackAtTheFirstSweepAfterItsEjectionTime() {
            var settings = new OutlierSettings(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(25), 100);
            long origin = a.sweepOrigin();

            a.eject(settings, origin + seconds(3));

            assertThat(a.ejected(origin + seconds(28))).as("out for the base time").isTrue();
            assertThat(a.ejected(origin + seconds(30) - 1)).as("until the sweep at 30 s").isTrue();
            assertThat(a.ejected(origin + seconds(30))).isFalse();
        }

        @Test
        void eachEjectionLastsLongerAndEachSweepBackInShortensTheNextOne() {
            var settings = new OutlierSettings(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 100);
            long origin = a.sweepOrigin();

            a.eject(settings, origin);
            assertThat(a.ejected(origin + seconds(30))).isFalse();

            a.eject(settings, origin + seconds(35));
            assertThat(a.ejections()).as("back for less than a sweep: the multiplier stays").isEqualTo(2);
            assertThat(a.ejected(origin + seconds(100) - 1)).as("twice the base time, to the next sweep").isTrue();
            assertThat(a.ejected(origin + seconds(100))).isFalse();

            a.eject(settings, origin + seconds(135));
            assertThat(a.ejections()).as("three sweeps back in took the multiplier from 2 to 0, then 1").isEqualTo(1);
            assertThat(a.ejected(origin + seconds(170) - 1)).isTrue();
            assertThat(a.ejected(origin + seconds(170))).isFalse();
        }

        private static long seconds(long s) {
            return Duration.ofSeconds(s).toNanos();
        }

        @Test
        void anEndpointBackInFreshStartsItsCountAgain() throws InterruptedException {
            Cluster cluster = cluster(List.of(a, b), outlier(2, 0, Duration.ofMillis(100), 100));
            cluster.report(a, 500);
            cluster.report(a, 500);
            assertThat(ejectedNow(a)).isTrue();
            Thread.sleep(150);

            cluster.report(a, 500);

            assertThat(ejectedNow(a)).as("one error after coming back is not two").isFalse();
        }

        @Test
        void withoutOutlierDetectionNothingIsEjected() {
            Cluster cluster = cluster(List.of(a, b), null);

            for (int i = 0; i < 100; i++) {
                cluster.report(a, 503);
            }

            assertThat(cluster.detectsOutliers()).isFalse();
            assertThat(a.everEjected()).isFalse();
            assertThat(picks(cluster, 10)).containsKeys(a, b);
        }

        @Test
        void istiosDefaultsFillWhatTheRuleLeavesOut() {
            assertThat(OutlierSettings.of(null)).isNull();
            assertThat(OutlierSettings.of(new Model.OutlierDetection(null, null, null, null, null))).isEqualTo(
                    new OutlierSettings(5, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 10));
        }
    }

    @Test
    void theRegistryKeepsOneEndpointPerClusterAndAddressSoItsEjectionOutlastsAReload() {
        EndpointRegistry registry = new EndpointRegistry();
        InetSocketAddress address = new InetSocketAddress(Addresses.parseIp("10.0.0.1"), 8080);
        Endpoint first = registry.endpoint("outbound|8080||a", address, Map.of("version", "v1"), 1);
        Cluster cluster = cluster(List.of(first, endpoint("10.0.0.2")), outlier(1, 0, Duration.ofSeconds(30), 100));
        cluster.report(first, 503);

        Endpoint again = registry.endpoint("outbound|8080||a", address, Map.of("version", "v2"), 4);

        assertThat(again).isSameAs(first);
        assertThat(again.ejected(System.nanoTime())).isTrue();
        assertThat(again.labels()).isEqualTo(Map.of("version", "v2"));
        assertThat(again.weight()).isEqualTo(4);
        assertThat(registry.endpoint("outbound|8080||b", address, Map.of(), 1)).as("another cluster's").isNotSameAs(first);
    }
}
