package dev.tandem.core.telemetry;

import dev.tandem.core.Version;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.traffic.TrafficRouting;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Everything the proxy reports about the traffic it carries and about itself: Istio's standard metrics, the proxy's
 * own health metrics and the JVM's, in one Prometheus registry; and the access log. One per process.
 */
public final class Telemetry implements AutoCloseable {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final MeshMetrics mesh;
    private final ProxyMetrics proxy;
    private final AccessLog accessLog;
    private final TrafficReporter outbound;
    private final TrafficReporter inbound;

    private Telemetry(ProxyConfig config) {
        this.mesh = new MeshMetrics(registry, config.identity());
        this.proxy = new ProxyMetrics(registry);
        this.accessLog = AccessLog.create(config.accessLog(), proxy);
        JvmMetrics.builder().register(registry);
        Gauge.builder().name("istio_build").help("Istio's build information: the proxy and its release")
                .labelNames("component", "tag").register(registry).labelValues("proxy", Version.TAG).set(1);
        this.outbound = new DirectionReporter(true, config.metrics() ? mesh : null, accessLog, mesh.local());
        this.inbound = new DirectionReporter(false, config.metrics() ? mesh : null, accessLog, mesh.local());
    }

    /** Reports the outbound listener's traffic, as Istio's reporter="source". */
    public TrafficReporter outbound() {
        return outbound;
    }

    /** Reports the inbound listener's traffic, as Istio's reporter="destination". */
    public TrafficReporter inbound() {
        return inbound;
    }

    public static Telemetry create(ProxyConfig config) {
        return new Telemetry(config);
    }

    public MeshMetrics mesh() {
        return mesh;
    }

    public ProxyMetrics proxy() {
        return proxy;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Reports what the listeners and the routing hold now, read at each scrape. */
    public void watch(Listeners listeners, TrafficRouting routing) {
        proxy.watch(listeners, routing);
    }

    /** Every metric in Prometheus' text format (version 0.0.4), as Envoy's /stats/prometheus serves it. */
    public void writePrometheus(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    public String prometheusText() {
        var out = new ByteArrayOutputStream();
        try {
            writePrometheus(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Stops the access log writer after it has written what was queued. */
    @Override
    public void close() {
        accessLog.close();
    }
}
