package dev.tandem.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sits before the request decoder and times request heads: the clock starts at a head's first byte, as Envoy's
 * request_headers_timeout does, and an idle keep-alive connection is not timed here at all.
 */
final class RequestHeadTimer extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private final Runnable onTimeout;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;

    RequestHeadTimer(Duration timeout, Runnable onTimeout) {
        this.timeout = timeout;
        this.onTimeout = onTimeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaitingHead && timer == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            timer = ctx.executor().schedule(onTimeout, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /** A whole head arrived. */
    void headReceived() {
        awaitingHead = false;
        cancel();
    }

    /** The exchange ended; the next bytes begin another head. */
    void awaitNextHead() {
        awaitingHead = true;
        cancel();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
