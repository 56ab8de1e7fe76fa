package dev.tandem.core.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/** The upstream half of a proxied HTTP/2 stream: hands every event to the client's {@link Http2StreamProxy}. */
final class Http2UpstreamStream extends ChannelInboundHandlerAdapter {

    private final Http2StreamProxy proxy;

    Http2UpstreamStream(Http2StreamProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2StreamFrame frame) {
            proxy.fromUpstream((Http2StreamChannel) ctx.channel(), frame);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        proxy.upstreamReadComplete((Http2StreamChannel) ctx.channel());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            proxy.upstreamWritable((Http2StreamChannel) ctx.channel());
        }
    }

    /** Netty hands a stream's RST_STREAM and the connection's GOAWAY to the stream as events, not reads. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            proxy.fromUpstream((Http2StreamChannel) ctx.channel(), reset);
            return;
        }
        if (evt instanceof Http2GoAwayFrame goAway) {
            proxy.refusedByGoAway((Http2StreamChannel) ctx.channel());
            ReferenceCountUtil.release(goAway);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        proxy.upstreamClosed((Http2StreamChannel) ctx.channel());
        ctx.fireChannelInactive();
    }
}
