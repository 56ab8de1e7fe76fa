package dev.tandem.core;

import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.detect.Protocol;
import dev.tandem.core.detect.ProtocolDetector;
import dev.tandem.core.http.Http1Pool;
import dev.tandem.core.http.Http1ServerHandler;
import dev.tandem.core.http.Http2Pool;
import dev.tandem.core.http.Http2ServerStage;
import dev.tandem.core.http.HttpRouter;
import dev.tandem.core.http.PerLoop;
import dev.tandem.core.tcp.TcpProxyHandler;
import dev.tandem.core.tcp.TcpRouter;
import dev.tandem.core.telemetry.ProxyMetrics;
import dev.tandem.core.telemetry.TrafficReporter;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;

/**
 * The stage each detected protocol gets, for one direction: opaque TCP and TLS are relayed byte for byte; HTTP/1 and
 * HTTP/2 go through their server stage, the router and an upstream pool of the client's protocol. The direction supplies the routers that
 * decide where connections and requests go.
 */
public final class ProxyStages implements ProtocolDetector.Stages {

    private final UpstreamConnector connector;
    private final HttpRouter router;
    private final TcpRouter tcp;
    private final PerLoop<Http1Pool> http1;
    private final PerLoop<Http2Pool> http2;
    private final HttpLimits limits;
    private final TrafficReporter reporter;
    private final ProxyMetrics metrics;

    public ProxyStages(UpstreamConnector connector, HttpRouter router, TcpRouter tcp, HttpLimits limits,
            Duration upstreamIdleTimeout) {
        this(connector, router, tcp, limits, upstreamIdleTimeout, TrafficReporter.NONE, null);
    }

    /** Stages whose requests and connections are reported by {@code reporter}, and detections counted. */
    public ProxyStages(UpstreamConnector connector, HttpRouter router, TcpRouter tcp, HttpLimits limits,
            Duration upstreamIdleTimeout, TrafficReporter reporter, ProxyMetrics metrics) {
        this.reporter = reporter;
        this.metrics = metrics;
        this.connector = connector;
        this.router = router;
        this.tcp = tcp;
        this.http1 = new PerLoop<>(() -> new Http1Pool(connector, limits, upstreamIdleTimeout));
        this.http2 = new PerLoop<>(() -> new Http2Pool(connector, limits, upstreamIdleTimeout));
        this.limits = limits;
    }

    @Override
    public void install(Protocol protocol, ChannelPipeline pipeline) {
        ConnectionContext context = ConnectionContext.of(pipeline.channel());
        if (context != null) {
            context.reporter(reporter);
        }
        if (metrics != null) {
            metrics.detected(protocol);
        }
        switch (protocol) {
            case HTTP1 -> Http1ServerHandler.install(pipeline, router, http1, limits);
            case HTTP2 -> Http2ServerStage.install(pipeline, router, http2, limits);
            case TCP, TLS -> pipeline.addLast(HandlerNames.TCP_PROXY, new TcpProxyHandler(connector, tcp));
        }
    }
}
