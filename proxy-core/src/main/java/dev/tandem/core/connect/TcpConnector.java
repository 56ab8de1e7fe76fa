package dev.tandem.core.connect;

import dev.tandem.core.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.InetSocketAddress;
import java.time.Duration;

/** A plain TCP connection to the target, bounded by the connect timeout. */
public final class TcpConnector implements UpstreamConnector {

    private final Transport transport;
    private final int connectTimeoutMillis;

    public TcpConnector(Transport transport, Duration connectTimeout) {
        this.transport = transport;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }

    @Override
    public ChannelFuture connect(Channel downstream, UpstreamTarget target) {
        int timeout = target.connectTimeout() == null ? connectTimeoutMillis
                : (int) Math.min(Integer.MAX_VALUE, target.connectTimeout().toMillis());
        var bootstrap = transport.client(downstream.eventLoop())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
                .handler(new ChannelInboundHandlerAdapter());
        if (target.source() == null) {
            return bootstrap.connect(target.address());
        }
        // Binding a source address would reserve a port at bind time; let connect pick it instead.
        bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        return bootstrap.connect(target.address(), new InetSocketAddress(target.source(), 0));
    }
}
