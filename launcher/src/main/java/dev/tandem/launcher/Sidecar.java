package dev.tandem.launcher;

import dev.tandem.core.admin.ClustersReport;
import dev.tandem.core.admin.ConfigDump;
import dev.tandem.core.admin.HttpEndpoints;
import dev.tandem.core.admin.HttpEndpoints.Answer;
import dev.tandem.core.config.InterceptionMode;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.TcpConnector;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.lifecycle.Listeners.Kind;
import dev.tandem.core.lifecycle.Readiness;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.traffic.DnsCache;
import dev.tandem.core.traffic.RouteTable;
import dev.tandem.core.traffic.TrafficConfigException;
import dev.tandem.core.traffic.TrafficRouting;
import dev.tandem.core.transport.Transport;
import dev.tandem.inbound.InboundInitializer;
import dev.tandem.outbound.OutboundInitializer;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: the outbound and inbound listeners over one transport, the health endpoint that says when they
 * are bound, the metrics endpoint, and the admin API on loopback. Draining stops accepting, tells open connections to
 * finish and gives them the drain period, then closes what remains.
 */
final class Sidecar {

    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

    private static final Duration CONFIG_POLL = Duration.ofMillis(250);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final ProxyConfig config;
    private final Map<String, String> environment;
    private final Readiness readiness = new Readiness();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();

    private Transport transport;
    private TrafficRouting routing;
    private Telemetry telemetry;
    private Listeners listeners;
    private ConfigDump configDump;

    /** The proxy {@code config} describes; {@code environment}, which it was read from, is shown by /config_dump. */
    Sidecar(ProxyConfig config, Map<String, String> environment) {
        this.config = config;
        this.environment = environment;
    }

