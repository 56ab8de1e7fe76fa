package dev.tandem.it.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.it.harness.ScenarioExtension;
import dev.tandem.it.harness.Tandem;
import dev.tandem.launcher.mesh.Host;
import dev.tandem.testing.Exchange;
import dev.tandem.testing.Exchange.Outcome;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin API and the lifecycle of a real sidecar, seen from its pod and from outside it: pod {@code app} has the
 * rules and a sidecar that routes the service {@code backend} (10.96.0.10:9080, from a file of Istio resources) to pod
 * {@code backend}; pod {@code outsider} has neither and tries the app pod's admin port from the network.
 */
@ExtendWith(ScenarioExtension.class)
class AdminScenariosTest {

    private static final String SERVICE = "10.96.0.10";
    private static final int HTTP = 9080;
    private static final String CLUSTER = "outbound|9080||backend.shop.svc.cluster.local";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Mesh mesh;
    private static Pod app;
    private static Pod backend;
    private static Pod outsider;
    private static Path config;
    /** The variables the running sidecar was started with beyond the defaults, to reuse it when a test needs the same. */
    private static Map<String, String> running;

    @BeforeAll
    static void layOutPods() {
        mesh = Mesh.create("admin");
        app = mesh.pod("app");
        backend = mesh.pod("backend");
        outsider = mesh.pod("outsider");
        backend.app("mesh-server " + HTTP + " backend");
        app.routeServiceAddresses();
        app.applyRules(Map.of());
        config = mesh.file("traffic.yaml", serviceEntry(""));
    }

