package dev.tandem.core.tcp;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.relay.Relay;
import dev.tandem.core.telemetry.TrafficReporter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The L4 stage: opens the upstream connection for the connection's destination and, once it is up, hands both to a
 * {@link Relay}. A failed connect resets the client at once, as the kernel would have, rather than after retries.
 *
 * <p>Auto-read is off while connecting, but a client that sends and half-closes at once still has its bytes read
 * (the transport reads on a peer's FIN). Those bytes and the FIN are held here and passed to the relay, in order,
 * once it is in place.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final UpstreamConnector connector;
    private final TcpRouter router;
    private final Queue<Object> held = new ArrayDeque<>();
    private boolean inputShutdown;
    private ChannelFuture connecting;
    private boolean started;

    public TcpProxyHandler(UpstreamConnector connector, TcpRouter router) {
        this.connector = connector;
        this.router = router;
    }

    /** Added after the destination is known (by protocol detection): start at once. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ConnectionContext context = ConnectionContext.of(ctx.channel());
        if (context != null && context.origDst() != null) {
            connect(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connect(ctx);
    }

    private void connect(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        Channel downstream = ctx.channel();
        ConnectionContext context = ConnectionContext.of(downstream);
        TcpRouter.Decision decision = router.route(context.origDst());
        TrafficReporter reporter = context.reporter();
        int port = context.origDst().port();
        context.routed(decision.cluster() != null ? decision.cluster() : reporter.directCluster(port),
                decision.service() != null ? decision.service()
                        : reporter.outbound() ? context.origDst().address().getAddress().getHostAddress() : null);
        reporter.tcpOpened(context);
        downstream.closeFuture().addListener(closed -> reporter.tcpClosed(context));
        if (decision.refusal() != null) {
            context.fail(decision.refusal(), decision.detail());
            log.warn("{}: refused: {} ({})", context, decision.detail(), decision.refusal());
            releaseHeld();
            Relay.reset(downstream);
            return;
        }
        downstream.closeFuture().addListener(closed -> decision.release().run());
        UpstreamTarget target = decision.target();
        connecting = connector.connect(downstream, target);
        connecting.addListener((ChannelFutureListener) connected -> {
            decision.connected().accept(connected.isSuccess());
            if (connected.isSuccess()) {
                context.upstreamConnected(connected.channel().localAddress(), connected.channel().remoteAddress());
            }
            if (!connected.isSuccess()) {
                context.fail(ResponseFlag.UF, connected.cause().getMessage());
                log.warn("{}: upstream {} failed: {}", context, target, connected.cause().getMessage());
                releaseHeld();
                Relay.reset(downstream);
                return;
            }
            if (!downstream.isActive()) {
                connected.channel().close();
                return;
            }
            reporter.tcpConnected(context);
            // The relay goes in behind this handler, so what is replayed from here reaches it; then this stage leaves.
            Relay.join(downstream, connected.channel());
            replayHeld(ctx);
            ctx.pipeline().remove(this);
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Held until the relay exists; replayHeld ends with a read-complete of its own.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputShutdown = true;
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionContext.of(ctx.channel()).fail(ResponseFlag.DC, String.valueOf(cause.getMessage()));
        cancel();
        releaseHeld();
        Relay.reset(ctx.channel());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        releaseHeld();
        ctx.fireChannelInactive();
    }

    private void replayHeld(ChannelHandlerContext ctx) {
        boolean any = !held.isEmpty();
        for (Object msg; (msg = held.poll()) != null; ) {
            ctx.fireChannelRead(msg);
        }
        if (any) {
            ctx.fireChannelReadComplete();
        }
        if (inputShutdown) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    private void cancel() {
        if (connecting != null && !connecting.isDone()) {
            connecting.channel().close();
        }
    }

    private void releaseHeld() {
        for (Object msg; (msg = held.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
    }
}
