package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.relay.IdleTimeoutHandler;
import dev.tandem.core.traffic.Cluster;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP/2 connections to upstream endpoints (h2c with prior knowledge), per event loop and cluster. Requests become
 * streams on a shared connection; a new connection is opened only when every open one is full or going away. A
 * cluster's connection pool settings apply as Envoy applies them: {@code maxConnections} bounds the connections (a
 * pool with none to the endpoint may always open one), {@code maxRequestsPerConnection} sends a connection away
 * after that many streams, and {@code idleTimeout} closes one without streams.
 */
public final class Http2Pool {

    /** Upstream HTTP/2 connections open now, in every pool, for the proxy's metrics. */
    private static final LongAdder OPEN = new LongAdder();

    private final UpstreamConnector connector;
    private final HttpLimits limits;
    private final Duration idleTimeout;
    private final Map<PoolKey, List<Connection>> connections = new HashMap<>();
    /** Connections being opened: streams asked for meanwhile wait for them rather than each opening its own. */
    private final Map<PoolKey, Promise<Connection>> connecting = new HashMap<>();

    public Http2Pool(UpstreamConnector connector, HttpLimits limits, Duration idleTimeout) {
        this.connector = connector;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Opens a stream to the target, its frames handled by {@code handler}; fails with {@link Overflow} when the
     * cluster has no room for the connection it would need.
     */
    Future<Http2StreamChannel> openStream(Channel downstream, UpstreamTarget target, Cluster cluster,
            ChannelHandler handler) {
        Promise<Http2StreamChannel> promise = downstream.eventLoop().newPromise();
        openStream(downstream, PoolKey.of(cluster, target), target, cluster, handler, promise);
        return promise;
    }

    private void openStream(Channel downstream, PoolKey key, UpstreamTarget target, Cluster cluster, ChannelHandler handler,
            Promise<Http2StreamChannel> promise) {
        List<Connection> open = connections.getOrDefault(key, List.of());
        for (Connection c : open) {
            if (c.cluster == cluster && c.canOpenStream()) {
                c.open(handler, promise);
                return;
            }
        }
        connection(downstream, key, target, cluster, !open.isEmpty()).addListener((Future<Connection> ready) -> {
            if (!ready.isSuccess()) {
                promise.setFailure(ready.cause());
            } else if (ready.getNow().canOpenStream()) {
                ready.getNow().open(handler, promise);
            } else if (ready.getNow().channel.isActive()) {
                // Those who waited for it took its streams already: on to another.
                openStream(downstream, key, target, cluster, handler, promise);
            } else {
                promise.setFailure(new java.io.IOException("the connection to " + target + " closed at once"));
            }
        });
    }

    private Future<Connection> connection(Channel downstream, PoolKey key, UpstreamTarget target, Cluster cluster,
            boolean haveOne) {
        Promise<Connection> pending = connecting.get(key);
        if (pending != null) {
            return pending;
        }
        if (cluster != null && !cluster.admitConnection()) {
            if (haveOne) {
                return downstream.eventLoop().newFailedFuture(new Overflow("cluster " + cluster + " has "
                        + cluster.connections() + " connections, its limit, and those to " + target + " are full"));
            }
            cluster.forceConnection();
        }
        Promise<Connection> opened = downstream.eventLoop().newPromise();
        connecting.put(key, opened);
        connector.connect(downstream, target).addListener((ChannelFutureListener) connected -> {
            connecting.remove(key);
            if (connected.isSuccess()) {
                opened.setSuccess(install(connected.channel(), key, cluster));
            } else {
                if (cluster != null) {
                    cluster.connectionClosed();
                }
                opened.setFailure(connected.cause());
            }
        });
        return opened;
    }

    public static long openConnections() {
        return OPEN.sum();
    }

    private Connection install(Channel channel, PoolKey key, Cluster cluster) {
        OPEN.increment();
        channel.closeFuture().addListener(closed -> {
            OPEN.decrement();
            if (cluster != null) {
                cluster.connectionClosed();
            }
        });
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Windows.settings(limits).pushEnabled(false))
                .encoderEnforceMaxConcurrentStreams(true)
                .validateHeaders(true)
                .build();
        Connection connection = new Connection(channel, key, cluster, codec);
        Duration idleFor = cluster != null && cluster.limits().idleTimeout() != null
                ? cluster.limits().idleTimeout() : idleTimeout;
        IdleTimeoutHandler.addTo(channel.pipeline(), idleFor);
        channel.pipeline().addLast(HandlerNames.H2_CODEC, codec);
        channel.pipeline().addLast(HandlerNames.H2_MULTIPLEX, new Http2MultiplexHandler(new RefusePushes()));
        channel.pipeline().addLast("h2-upstream", connection);
        channel.config().setAutoRead(true);
        connections.computeIfAbsent(key, k -> new ArrayList<>()).add(connection);
        return connection;
    }

    /** One upstream HTTP/2 connection: open while it can take streams, forgotten once it goes away or closes. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final Channel channel;
        private final PoolKey key;
        private final Cluster cluster;
        private final Http2FrameCodec codec;
        private final int maxStreams;
        private int streams;
        private boolean goingAway;

        Connection(Channel channel, PoolKey key, Cluster cluster, Http2FrameCodec codec) {
            this.channel = channel;
            this.key = key;
            this.cluster = cluster;
            this.codec = codec;
            this.maxStreams = cluster == null ? 0 : cluster.limits().maxRequestsPerConnection();
        }

        boolean canOpenStream() {
            return channel.isActive() && !goingAway && codec.connection().local().canOpenStream();
        }

        void open(ChannelHandler handler, Promise<Http2StreamChannel> promise) {
            streams++;
            if (maxStreams > 0 && streams >= maxStreams) {
                // Its last stream: no more are opened here, and it closes once its streams are done.
                goingAway = true;
                forget();
            }
            new Http2StreamChannelBootstrap(channel).handler(handler).open(promise);
            if (maxStreams > 0) {
                promise.addListener((Future<Http2StreamChannel> opened) -> {
                    if (opened.isSuccess()) {
                        opened.getNow().closeFuture().addListener(done -> closeIfSpent());
                    } else {
                        closeIfSpent();
                    }
                });
            }
        }

        /** Closes a connection that has had its last stream once none is left open. */
        private void closeIfSpent() {
            if (goingAway && codec.connection().numActiveStreams() == 0) {
                channel.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                // No new streams here; the streams it still serves finish on their own.
                goingAway = true;
                forget();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            forget();
            ctx.fireChannelInactive();
        }

        private void forget() {
            List<Connection> list = connections.get(key);
            if (list != null) {
                list.remove(this);
            }
        }
    }

    /** Tandem never asks for pushed streams; a server that pushes anyway has them refused. */
    @ChannelHandler.Sharable
    private static final class RefusePushes extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
