package dev.tandem.core.relay;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a relay: what this channel reads is written to the peer. Reading pauses while the peer cannot take
 * more and resumes when it drains; a FIN is passed on after the bytes before it; an error resets both sides.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final Channel peer;
    private final ConnectionContext context;
    private final boolean readsDownstream;
    private boolean unflushed;

    RelayHandler(Channel peer, ConnectionContext context, boolean readsDownstream) {
        this.peer = peer;
        this.context = context;
        this.readsDownstream = readsDownstream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            int bytes = buf.readableBytes();
            if (readsDownstream) {
                context.countFromDownstream(bytes);
                context.reporter().tcpBytes(context, bytes, 0);
            } else {
                context.countFromUpstream(bytes);
                context.reporter().tcpBytes(context, 0, bytes);
            }
        }
        // A failed write releases the buffer and surfaces as exceptionCaught on the peer's relay handler.
        peer.write(msg, peer.voidPromise());
        unflushed = true;
        if (!peer.isWritable() && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            context.countPause();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) {
            unflushed = false;
            peer.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side drained what the peer sent it: the peer may read again.
        if (ctx.channel().isWritable()) {
            Relay.resumeReading(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            Relay.shutdownOutputAfterPending(peer);
            Relay.closeIfFullyShut(ctx.channel());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        context.fail(readsDownstream ? ResponseFlag.DC : ResponseFlag.UC, String.valueOf(cause.getMessage()));
        log.debug("{}: {} side failed, resetting both: {}", context, readsDownstream ? "downstream" : "upstream",
                cause.toString(), cause);
        Relay.reset(peer);
        Relay.reset(ctx.channel());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Relay.closeAfterPending(peer);
        ctx.fireChannelInactive();
    }
}
