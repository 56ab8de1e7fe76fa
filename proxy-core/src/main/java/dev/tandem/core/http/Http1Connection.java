package dev.tandem.core.http;

import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.traffic.Cluster;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled HTTP/1.1 connection to an upstream endpoint. While an exchange holds it, what it reads goes to that
 * exchange; while it idles in the pool, anything it reads, or its close, takes it out of the pool at once, so a
 * connection the upstream closed is never handed to a request.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter {

    /** The exchange using the connection. */
    interface Listener {
        void upstreamMessage(HttpObject message);

        void upstreamReadComplete();

        void upstreamWritabilityChanged();

        /** The connection closed or failed; cause is null for an orderly close. */
        void upstreamClosed(Throwable cause);
    }

    private final Channel channel;
    private final UpstreamTarget target;
    private final Http1Pool pool;
    private final Cluster cluster;
    private Listener listener;
    private boolean keepAlive = true;
    private boolean forgotten;
    private int exchanges;

    Http1Connection(Channel channel, UpstreamTarget target, Http1Pool pool, Cluster cluster) {
        this.channel = channel;
        this.target = target;
        this.pool = pool;
        this.cluster = cluster;
    }

    /** The cluster whose connection limit this connection counts against, or null. */
    Cluster cluster() {
        return cluster;
    }

    int exchanges() {
        return exchanges;
    }

    Channel channel() {
        return channel;
    }

    UpstreamTarget target() {
        return target;
    }

    /** True when an earlier exchange used this connection, so the upstream may have closed it meanwhile. */
    boolean reused() {
        return exchanges > 1;
    }

    boolean usable() {
        return keepAlive && channel.isActive() && !(channel instanceof DuplexChannel duplex && duplex.isInputShutdown());
    }

    /** The upstream or the exchange decided this connection carries no further exchange. */
    void noKeepAlive() {
        keepAlive = false;
    }

    void checkout(Listener exchange) {
        listener = exchange;
        exchanges++;
        channel.config().setAutoRead(true);
    }

    /** Back to the pool, or closed if it cannot be reused. */
    void release() {
        listener = null;
        pool.release(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null && msg instanceof HttpObject message) {
            listener.upstreamMessage(message);
            return;
        }
        // Bytes from an idle connection belong to no request: the connection is no longer trustworthy.
        ReferenceCountUtil.release(msg);
        keepAlive = false;
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.upstreamWritabilityChanged();
        }
    }

    /**
     * The upstream sent its FIN. The decoder before this handler has already ended a response delimited by the close,
     * so whatever exchange still waits will get nothing more: closing lets it fail, or retry, at once.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            keepAlive = false;
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        keepAlive = false;
        Listener l = listener;
        listener = null;
        ctx.close();
        if (l != null) {
            l.upstreamClosed(cause);
        }
    }

    /** Taken out of the pipeline for an upgrade: the connection is a tunnel now, no longer the pool's. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        leavePool();
    }

    private void leavePool() {
        if (!forgotten) {
            forgotten = true;
            pool.forget(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        keepAlive = false;
        leavePool();
        Listener l = listener;
        listener = null;
        if (l != null) {
            l.upstreamClosed(null);
        }
    }
}
