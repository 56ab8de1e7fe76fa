package dev.tandem.outbound;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.addr.PortSet;
import dev.tandem.core.ProxyStages;
import dev.tandem.core.accept.LoopGuard;
import dev.tandem.core.accept.OriginalDestinationHandler;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.detect.ProtocolDetector;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.relay.IdleTimeoutHandler;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.traffic.RouteTable;
import dev.tandem.core.traffic.TrafficRouting;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The outbound listener's pipeline. The application's connection, captured on its way out of the pod, is relayed to
 * the address it was headed for; the proxy's uid keeps that upstream connection out of the capture.
 */
public final class OutboundInitializer extends ChannelInitializer<Channel> {

    public static final String LISTENER = "outbound";

    private final ProxyConfig config;
    private final OriginalDestinationHandler originalDestination;
    private final ProxyStages stages;

    private final Predicate<OrigDstAddr> opaque;

    /** With no traffic configuration: every call goes where the application sent it. */
    public OutboundInitializer(ProxyConfig config, OriginalDestination lookup, UpstreamConnector connector,
            Telemetry telemetry) {
        this(config, lookup, connector, TrafficRouting.none(RouteTable.Identity.of(config.identity()))::table, telemetry);
    }

    /** Calls are routed by the route table {@code tables} gives when each request or connection arrives. */
    public OutboundInitializer(ProxyConfig config, OriginalDestination lookup, UpstreamConnector connector,
            Supplier<RouteTable> tables, Telemetry telemetry) {
        this.config = config;
        this.originalDestination = new OriginalDestinationHandler(
                LISTENER, lookup, LoopGuard.ownPortsOnThisHost(config.ports()));
        MeshRouter router = new MeshRouter(tables);
        this.stages = new ProxyStages(connector, router, router, config.http(), config.idleTimeout(),
                telemetry.outbound(), telemetry.proxy());
        PortSet opaquePorts = config.opaquePorts();
        this.opaque = dst -> opaquePorts.contains(dst.port()) || tables.get().opaque(dst);
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        IdleTimeoutHandler.addTo(pipeline, config.idleTimeout());
        addOriginalDestination(pipeline);
        addProtocolDetection(pipeline);
    }

    private void addOriginalDestination(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.ORIGINAL_DESTINATION, originalDestination);
    }

    private void addProtocolDetection(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.PROTOCOL_DETECTOR, new ProtocolDetector(stages, opaque,
                config.detectionTimeout(), config.http().requestHeadersTimeout()));
    }
}
