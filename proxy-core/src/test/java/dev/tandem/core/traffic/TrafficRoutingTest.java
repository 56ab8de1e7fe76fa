package dev.tandem.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.addr.Addresses;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.traffic.HttpDecision.Forward;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrafficRoutingTest {

    private static final RouteTable.Identity IDENTITY =
            new RouteTable.Identity("shop", "cluster.local", Map.of("app", "web"));

    private static final String ENDPOINTS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              ports: [{number: 9080, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1}}
              - {address: 10.0.0.2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 5m, maxEjectionPercent: 100}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            ---
            """;

    private static String toSubset(String subset) {
        return ENDPOINTS + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: %s}}]}]
                """.formatted(subset);
    }

    private static final String BAD = ENDPOINTS + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 50
                - destination: {host: reviews, subset: v2}
                  weight: 150
            """;

    @TempDir
    Path dir;

    private record Request(String method, String path, String authority, OrigDstAddr origDst) implements RequestView {
        @Override
        public String header(String name) {
            return null;
        }
    }

    private static Cluster clusterFor(RouteTable table) {
        Request request = new Request("GET", "/", "reviews:9080",
                new OrigDstAddr(new InetSocketAddress(Addresses.parseIp("10.96.0.20"), 9080)));
        return ((Forward) table.route(request)).plan().cluster();
    }

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("traffic.yaml"), content);
    }

    @Test
    void aChangedGoodFileReplacesTheTable() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            RouteTable first = routing.table();
            assertThat(clusterFor(first).name()).isEqualTo("outbound|9080|v1|reviews.shop.svc.cluster.local");
            assertThat(routing.file()).isEqualTo(dir.resolve("traffic.yaml"));

            write(toSubset("v2"));

            assertThat(routing.reloadIfChanged()).isTrue();
            assertThat(routing.table()).isNotSameAs(first);
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
            assertThat(routing.reloadsApplied()).isEqualTo(1);
            assertThat(routing.reloadsRejected()).isZero();
            assertThat(routing.lastErrors()).isEmpty();
        }
    }

    @Test
    void anUnchangedFileIsNotReloaded() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            RouteTable first = routing.table();

            assertThat(routing.reloadIfChanged()).isFalse();
            write(toSubset("v1"));
            assertThat(routing.reloadIfChanged()).as("rewritten with the same content").isFalse();

            assertThat(routing.table()).isSameAs(first);
            assertThat(routing.reloadsApplied()).isZero();
        }
    }

    @Test
    void aChangedBadFileIsRefusedAndTheTableKept() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            RouteTable first = routing.table();

            write(BAD);

            assertThat(routing.reloadIfChanged()).isFalse();
            assertThat(routing.table()).isSameAs(first);
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v1|reviews.shop.svc.cluster.local");
            assertThat(routing.reloadsRejected()).isEqualTo(1);
            assertThat(routing.reloadsApplied()).isZero();
            assertThat(routing.lastErrors()).containsExactly(
                    "document 3 (VirtualService shop/reviews): spec.http[0].route[1].weight: 150 is out of range 0-100");

            assertThat(routing.reloadIfChanged()).as("the same bad file is refused once").isFalse();
            assertThat(routing.reloadsRejected()).isEqualTo(1);

            write(toSubset("v2"));

            assertThat(routing.reloadIfChanged()).isTrue();
            assertThat(routing.lastErrors()).as("a good file clears the errors").isEmpty();
            assertThat(routing.reloadsApplied()).isEqualTo(1);
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
        }
    }

    @Test
    void aBadFileAtStartIsRefusedWithAllItsErrors() throws IOException {
        Path file = write(BAD.replace("subset: v2}", "subset: v3}"));

        assertThatThrownBy(() -> TrafficRouting.load(file, IDENTITY, null))
                .isInstanceOfSatisfying(TrafficConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "document 3 (VirtualService shop/reviews): spec.http[0].route[1].weight: 150 is out of range 0-100",
                        "document 3 (VirtualService shop/reviews): spec.http[0].route[1].destination.subset: subset \"v3\" "
                                + "is not defined by a DestinationRule for reviews"))
                .hasMessageContaining(file.toString());
    }

    @Test
    void aMissingFileAtStartIsAnIoError() {
        assertThatThrownBy(() -> TrafficRouting.load(dir.resolve("absent.yaml"), IDENTITY, null))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aFileThatDisappearsKeepsTheTableAndIsReadAgainWhenItComesBack() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            RouteTable first = routing.table();

            Files.delete(dir.resolve("traffic.yaml"));

            assertThat(routing.reloadIfChanged()).isFalse();
            assertThat(routing.table()).isSameAs(first);
            assertThat(routing.reloadsRejected()).as("an unreadable file is not a refused one").isZero();

            write(toSubset("v1"));

            assertThat(routing.reloadIfChanged()).isTrue();
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v1|reviews.shop.svc.cluster.local");
        }
    }

    @Test
    void aConfigMapSwapOfTheSymlinkIsSeen() throws Exception {
        Path first = Files.createDirectories(dir.resolve("..2024_01_01"));
        Path second = Files.createDirectories(dir.resolve("..2024_01_02"));
        Files.writeString(first.resolve("traffic.yaml"), toSubset("v1"));
        Files.writeString(second.resolve("traffic.yaml"), toSubset("v2"));
        Path data = Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("traffic.yaml"), Path.of("..data", "traffic.yaml"));

        try (TrafficRouting routing = TrafficRouting.load(file, IDENTITY, null)) {
            Path next = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
            Files.move(next, data, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);

            assertThat(routing.reloadIfChanged()).isTrue();
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
        }
    }

    @Test
    void anEjectionOutlastsAReloadThatKeepsTheEndpoint() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            Cluster before = clusterFor(routing.table());
            Endpoint endpoint = before.endpoints().get(0);
            before.report(endpoint, 503);
            assertThat(endpoint.ejected(System.nanoTime())).isTrue();

            write(toSubset("v1") + "---\n# reviewed\n");
            assertThat(routing.reloadIfChanged()).isTrue();

            Cluster after = clusterFor(routing.table());
            assertThat(after).isNotSameAs(before);
            assertThat(after.endpoints()).containsExactly(endpoint);
            assertThat(after.choose(List.of())).as("still ejected, so none left").isNull();
        }
    }

    @Test
    void unimplementedFieldsDoNotStopAReload() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            write(toSubset("v2").replace("  hosts: [reviews]\n  http:", "  hosts: [reviews]\n  exportTo: [\".\"]\n  http:"));

            assertThat(routing.reloadIfChanged()).isTrue();
            assertThat(routing.table().config().unimplemented())
                    .containsExactly("document 3 (VirtualService shop/reviews): spec.exportTo");
        }
    }

    @Test
    void aWatchedFileIsReloadedOnItsOwn() throws Exception {
        try (TrafficRouting routing = TrafficRouting.load(write(toSubset("v1")), IDENTITY, null)) {
            routing.watch(Duration.ofMillis(20));

            write(toSubset("v2"));

            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (routing.reloadsApplied() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(routing.reloadsApplied()).isEqualTo(1);
            assertThat(clusterFor(routing.table()).name()).isEqualTo("outbound|9080|v2|reviews.shop.svc.cluster.local");
        }
    }

    @Test
    void withoutAFileEveryCallGoesWhereItWasGoing() {
        try (TrafficRouting routing = TrafficRouting.none(IDENTITY)) {
            assertThat(routing.file()).isNull();
            assertThat(clusterFor(routing.table())).isNull();
            assertThat(routing.table().config().resources()).isZero();
            assertThat(routing.reloadIfChanged()).isFalse();
            routing.watch(Duration.ofMillis(10));
        }
    }
}
