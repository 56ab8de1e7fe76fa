package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.relay.IdleTimeoutHandler;
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
 * HTTP/2 connections to upstream endpoints (h2c with prior knowledge), per event loop. Requests become streams on a
 * shared connection; a new connection is opened only when every open one is full or going away.
 */
public final class Http2Pool {

    /** Upstream HTTP/2 connections open now, in every pool, for the proxy's metrics. */
    private static final LongAdder OPEN = new LongAdder();

    private final UpstreamConnector connector;
    private final HttpLimits limits;
    private final Duration idleTimeout;
    private final Map<UpstreamTarget, List<Connection>> connections = new HashMap<>();
    /** Connections being opened: streams asked for meanwhile wait for them rather than each opening its own. */
    private final Map<UpstreamTarget, Promise<Connection>> connecting = new HashMap<>();

    public Http2Pool(UpstreamConnector connector, HttpLimits limits, Duration idleTimeout) {
        this.connector = connector;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
    }

    /** Opens a stream to the target, its frames handled by {@code handler}. */
    Future<Http2StreamChannel> openStream(Channel downstream, UpstreamTarget target, ChannelHandler handler) {
        Promise<Http2StreamChannel> promise = downstream.eventLoop().newPromise();
        for (Connection c : connections.getOrDefault(target, List.of())) {
            if (c.canOpenStream()) {
                return c.open(handler, promise);
            }
        }
        connection(downstream, target).addListener((Future<Connection> ready) -> {
            if (ready.isSuccess()) {
                ready.getNow().open(handler, promise);
            } else {
                promise.setFailure(ready.cause());
            }
        });
        return promise;
    }

    private Future<Connection> connection(Channel downstream, UpstreamTarget target) {
        Promise<Connection> pending = connecting.get(target);
        if (pending != null) {
            return pending;
        }
        Promise<Connection> opened = downstream.eventLoop().newPromise();
        connecting.put(target, opened);
        connector.connect(downstream, target).addListener((ChannelFutureListener) connected -> {
            connecting.remove(target);
            if (connected.isSuccess()) {
                opened.setSuccess(install(connected.channel(), target));
            } else {
                opened.setFailure(connected.cause());
            }
        });
        return opened;
    }

    public static long openConnections() {
        return OPEN.sum();
    }

    private Connection install(Channel channel, UpstreamTarget target) {
        OPEN.increment();
        channel.closeFuture().addListener(closed -> OPEN.decrement());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Windows.settings(limits).pushEnabled(false))
                .encoderEnforceMaxConcurrentStreams(true)
                .validateHeaders(true)
                .build();
        Connection connection = new Connection(channel, target, codec);
        IdleTimeoutHandler.addTo(channel.pipeline(), idleTimeout);
        channel.pipeline().addLast(HandlerNames.H2_CODEC, codec);
        channel.pipeline().addLast(HandlerNames.H2_MULTIPLEX, new Http2MultiplexHandler(new RefusePushes()));
        channel.pipeline().addLast("h2-upstream", connection);
        channel.config().setAutoRead(true);
        connections.computeIfAbsent(target, t -> new ArrayList<>()).add(connection);
        return connection;
    }

    /** One upstream HTTP/2 connection: open while it can take streams, forgotten once it goes away or closes. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final Channel channel;
        private final UpstreamTarget target;
        private final Http2FrameCodec codec;
        private boolean goingAway;

        Connection(Channel channel, UpstreamTarget target, Http2FrameCodec codec) {
            this.channel = channel;
            this.target = target;
            this.codec = codec;
        }

        boolean canOpenStream() {
            return channel.isActive() && !goingAway && codec.connection().local().canOpenStream();
        }

        Future<Http2StreamChannel> open(ChannelHandler handler, Promise<Http2StreamChannel> promise) {
            return new Http2StreamChannelBootstrap(channel).handler(handler).open(promise);
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
            List<Connection> list = connections.get(target);
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
