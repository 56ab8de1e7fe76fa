package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * The HTTP/2 (h2c) server stage of an intercepted connection: Netty's frame codec and a child channel per stream, each
 * stream proxied by its own {@link Http2StreamProxy} to a stream on a pooled upstream connection. The connection
 * reads all the time; each stream's flow control, not the socket, holds back a sender the other side cannot keep up
 * with.
 */
public final class Http2ServerStage {

    private Http2ServerStage() {
    }

    public static void install(ChannelPipeline pipeline, HttpRouter router, PerLoop<Http2Pool> pools, HttpLimits limits) {
        var codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Windows.settings(limits))
                .validateHeaders(true)
                .build();
        Http2Pool pool = pools.of(pipeline.channel().eventLoop());
        pipeline.addLast(HandlerNames.H2_CODEC, codec);
        pipeline.addLast(HandlerNames.H2_MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(HandlerNames.H2_STREAM, new Http2StreamProxy(router, pool, limits));
            }
        }));
        pipeline.channel().config().setAutoRead(true);
    }
}
