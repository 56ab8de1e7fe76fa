package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An h2c origin (HTTP/2 with prior knowledge, no TLS) on Netty's frame codec, a child channel per stream. It counts
 * connections and streams and the most streams it had open at once, to show what a proxy multiplexes and how much.
 *
 * <ul>
 *   <li>{@code GET /peer}: as the HTTP/1.1 server's, with {@code version=HTTP/2};</li>
 *   <li>{@code POST /echo}: the body back as it comes, then trailers {@code x-request-bytes} and
 *       {@code x-body-sha256};</li>
 *   <li>{@code GET /bytes?n=N}: N bytes of {@link SeededStream}, trailer {@code x-body-sha256};</li>
 *   <li>{@code GET /delay?ms=M}: {@code slept} after M ms, to hold streams open at once;</li>
 *   <li>{@code GET /reset}: headers, then RST_STREAM CANCEL; {@code GET /goaway}: 200, then GOAWAY NO_ERROR.</li>
 * </ul>
 */
final class H2Server implements AutoCloseable {

    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private final List<String> peers = new CopyOnWriteArrayList<>();
    private final Channel server;

    private H2Server(int port) throws InterruptedException {
        server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.incrementAndGet();
                peers.add(Wire.ip(ch.remoteAddress()));
                ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                        new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(new Stream());
                            }
                        }), new ConnectionTail());
            }
        });
    }

    static H2Server listen(int port) throws InterruptedException {
        return new H2Server(port);
    }

    /** {@code streams=<total> max-concurrent=<most open at once> connections=<tcp connections>}. */
    String stats() {
        return "streams=" + streams.get() + " max-concurrent=" + maxConcurrent.get() + " connections="
                + connections.get();
    }

    /** The peers of the connections accepted, in order, comma-separated. */
    String peers() {
        return String.join(",", peers);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** One stream: one request and its answer. */
    private final class Stream extends ChannelInboundHandlerAdapter {

        private boolean requested;
        private MessageDigest echoSha;
        private long echoBytes;
        private SeededStream pump;
        private MessageDigest pumpSha;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            streams.incrementAndGet();
            maxConcurrent.accumulateAndGet(open.incrementAndGet(), Math::max);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame headers) {
                if (!requested) {
                    requested = true;
                    onRequest(ctx, headers.headers(), headers.isEndStream());
                } else if (headers.isEndStream() && echoSha != null) {
                    // The request's trailers: the body is complete.
                    finishEcho(ctx, Unpooled.EMPTY_BUFFER);
                }
            } else if (msg instanceof Http2DataFrame data) {
                if (echoSha == null) {
                    data.release();
                } else if (data.isEndStream()) {
                    finishEcho(ctx, data.content());
                } else {
                    echo(ctx, data.content());
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, Http2Headers request, boolean endStream) {
            QueryStringDecoder uri = new QueryStringDecoder(String.valueOf(request.path()));
            String route = request.method() + " " + uri.path();
            switch (route) {
                case "GET /peer" -> respond(ctx, "200", peerLine(ctx, request));
                case "POST /echo" -> {
                    echoSha = Http1Server.sha256();
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                            .set("content-type", "application/octet-stream")));
                    if (endStream) {
                        finishEcho(ctx, Unpooled.EMPTY_BUFFER);
                    }
                }
                case "GET /bytes" -> {
                    List<String> n = uri.parameters().get("n");
                    pump = new SeededStream(n == null ? 0 : Long.parseLong(n.get(0)));
                    pumpSha = Http1Server.sha256();
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                            .set("content-type", "application/octet-stream")));
                    resumePump(ctx);
                }
                case "GET /delay" -> {
                    List<String> ms = uri.parameters().get("ms");
                    ctx.executor().schedule(() -> respond(ctx, "200", "slept"),
                            ms == null ? 0 : Long.parseLong(ms.get(0)), TimeUnit.MILLISECONDS);
                }
                case "GET /reset" -> {
                    ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
                    // A code the proxy never sends of its own accord, so the client seeing it proves it was passed on.
                    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.ENHANCE_YOUR_CALM));
                }
                case "GET /goaway" -> {
                    respond(ctx, "200", "goaway");
                    // The codec sets the last stream id to the last stream the client opened: this one.
                    ctx.channel().parent().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                }
                default -> respond(ctx, "404", "not found: " + route);
            }
        }

        private void respond(ChannelHandlerContext ctx, String status, String text) {
            ByteBuf body = Unpooled.copiedBuffer(text + "\n", CharsetUtil.UTF_8);
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(status)
                    .set("content-type", "text/plain; charset=utf-8")
                    .setInt("content-length", body.readableBytes())));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
        }

        /** Passes a piece of the request body back; stops reading (and so granting window) while it is unsent. */
        private void echo(ChannelHandlerContext ctx, ByteBuf data) {
            echoSha.update(data.nioBuffer());
            echoBytes += data.readableBytes();
            ctx.write(new DefaultHttp2DataFrame(data, false));
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        private void finishEcho(ChannelHandlerContext ctx, ByteBuf last) {
            if (last.isReadable()) {
                echo(ctx, last);
            } else {
                last.release();
            }
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                    .set("x-request-bytes", String.valueOf(echoBytes))
                    .set("x-body-sha256", ByteBufUtil.hexDump(echoSha.digest())), true));
            echoSha = null;
        }

        private void resumePump(ChannelHandlerContext ctx) {
            while (ctx.channel().isWritable() && pump.remaining() > 0) {
                ByteBuf chunk = pump.next(ctx.alloc());
                pumpSha.update(chunk.nioBuffer());
                ctx.write(new DefaultHttp2DataFrame(chunk, false));
            }
            if (pump.remaining() == 0) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                        .set("x-body-sha256", ByteBufUtil.hexDump(pumpSha.digest())), true));
                pump = null;
            }
            ctx.flush();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
                if (pump != null) {
                    resumePump(ctx);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("h2-server stream", cause);
            ctx.close();
        }
    }

    /** Connection-level frames (settings, pings) end here; a connection error (not h2, say) closes quietly. */
    private static final class ConnectionTail extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("h2-server connection", cause);
            ctx.close();
        }
    }

    private static String peerLine(ChannelHandlerContext ctx, Http2Headers h) {
        return "peer=" + Wire.ip(ctx.channel().parent().remoteAddress())
                + " request-id=" + header(h, "x-request-id")
                + " traceparent=" + header(h, "traceparent")
                + " tracestate=" + header(h, "tracestate")
                + " b3=" + header(h, "x-b3-traceid")
                + " connection=" + header(h, "connection")
                + " te=" + header(h, "te")
                + " keep-alive=" + header(h, "keep-alive")
                + " version=HTTP/2";
    }

    private static String header(Http2Headers headers, String name) {
        List<CharSequence> values = headers.getAll(name);
        return Wire.word(String.join(",", values));
    }
}
