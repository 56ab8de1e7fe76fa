package dev.tandem.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Sits before the request decoder and times request heads: the clock starts at a head's first byte, as Envoy's
 * request_headers_timeout does, and an idle keep-alive connection is not timed here at all. A head pipelined behind
 * the previous request, part of it read already, is timed from the moment that request's exchange ends.
 */
final class RequestHeadTimer extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private final Runnable onTimeout;
    private final BooleanSupplier partialHeadHeld;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;

    /** @param partialHeadHeld whether the decoder after this holds part of a head already */
    RequestHeadTimer(Duration timeout, Runnable onTimeout, BooleanSupplier partialHeadHeld) {
        this.timeout = timeout;
        this.onTimeout = onTimeout;
        this.partialHeadHeld = partialHeadHeld;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            start();
        }
        ctx.fireChannelRead(msg);
    }

    private void start() {
        if (awaitingHead && timer == null) {
            timer = ctx.executor().schedule(onTimeout, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
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
        if (partialHeadHeld.getAsBoolean()) {
            start();
        }
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
