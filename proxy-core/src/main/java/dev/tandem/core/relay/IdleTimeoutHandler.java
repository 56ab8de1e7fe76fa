package dev.tandem.core.relay;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.HandlerNames;
import dev.tandem.core.ResponseFlag;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a downstream connection after no bytes moved in either direction for the idle timeout. It sits on the
 * downstream channel, which sees both what the client sends and what the relay writes back.
 */
public final class IdleTimeoutHandler extends IdleStateHandler {

    /** Adds the handler, under its name, unless the timeout is zero (never). */
    public static void addTo(ChannelPipeline pipeline, Duration timeout) {
        if (!timeout.isZero()) {
            pipeline.addLast(HandlerNames.IDLE_TIMEOUT, new IdleTimeoutHandler(timeout));
        }
    }

    public IdleTimeoutHandler(Duration timeout) {
        super(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.ALL_IDLE) {
            ConnectionContext context = ConnectionContext.of(ctx.channel());
            if (context != null) {
                context.fail(ResponseFlag.IDLE, "no bytes either way for " + getAllIdleTimeInMillis() + " ms");
            }
            ctx.close();
        }
    }
}
