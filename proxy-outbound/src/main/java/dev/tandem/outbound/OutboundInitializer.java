package dev.tandem.outbound;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.ProxyStages;
import dev.tandem.core.accept.LoopGuard;
import dev.tandem.core.accept.OriginalDestinationHandler;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.detect.ProtocolDetector;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.relay.IdleTimeoutHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * The outbound listener's pipeline. The application's connection, captured on its way out of the pod, is relayed to
 * the address it was headed for; the proxy's uid keeps that upstream connection out of the capture.
 */
public final class OutboundInitializer extends ChannelInitializer<Channel> {

    public static final String LISTENER = "outbound";

    private final ProxyConfig config;
    private final OriginalDestinationHandler originalDestination;
    private final ProxyStages stages;

    public OutboundInitializer(ProxyConfig config, OriginalDestination lookup, UpstreamConnector connector) {
        this.config = config;
        this.originalDestination = new OriginalDestinationHandler(
                LISTENER, lookup, LoopGuard.ownPortsOnThisHost(config.ports()));
        this.stages = new ProxyStages(connector, dst -> UpstreamTarget.to(dst.address()), config.http(),
                config.idleTimeout());
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
        pipeline.addLast(HandlerNames.PROTOCOL_DETECTOR, new ProtocolDetector(stages, config.opaquePorts(),
                config.detectionTimeout(), config.http().requestHeadersTimeout()));
    }
}
