package dev.tandem.outbound;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.accept.LoopGuard;
import dev.tandem.core.accept.OriginalDestinationHandler;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.relay.IdleTimeoutHandler;
import dev.tandem.core.tcp.TcpProxyHandler;
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
    private final UpstreamConnector connector;

    public OutboundInitializer(ProxyConfig config, OriginalDestination lookup, UpstreamConnector connector) {
        this.config = config;
        this.originalDestination = new OriginalDestinationHandler(
                LISTENER, lookup, LoopGuard.ownPortsOnThisHost(config.ports()));
        this.connector = connector;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        IdleTimeoutHandler.addTo(pipeline, config.idleTimeout());
        addOriginalDestination(pipeline);
        addTcpProxy(pipeline);
    }

    private void addOriginalDestination(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.ORIGINAL_DESTINATION, originalDestination);
    }

    private void addTcpProxy(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.TCP_PROXY, new TcpProxyHandler(connector, dst -> UpstreamTarget.to(dst.address())));
    }
}
