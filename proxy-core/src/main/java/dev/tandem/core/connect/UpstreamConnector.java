package dev.tandem.core.connect;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/**
 * Opens the upstream side of a connection. The relay only ever sees a connected channel, so a tunnel to the peer proxy
 * can replace the plain TCP connect without touching it.
 */
@FunctionalInterface
public interface UpstreamConnector {

    /**
     * Connects on the downstream channel's event loop. The channel comes back with auto-read off; the future fails
     * with the kernel's reason when the connection cannot be opened.
     */
    ChannelFuture connect(Channel downstream, UpstreamTarget target);
}
