package dev.tandem.core.relay;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.HandlerNames;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;

/**
 * Joins a downstream connection and its upstream connection into one byte stream each way, with backpressure,
 * half-close and reset carried across. Both channels must share one event loop.
 */
public final class Relay {

    private Relay() {
    }

    /** Starts relaying between two connected channels whose auto-read is off. */
    public static void join(Channel downstream, Channel upstream) {
        ConnectionContext context = ConnectionContext.of(downstream);
        downstream.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(upstream, context, true));
        upstream.pipeline().addLast(HandlerNames.RELAY, new RelayHandler(downstream, context, false));
        resumeReading(downstream);
        resumeReading(upstream);
    }

    /**
     * Turns auto-read back on, unless the peer already sent its FIN: there is nothing more to read then, and the
     * native transport no longer watches the socket for reads.
     */
    static void resumeReading(Channel channel) {
        if (!(channel instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
            channel.config().setAutoRead(true);
        }
    }

    /** Closes with a TCP reset rather than a FIN, so the peer sees an abort, as it would without the proxy. */
    public static void reset(Channel channel) {
        if (channel.isOpen()) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (ChannelException alreadyGone) {
                // The socket is closing anyway; a plain close is all that is left.
            }
            channel.close();
        }
    }

    /** Sends a FIN once every byte written before it has left. */
    static void shutdownOutputAfterPending(Channel channel) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess() && channel instanceof DuplexChannel duplex && channel.isActive()) {
                duplex.shutdownOutput().addListener((ChannelFutureListener) shut -> closeIfFullyShut(channel));
            }
        });
    }

    /** A connection that has both sent and received a FIN has nothing left to do. */
    static void closeIfFullyShut(Channel channel) {
        if (channel instanceof DuplexChannel duplex && duplex.isInputShutdown() && duplex.isOutputShutdown()) {
            channel.close();
        }
    }

    /** Flushes what is pending, then closes. */
    static void closeAfterPending(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
