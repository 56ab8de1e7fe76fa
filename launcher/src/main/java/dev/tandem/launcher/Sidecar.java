package dev.tandem.launcher;

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
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: the outbound and inbound listeners over one transport, the health endpoint that says when they
 * are bound, and the admin endpoint on loopback. Draining stops accepting, lets open connections finish for the drain
 * period, then closes what remains.
 */
final class Sidecar {

    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

    private final ProxyConfig config;
    private final Readiness readiness = new Readiness();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private static final Duration CONFIG_POLL = Duration.ofMillis(250);

    private Transport transport;
    private TrafficRouting routing;
    private Telemetry telemetry;
    private Listeners listeners;

    Sidecar(ProxyConfig config) {
        this.config = config;
    }

    /** Binds the listeners; a traffic configuration file with errors stops the start before any is bound. */
    void start() throws IOException, TrafficConfigException {
        log.info("tandem proxy starting: {}", describe(config));
        transport = Transport.epoll(config.concurrency());
        routing = loadRouting();
        telemetry = Telemetry.create(config);
        listeners = new Listeners(transport);
        telemetry.watch(listeners, routing);
        UpstreamConnector connector = new TcpConnector(transport, config.connectTimeout());
        InterceptionMode mode = config.inboundMode();
        listeners.bind(OutboundInitializer.LISTENER, anyAddress(config.ports().outbound().value()), Kind.TRAFFIC,
                new OutboundInitializer(config, OriginalDestination.forMode(InterceptionMode.REDIRECT), connector,
                        routing::table, telemetry));
        listeners.bind(InboundInitializer.LISTENER, anyAddress(config.ports().inbound().value()),
                mode == InterceptionMode.TPROXY ? Kind.TRANSPARENT_TRAFFIC : Kind.TRAFFIC,
                new InboundInitializer(config, OriginalDestination.forMode(mode), connector, telemetry));
        listeners.bind("health", anyAddress(config.ports().health().value()), Kind.ENDPOINT,
                new HttpEndpoints(Map.of("/healthz/ready", this::healthzReady)).initializer());
        listeners.bind("admin", new InetSocketAddress(InetAddress.getLoopbackAddress(), config.ports().admin().value()),
                Kind.ENDPOINT, new HttpEndpoints(Map.<String, Supplier<Answer>>of(
                        "/ready", this::adminReady,
                        "/healthz/ready", this::healthzReady,
                        "/stats", this::stats,
                        "/stats/prometheus", this::prometheus)).initializer());
        // Prometheus scrapes the pod's IP, as it scrapes Envoy's 15090.
        listeners.bind("metrics", anyAddress(config.ports().metrics().value()), Kind.ENDPOINT,
                new HttpEndpoints(Map.of("/stats/prometheus", this::prometheus)).initializer());
        readiness.ready();
        log.info("ready in {} ms from JVM start", System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
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

    void drainAndStop() {
        readiness.draining();
        listeners.stopAccepting();
        long deadline = System.nanoTime() + config.drainDuration().toNanos();
        while (listeners.openConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = listeners.openConnections();
        log.info("drain done: {} connection(s) still open are closed now", left);
        stop();
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
                : new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, readiness.state().name().toLowerCase(Locale.ROOT));
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
        return Answer.ok(telemetry.prometheusText());
    }

    /** Envoy's admin /ready: LIVE when serving, the state's name otherwise. */
    private Answer adminReady() {
        return switch (readiness.state()) {
            case READY -> Answer.ok("LIVE");
            case STARTING -> new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "PRE_INITIALIZING");
            case DRAINING -> new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "DRAINING");
        };
    }

    /** The wildcard address; the native transport makes it dual-stack where the namespace has IPv6. */
    private static InetSocketAddress anyAddress(int port) {
        return new InetSocketAddress(port);
    }

    private static String describe(ProxyConfig c) {
        return String.format("outbound=%s inbound=%s (%s) health=%s admin=127.0.0.1:%s connectTimeout=%dms "
                        + "idleTimeout=%dms drain=%dms concurrency=%d logLevel=%s",
                c.ports().outbound(), c.ports().inbound(), c.inboundMode(), c.ports().health(), c.ports().admin(),
                c.connectTimeout().toMillis(), c.idleTimeout().toMillis(), c.drainDuration().toMillis(),
                c.concurrency(), c.logLevel());
    }
}
