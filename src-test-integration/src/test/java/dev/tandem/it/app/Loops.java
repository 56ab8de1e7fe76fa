package dev.tandem.it.app;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;

/** The event loops of the pod application's Netty servers and clients: daemon threads, epoll where it loads. */
final class Loops {

    private static final boolean EPOLL = Epoll.isAvailable();
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(0,
            new DefaultThreadFactory("pod-app-io", true),
            EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());

    private Loops() {
    }

    /** Binds the wildcard address (both IPv4 and IPv6) on {@code port}; fails if the port is taken. */
    static Channel listen(int port, ChannelHandler childInitializer) throws InterruptedException {
        Class<? extends ServerSocketChannel> type = EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        return new ServerBootstrap()
                .group(GROUP)
                .channel(type)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 512)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(childInitializer)
                .bind(new InetSocketAddress(port)).sync().channel();
    }

    /** Connects to {@code target}, failing with the connect error (refused, timed out) if it cannot. */
    static Channel connect(InetSocketAddress target, ChannelHandler initializer) throws InterruptedException {
        Class<? extends SocketChannel> type = EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
        return new Bootstrap()
                .group(GROUP)
                .channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Wire.CONNECT_TIMEOUT_MS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(initializer)
                .connect(target).sync().channel();
    }
}
