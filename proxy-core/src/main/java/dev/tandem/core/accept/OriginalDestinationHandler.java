package dev.tandem.core.accept;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.origdst.OriginalDestination;
import dev.tandem.core.relay.Relay;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of every intercepted connection: learns where it was headed, refuses it when that would loop back into
 * the proxy, and otherwise passes {@code channelActive} on with the destination in the {@link ConnectionContext}.
 */
@Sharable
public final class OriginalDestinationHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(OriginalDestinationHandler.class);

    private final String listener;
    private final OriginalDestination lookup;
    private final Predicate<OrigDstAddr> loops;

    public OriginalDestinationHandler(String listener, OriginalDestination lookup, Predicate<OrigDstAddr> loops) {
        this.listener = listener;
        this.lookup = lookup;
        this.loops = loops;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ConnectionContext connection = ConnectionContext.attach(ctx.channel(), listener);
        OrigDstAddr destination;
        try {
            destination = lookup.resolve(ctx.channel());
        } catch (IOException e) {
            connection.fail(ResponseFlag.NR, e.getMessage());
            log.warn("{}: refused {}: {}", listener, connection.client(), e.getMessage());
            Relay.reset(ctx.channel());
            return;
        }
        connection.origDst(destination);
        if (loops.test(destination)) {
            connection.fail(ResponseFlag.NR, "destination is the proxy itself");
            log.warn("{}: refused {}: destination {} is one of the proxy's own listeners and would loop",
                    listener, connection.client(), destination);
            Relay.reset(ctx.channel());
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
