package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.lifecycle.Drain;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * The HTTP/2 (h2c) server stage of an intercepted connection: Netty's frame codec and a child channel per stream, each
 * stream proxied by its own {@link Http2StreamProxy} to a stream on a pooled upstream connection. The connection
 * reads all the time; each stream's flow control, not the socket, holds back a sender the other side cannot keep up
 * with. When the proxy drains, the client gets a GOAWAY, so that it opens no more streams here, and the connection
 * closes once the streams it has are done.
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
        Channel channel = pipeline.channel();
        Drain.of(channel).whenStarted(channel, () -> goAway(codec, channel));
        channel.config().setAutoRead(true);
    }

    /**
     * GOAWAY (NO_ERROR, naming the last stream the client opened), then the close once no stream is left. Not Netty's
     * graceful close: the codec gives open streams no grace, and the drain's end must still be able to close at once.
     */
    private static void goAway(Http2FrameCodec codec, Channel channel) {
        Http2Connection connection = codec.connection();
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (connection.numActiveStreams() == 0) {
                    channel.close();
                }
            }
        });
        channel.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)).addListener(sent -> {
            if (connection.numActiveStreams() == 0) {
                channel.close();
            }
        });
    }
}
