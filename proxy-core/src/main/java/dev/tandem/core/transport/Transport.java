package dev.tandem.core.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Linux's native epoll transport: one acceptor thread and a fixed set of worker event loops for traffic, and one
 * event loop of their own for the health, admin and metrics endpoints, so that a large scrape or config dump never
 * holds up traffic (nor busy traffic a readiness probe). A connection and the upstream connection opened for it live
 * on the same loop, so a relay never crosses threads.
 */
public final class Transport implements AutoCloseable {

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final EventLoopGroup endpoints;

    private Transport(int workerThreads) {
        this.acceptor = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(workerThreads, EpollIoHandler.newFactory());
        this.endpoints = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    /** Fails with the reason when the native transport cannot load (not Linux, or no native library). */
    public static Transport epoll(int workerThreads) {
        Epoll.ensureAvailability();
        return new Transport(workerThreads);
    }

    /** A server bootstrap whose accepted channels start with auto-read off and allow half-closure. */
    public ServerBootstrap server() {
        return server(acceptor, workers);
    }

    /** A server bootstrap for an endpoint (health, admin, metrics): accepts and serves on the endpoints' own loop. */
    public ServerBootstrap endpointServer() {
        return server(endpoints, endpoints);
    }

    private static ServerBootstrap server(EventLoopGroup parent, EventLoopGroup children) {
        return new ServerBootstrap()
                .group(parent, children)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
    }

    /** A client bootstrap on the given loop with the same defaults as accepted channels. */
    public Bootstrap client(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public Future<?> shutdown() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        endpoints.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        return workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        shutdown().syncUninterruptibly();
    }
}