    @AfterAll
    static void tearDown() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static String serviceEntry(String more) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: backend, namespace: shop}
                spec:
                  hosts: [backend.shop.svc.cluster.local]
                  addresses: [%s]
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints:
                  - {address: %s, labels: {version: v1}}
                """.formatted(SERVICE, HTTP, backend.ipv4()) + more;
    }

    /** The app pod's sidecar, started with the scenario's variables and {@code extra}; reused if it already runs so. */
    private static void sidecar(Map<String, String> extra) {
        if (app.sidecarRunning() && extra.equals(running)) {
            return;
        }
        if (app.sidecarRunning()) {
            assertThat(app.stopSidecar()).isZero();
        }
        var env = new HashMap<String, String>();
        env.put("TANDEM_CONFIG", config.toString());
        env.put("TANDEM_NAMESPACE", "shop");
        env.put("TANDEM_APP", "app");
        env.put("TANDEM_LOG_FORMAT", "json");
        env.putAll(extra);
        app.startSidecar(env);
        running = extra;
    }

    private static String admin(String method, String path) {
        return app.app(method + " 127.0.0.1 15000 " + path);
    }

    private static JsonNode adminJson(String path) throws Exception {
        String reply = admin("get", path);
        assertThat(reply).startsWith("200 ");
        return JSON.readTree(reply.substring(4));
    }

    @Test
    void theAdminPortAnswersOnLoopbackAndNotOnThePodIp() {
        sidecar(Map.of());

        assertThat(admin("get", "/ready")).isEqualTo("200 LIVE");
        assertThat(outsider.app("get " + app.ipv4() + " 15021 /healthz/ready"))
                .as("the pod IP is reachable from outside: its health port answers").isEqualTo("200 ready");
        Exchange fromOutside = outsider.attempt(app.ipv4(), 15000);
        assertThat(fromOutside.outcome()).as(fromOutside.line()).isEqualTo(Outcome.REFUSED);
        Exchange podIpFromInside = app.attempt(app.ipv4(), 15000);
        assertThat(podIpFromInside.outcome()).as(podIpFromInside.line()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void configDumpShowsTheSettingsTheListenersAndAConfigurationChange() throws Exception {
        sidecar(Map.of());

        JsonNode dump = adminJson("/config_dump");
        assertThat(dump.at("/settings/TANDEM_CONFIG/value").asText()).isEqualTo(config.toString());
        assertThat(dump.at("/settings/TANDEM_CONFIG/source").asText()).isEqualTo("environment");
        assertThat(dump.at("/settings/TANDEM_ADMIN_PORT/source").asText()).isEqualTo("default");
        assertThat(dump.at("/identity/namespace").asText()).isEqualTo("shop");
        assertThat(dump.at("/identity/app").asText()).isEqualTo("app");
        assertThat(dump.path("listeners").findValuesAsText("address")).contains("127.0.0.1:15000");
        assertThat(dump.at("/traffic_config/resources").size()).isEqualTo(1);
        assertThat(dump.at("/traffic_config/resources/0/spec/endpoints/0/address").asText()).isEqualTo(backend.ipv4());

        applyConfig(serviceEntry("""
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: backend, namespace: shop}
                spec:
                  host: backend
                  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}
                """));

        JsonNode changed = adminJson("/config_dump");
        assertThat(changed.at("/traffic_config/resources").size()).isEqualTo(2);
        assertThat(changed.at("/traffic_config/resources/1/kind").asText()).isEqualTo("DestinationRule");
        assertThat(changed.at("/traffic_config/resources/1/spec/trafficPolicy/connectionPool/tcp/maxConnections").asInt())
                .isEqualTo(7);
        // The route table in force is the new one: its cluster has the new circuit breaker.
        assertThat(app.app("mesh-get " + SERVICE + " " + HTTP + " backend /")).contains("status=200");
        assertThat(admin("get", "/clusters")).contains(CLUSTER + "::default_priority::max_connections::7");
        applyConfig(serviceEntry(""));
    }

    @Test
    void clustersListEachEndpointWithItsWeightLabelsAndHealth() throws Exception {
        sidecar(Map.of());
        assertThat(app.app("mesh-get " + SERVICE + " " + HTTP + " backend /")).contains("status=200");

        String text = admin("get", "/clusters");
        String endpoint = CLUSTER + "::" + backend.ipv4() + ":" + HTTP;
        assertThat(text).startsWith("200 ").contains(endpoint + "::health_flags::healthy", endpoint + "::weight::1",
                endpoint + "::labels::version=v1", endpoint + "::rq_active::0");

        JsonNode json = adminJson("/clusters?format=json");
        JsonNode cluster = json.path("cluster_statuses").get(0);
        assertThat(cluster.path("name").asText()).isEqualTo(CLUSTER);
        assertThat(cluster.at("/host_statuses/0/address/socket_address/address").asText()).isEqualTo(backend.ipv4());
        assertThat(cluster.at("/host_statuses/0/health_status/failed_outlier_check").asBoolean()).isFalse();
    }

    @Test
    void loggingChangesTheLevelAtRuntimeAndTheLogIsOneJsonObjectALine() throws Exception {
        sidecar(Map.of());
        // A call to a port nothing listens on is answered 503 UF by the sidecar, which says so at debug level.
        String refusedCall = "mesh-get " + backend.ipv4() + " 9999 nobody /";

        assertThat(admin("post", "/logging?level=loud")).startsWith("400 ").contains("unknown level \"loud\" for root");
        assertThat(admin("get", "/logging?level=debug")).startsWith("405 ");
        assertThat(admin("get", "/logging")).startsWith("200 active loggers:").contains("root: info");
        assertThat(app.app(refusedCall)).contains("status=503");
        assertThat(debugLines()).as("nothing at debug level while the root logger is at info").isZero();

        assertThat(admin("post", "/logging?level=debug")).startsWith("200 active loggers:").contains("root: debug");
        assertThat(app.app(refusedCall)).contains("status=503");
        long debug = debugLines();
        assertThat(admin("post", "/logging?level=info")).contains("root: info");

        assertThat(debug).as("debug lines once the root level is debug").isPositive();
        for (String line : app.sidecarLog().lines().filter(l -> !l.isBlank()).toList()) {
            assertThat(JSON.readTree(line).isObject()).as(line).isTrue();
        }
        assertThat(app.sidecarLog()).contains("\"logger\":\"dev.tandem.launcher.Sidecar\"", "ready in");
    }

    private static long debugLines() {
        return app.sidecarLog().lines().filter(l -> l.contains("\"level\":\"DEBUG\"")).count();
    }

    @Test
    void onSigtermTheRequestInFlightCompletesKeepAliveAndNewConnectionsAreToldToCloseAndItExitsOnceNoneIsLeft()
            throws Exception {
        sidecar(Map.of("TANDEM_DRAIN_DURATION", "20s", "TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "true"));
        // SIGTERM comes while the slow request is in flight and between the keep-alive connection's two requests.
        String slow = app.app("async mesh-get " + SERVICE + " " + HTTP + " backend /delay/4000");
        String keepAlive = app.app("async http1-two " + SERVICE + " " + HTTP + " / 3000");
        Thread.sleep(1500);

        long signalled = System.nanoTime();
        app.sidecar().destroy();

        assertThat(eventually(() -> app.health(15021), "503 draining")).isEqualTo("503 draining");
        assertThat(Pod.fields(app.app("http1-two " + SERVICE + " " + HTTP + " / 0")))
                .as("a new connection once the drain started is served, and told to close after its first answer")
                .containsEntry("first", "200").containsEntry("first-close", "true").containsEntry("closed-after", "true");
        assertThat(Pod.fields(app.app("await " + slow))).as("the request in flight at SIGTERM").containsEntry("status", "200");
        assertThat(Pod.fields(app.app("await " + keepAlive))).as("a keep-alive connection during the drain")
                .containsEntry("first", "200").containsEntry("first-close", "false")
                .containsEntry("second", "200").containsEntry("second-close", "true").containsEntry("closed-after", "true");
        assertThat(app.sidecar().waitFor(15, TimeUnit.SECONDS)).isTrue();
        long drained = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertThat(drained).as("exited once no connection was left, long before the 20 s drain period").isLessThan(10_000);
        assertThat(app.stopSidecar()).isZero();
        Exchange after = app.attempt(SERVICE, HTTP);
        assertThat(after.outcome()).as("a new connection after the drain: " + after.line()).isEqualTo(Outcome.REFUSED);
    }

    @Test
    void quitquitquitNeedsPostDrainsForTheDrainPeriodAndExitsZero() throws Exception {
        sidecar(Map.of("TANDEM_DRAIN_DURATION", "2s", "TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "false"));

        assertThat(admin("get", "/quitquitquit")).isEqualTo("405 Method GET not allowed, POST required.");
        assertThat(app.sidecarRunning()).isTrue();

        long asked = System.nanoTime();
        assertThat(admin("post", "/quitquitquit")).isEqualTo("200 OK");
        assertThat(app.sidecar().waitFor(15, TimeUnit.SECONDS)).isTrue();
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);

        assertThat(app.stopSidecar()).as("the exit status a Kubernetes Job needs").isZero();
        assertThat(took).as("without TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS the whole drain period passes").isGreaterThanOrEqualTo(1_900);
        assertThat(app.sidecarLog()).contains("admin /quitquitquit: draining for up to 2000 ms");
    }

    @Test
    void drainListenersStopsAcceptingAndTurnsReadinessWhileTheAdminApiGoesOn() throws Exception {
        sidecar(Map.of("TANDEM_DRAIN_DURATION", "1s"));
        assertThat(app.app("mesh-get " + SERVICE + " " + HTTP + " backend /")).contains("status=200");

        assertThat(admin("get", "/drain_listeners")).startsWith("405 ");
        assertThat(admin("post", "/drain_listeners")).isEqualTo("200 OK");

        assertThat(app.health(15021)).isEqualTo("503 draining");
        assertThat(admin("get", "/ready")).isEqualTo("503 DRAINING");
        Exchange refused = app.attempt(SERVICE, HTTP);
        assertThat(refused.outcome()).as(refused.line()).isIn(Outcome.REFUSED, Outcome.RESET);
        JsonNode outbound = adminJson("/config_dump").path("listeners").get(0);
        assertThat(outbound.path("name").asText()).isEqualTo("outbound");
        assertThat(outbound.path("accepting").asBoolean()).isFalse();
        assertThat(app.sidecarRunning()).isTrue();
        assertThat(app.stopSidecar()).isZero();
    }

    @Test
    void waitReadyReturnsZeroOnceTheSidecarIsReadyAndOneWithAClearMessageIfItNeverIs() throws Exception {
        if (app.sidecarRunning()) {
            assertThat(app.stopSidecar()).isZero();
        }
        Host.Result never = app.exec(Map.of(), Tandem.bin().toString(), "wait-ready", "--timeout", "1s");
        assertThat(never.exitCode()).isEqualTo(1);
        assertThat(never.stderr()).contains("tandem wait-ready: the sidecar was not ready within 1000 ms: "
                + "GET http://127.0.0.1:15021/healthz/ready: Connection refused");

        CompletableFuture<Host.Result> waiting = CompletableFuture.supplyAsync(
                () -> app.exec(Map.of(), Tandem.bin().toString(), "wait-ready", "--timeout", "30s"));
        Thread.sleep(500);
        assertThat(waiting).as("still waiting: no sidecar yet").isNotDone();
        sidecar(Map.of());

        Host.Result ready = waiting.get(20, TimeUnit.SECONDS);
        assertThat(ready.exitCode()).as(ready.stderr()).isZero();
        assertThat(ready.stdout()).matches("ready after \\d+ ms\\n");
    }

    /** Writes the traffic configuration and waits for the sidecar to report it applied. */
    private static void applyConfig(String yaml) throws InterruptedException {
        long before = counter("tandem.config.update_success");
        mesh.file("traffic.yaml", yaml);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (counter("tandem.config.update_success") > before) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the sidecar did not apply the new configuration in 5 s:\n" + app.sidecarLog());
    }

    private static long counter(String name) {
        String stats = admin("get", "/stats");
        Matcher m = Pattern.compile(Pattern.quote(name) + ": (\\d+)").matcher(stats);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in admin /stats: " + stats);
        }
        return Long.parseLong(m.group(1));
    }

    private static String eventually(Supplier<String> probe, String wanted) throws InterruptedException {
        String last = null;
        for (int i = 0; i < 60; i++) {
            last = probe.get();
            if (wanted.equals(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        return last;
    }
}
