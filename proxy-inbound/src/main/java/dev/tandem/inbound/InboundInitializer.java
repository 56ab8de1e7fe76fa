package dev.tandem.inbound;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.ProxyStages;
import dev.tandem.core.accept.LoopGuard;
import dev.tandem.core.accept.OriginalDestinationHandler;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.detect.ProtocolDetector;
import dev.tandem.core.http.DirectRouter;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.relay.IdleTimeoutHandler;
import dev.tandem.core.telemetry.Telemetry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * The inbound listener's pipeline. A connection captured on its way into the pod is delivered to the application on
 * loopback at the port it was addressed to, from the proxy's own loopback source (see {@link LocalDelivery}).
 */
public final class InboundInitializer extends ChannelInitializer<Channel> {

    public static final String LISTENER = "inbound";

    private final ProxyConfig config;
    private final OriginalDestinationHandler originalDestination;
    private final ProxyStages stages;

    public InboundInitializer(ProxyConfig config, OriginalDestination lookup, UpstreamConnector connector,
            Telemetry telemetry) {
        this.config = config;
        this.originalDestination = new OriginalDestinationHandler(LISTENER, lookup, LoopGuard.ownPorts(config.ports()));
        DirectRouter local = new DirectRouter(LocalDelivery::targetFor);
        this.stages = new ProxyStages(connector, local, local, config.http(), config.idleTimeout(),
                telemetry.inbound(), telemetry.proxy());
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
        pipeline.addLast(HandlerNames.PROTOCOL_DETECTOR, new ProtocolDetector(stages, dst -> config.opaquePorts().contains(dst.port()),
                config.detectionTimeout(), config.http().requestHeadersTimeout()));
    }
}