    /** Binds the listeners; a traffic configuration file with errors stops the start before any is bound. */
    void start() throws IOException, TrafficConfigException {
        log.info("tandem proxy starting: {}", describe(config));
        transport = Transport.epoll(config.concurrency());
        routing = loadRouting();
        telemetry = Telemetry.create(config);
        listeners = new Listeners(transport);
        telemetry.watch(listeners, routing);
        configDump = new ConfigDump(environment, config.identity(), listeners, routing);
        UpstreamConnector connector = new TcpConnector(transport, config.connectTimeout());
        InterceptionMode mode = config.inboundMode();
        listeners.bind(OutboundInitializer.LISTENER, anyAddress(config.ports().outbound().value()), Kind.TRAFFIC,
                new OutboundInitializer(config, OriginalDestination.forMode(InterceptionMode.REDIRECT), connector,
                        routing::table, telemetry));
        listeners.bind(InboundInitializer.LISTENER, anyAddress(config.ports().inbound().value()),
                mode == InterceptionMode.TPROXY ? Kind.TRANSPARENT_TRAFFIC : Kind.TRAFFIC,
                new InboundInitializer(config, OriginalDestination.forMode(mode), connector, telemetry));
        listeners.bind("health", anyAddress(config.ports().health().value()), Kind.ENDPOINT,
                HttpEndpoints.builder().get("/healthz/ready", this::healthzReady).build().initializer());
        // Loopback only: the admin API changes the proxy, so nothing outside the pod may reach it.
        listeners.bind("admin", new InetSocketAddress(InetAddress.getLoopbackAddress(), config.ports().admin().value()),
                Kind.ENDPOINT, admin().initializer());
        // Prometheus scrapes the pod's IP, as it scrapes Envoy's 15090.
        listeners.bind("metrics", anyAddress(config.ports().metrics().value()), Kind.ENDPOINT,
                HttpEndpoints.builder().get("/stats/prometheus", this::prometheus).build().initializer());
        readiness.ready();
        log.info("ready in {} ms from JVM start", System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    /** Envoy's admin endpoints: reading ones answer GET; those that change the proxy, only POST. */
    private HttpEndpoints admin() {
        return HttpEndpoints.builder()
                .get("/ready", this::adminReady)
                .get("/healthz/ready", this::healthzReady)
                .get("/stats", this::stats)
                .get("/stats/prometheus", this::prometheus)
                .get("/config_dump", () -> Answer.json(configDump.json()))
                .get("/clusters", this::clusters)
                .get("/logging", LoggingEndpoint::list)
                .post("/logging", LoggingEndpoint::change)
                .post("/drain_listeners", this::drainListeners)
                .post("/quitquitquit", request -> Answer.ok("OK").then(
                        () -> new Thread(() -> drainAndStop("admin /quitquitquit"), "drain").start()))
                .build();
    }

    private TrafficRouting loadRouting() throws IOException, TrafficConfigException {
        RouteTable.Identity identity = RouteTable.Identity.of(config.identity());
        if (config.trafficConfig().isEmpty()) {
            return TrafficRouting.none(identity);
        }
        DnsCache dns = new DnsCache(transport.workers().next());
        try {
            TrafficRouting loaded = TrafficRouting.load(config.trafficConfig().get(), identity, dns);
            loaded.watch(CONFIG_POLL);
            return loaded;
        } catch (IOException | TrafficConfigException | RuntimeException e) {
            dns.close();
            throw e;
        }
    }

    /**
     * Stops the proxy gently, as Istio's sidecar does: readiness turns 503 and connections are told to finish (HTTP/1
     * answers say Connection: close, HTTP/2 connections get GOAWAY), new ones too, for the listeners go on accepting
     * (the pod's application may still be finishing its own calls). At the end of the drain period, or once no
     * connection is left with TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS, the listeners stop accepting and what remains is
     * closed. A second call while one drains does nothing.
     */
    void drainAndStop(String reason) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        log.info("{}: draining for up to {} ms{}", reason, config.drainDuration().toMillis(),
                config.exitOnZeroActiveConnections() ? ", or until no connection is left" : "");
        long start = System.nanoTime();
        readiness.draining();
        listeners.drain().start();
        long deadline = start + config.drainDuration().toNanos();
        while (System.nanoTime() < deadline
                && !(config.exitOnZeroActiveConnections() && listeners.openConnections() == 0)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        listeners.stopAccepting();
        log.info("drain done after {} ms: the listeners stopped accepting; {} connection(s) still open are closed now",
                (System.nanoTime() - start) / 1_000_000, listeners.openConnections());
        stop();
    }

    /**
     * Admin /drain_listeners: readiness 503 and the traffic listeners stop accepting, the process goes on. With
     * {@code graceful}, as Envoy's, open connections are told to finish first and the listeners stop accepting at the
     * end of the drain period.
     */
    private Answer drainListeners(HttpEndpoints.Request request) {
        readiness.draining();
        if (request.has("graceful")) {
            listeners.drain().start();
            CompletableFuture.delayedExecutor(config.drainDuration().toMillis(), TimeUnit.MILLISECONDS)
                    .execute(listeners::stopAccepting);
            log.info("admin /drain_listeners?graceful: connections told to finish; listeners stop accepting in {} ms",
                    config.drainDuration().toMillis());
        } else {
            // Closing the listening sockets takes the acceptor's loop a moment; nothing there waits on this one.
            listeners.stopAccepting();
            log.info("admin /drain_listeners: the traffic listeners no longer accept");
        }
        return Answer.ok("OK");
    }

    void stop() {
        if (listeners != null) {
            listeners.close();
        }
        if (routing != null) {
            routing.close();
        }
        if (telemetry != null) {
            telemetry.close();
        }
        if (transport != null) {
            transport.shutdown().awaitUninterruptibly();
        }
        stopped.countDown();
    }

    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private Answer healthzReady() {
        return readiness.isReady()
                ? Answer.ok("ready")
                : Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, readiness.state().name().toLowerCase(Locale.ROOT));
    }

    /** Connection counters per traffic listener, one {@code name: value} a line as Envoy's admin /stats prints. */
    private Answer stats() {
        var out = new StringBuilder();
        listeners.counters().forEach((name, counters) -> out
                .append("listener.").append(name).append(".downstream_cx_total: ").append(counters.total()).append('\n')
                .append("listener.").append(name).append(".downstream_cx_active: ").append(counters.active()).append('\n'));
        if (routing != null && routing.file() != null) {
            out.append("tandem.config.update_success: ").append(routing.reloadsApplied()).append('\n')
                    .append("tandem.config.update_rejected: ").append(routing.reloadsRejected()).append('\n');
        }
        out.append("server.state: ").append(readiness.state().name().toLowerCase(Locale.ROOT));
        return Answer.ok(out.toString());
    }

    private Answer prometheus() {
        return new Answer(HttpResponseStatus.OK, PROMETHEUS_TEXT, telemetry.prometheusText(), null);
    }

    /** Admin /clusters: Envoy's text, or {@code ?format=json}. */
    private Answer clusters(HttpEndpoints.Request request) {
        String format = request.parameter("format");
        var clusters = routing.table().clusters();
        if (format == null || format.equals("text")) {
            return Answer.ok(ClustersReport.text(clusters, System.nanoTime()));
        }
        if (format.equals("json")) {
            return Answer.json(ClustersReport.json(clusters, System.nanoTime()));
        }
        return Answer.text(HttpResponseStatus.BAD_REQUEST, "format must be text or json, not \"" + format + "\"");
    }

    /** Envoy's admin /ready: LIVE when serving, the state's name otherwise. */
    private Answer adminReady() {
        return switch (readiness.state()) {
            case READY -> Answer.ok("LIVE");
            case STARTING -> Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "PRE_INITIALIZING");
            case DRAINING -> Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "DRAINING");
        };
    }

    /** The wildcard address; the native transport makes it dual-stack where the namespace has IPv6. */
    private static InetSocketAddress anyAddress(int port) {
        return new InetSocketAddress(port);
    }

    private static String describe(ProxyConfig c) {
        return String.format("outbound=%s inbound=%s (%s) health=%s admin=127.0.0.1:%s connectTimeout=%dms "
                        + "idleTimeout=%dms drain=%dms%s concurrency=%d logLevel=%s",
                c.ports().outbound(), c.ports().inbound(), c.inboundMode(), c.ports().health(), c.ports().admin(),
                c.connectTimeout().toMillis(), c.idleTimeout().toMillis(), c.drainDuration().toMillis(),
                c.exitOnZeroActiveConnections() ? " (or until no connection is left)" : "", c.concurrency(), c.logLevel());
    }
}
