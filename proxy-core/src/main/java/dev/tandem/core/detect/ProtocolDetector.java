package dev.tandem.core.detect;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.detect.Detection.Detected;
import dev.tandem.core.relay.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Peeks at a connection's first bytes to learn its protocol, then puts that protocol's stage in its own place and
 * hands it the bytes read so far, unchanged and uncopied. A destination declared opaque skips detection; a client that sends
 * nothing within the detection timeout is relayed as TCP (the server may be the one to speak first). A client that
 * started an HTTP request and stalls before its protocol is certain goes to the HTTP/1 stage, whose head timeout
 * answers it.
 */
public final class ProtocolDetector extends ChannelInboundHandlerAdapter {

    /** Installs the stage for a protocol, after the detector, in a connection's pipeline. */
    @FunctionalInterface
    public interface Stages {
        void install(Protocol protocol, ChannelPipeline pipeline);
    }

    private final Stages stages;
    private final Predicate<OrigDstAddr> opaque;
    private final Duration firstByteTimeout;
    private final Duration decisionTimeout;
    private ByteBuf received;
    private ScheduledFuture<?> timer;
    private boolean inputShutdown;
    private boolean decided;

    /**
     * @param opaque which destinations are TCP without detection (by port, or by configuration)
     * @param firstByteTimeout how long to wait for a client's first byte before relaying as TCP
     * @param decisionTimeout how long a client that started to send may take to reveal its protocol
     */
    public ProtocolDetector(Stages stages, Predicate<OrigDstAddr> opaque, Duration firstByteTimeout,
            Duration decisionTimeout) {
        this.stages = stages;
        this.opaque = opaque;
        this.firstByteTimeout = firstByteTimeout;
        this.decisionTimeout = decisionTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ConnectionContext connection = ConnectionContext.of(ctx.channel());
        if (opaque.test(connection.origDst())) {
            decide(ctx, Detected.TCP);
            return;
        }
        timer = ctx.executor().schedule(() -> decide(ctx, Detected.TCP), firstByteTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (received == null) {
            received = bytes;
            timer.cancel(false);
            timer = ctx.executor().schedule(() -> settle(ctx), decisionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            received = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, bytes);
        }
        Detected detected = Detection.examine(received);
        if (detected == null && received.readableBytes() >= Detection.MAX_BYTES) {
            detected = Detected.TCP;
        }
        if (detected != null) {
            decide(ctx, detected);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!decided) {
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && !decided) {
            // The client finished sending: what it sent is all there is to judge by.
            inputShutdown = true;
            settle(ctx);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        release();
        Relay.reset(ctx.channel());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    /** No more bytes to judge by, for now or for good. */
    private void settle(ChannelHandlerContext ctx) {
        decide(ctx, received == null ? Detected.TCP : Detection.settle(received));
    }

    private void decide(ChannelHandlerContext ctx, Detected detected) {
        if (decided || !ctx.channel().isActive()) {
            return;
        }
        decided = true;
        if (timer != null) {
            timer.cancel(false);
        }
        ConnectionContext.of(ctx.channel()).detected(detected.protocol(), detected.sni());
        stages.install(detected.protocol(), ctx.pipeline());
        ByteBuf bytes = received;
        received = null;
        if (bytes != null) {
            ctx.fireChannelRead(bytes);
            ctx.fireChannelReadComplete();
        }
        if (inputShutdown) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        ctx.pipeline().remove(this);
    }

    private void release() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (received != null) {
            ReferenceCountUtil.release(received);
            received = null;
        }
    }
}
