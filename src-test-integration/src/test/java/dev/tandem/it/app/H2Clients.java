package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FutureListener;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * h2c clients (HTTP/2 with prior knowledge, no TLS) on Netty's frame codec, a child channel per stream: many
 * concurrent streams on one connection, one request that reports resets and GOAWAY, and a large flow-controlled
 * upload.
 */
final class H2Clients {

    private H2Clients() {
    }

    /** {@code ok=<streams answered 200> total=<streams> ms=<elapsed>[ error=<why>]}. */
    static String burst(InetSocketAddress target, int count, String path) {
        long start = System.nanoTime();
        String error = null;
        List<Response> responses = new ArrayList<>();
        try (Connection connection = Connection.open(target)) {
            // Every request goes out before any answer is awaited.
            for (int i = 0; i < count; i++) {
                Response response = new Response(null);
                responses.add(response);
                connection.request(getHeaders(target, path), response);
            }
            CompletableFuture.allOf(responses.stream().map(r -> r.done).toArray(CompletableFuture[]::new))
                    .get(Wire.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            error = Wire.error(e);
        }
        long ok = responses.stream().filter(r -> "200".equals(r.status) && r.complete).count();
        return "ok=" + ok + " total=" + count + " ms=" + Wire.millisSince(start)
                + (error == null ? "" : " error=" + error);
    }

    /** {@code status=<code|none> reset=<RST_STREAM error name|none> goaway=<bool> body=<first line>}. */
    static String get(InetSocketAddress target, String path) {
        String error = null;
        Response response = new Response(null);
        Connection connection = null;
        try {
            connection = Connection.open(target);
            connection.request(getHeaders(target, path), response);
            response.done.get(Wire.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            // A GOAWAY sent after the answer arrives before the answer to a ping sent after it.
            connection.ping();
        } catch (Exception e) {
            error = Wire.error(e);
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
        if (error == null && response.status == null && response.reset == null) {
            error = "closed_without_a_response";
        }
        return "status=" + Wire.word(response.status) + " reset=" + Wire.word(response.reset)
                + " goaway=" + (connection != null && connection.goaway) + " body=" + response.firstLine()
                + (error == null ? "" : " error=" + error);
    }

    /** {@code status=<code|none> echoed=<bool> trailers=<x-request-bytes|none> ms=<elapsed>[ error=<why>]}. */
    static String upload(InetSocketAddress target, long bytes) {
        long start = System.nanoTime();
        String error = null;
        Response response = new Response(new SeededStream(bytes));
        Http2Headers headers = new DefaultHttp2Headers().method("POST").path("/echo").scheme("http")
                .authority(Wire.authority(target)).set("content-type", "application/octet-stream")
                .set("content-length", String.valueOf(bytes));
        try (Connection connection = Connection.open(target)) {
            connection.upload(headers, new SeededStream(bytes), response);
            Wire.await(response.done, response.progress, Wire.TIMEOUT_MS);
        } catch (Exception e) {
            error = Wire.error(e);
        }
        if (error == null && response.status == null) {
            error = response.reset == null ? "closed_without_a_response" : "reset_" + response.reset;
        }
        boolean echoed = response.complete && response.same && response.received == bytes && response.sent == bytes;
        String trailer = response.trailers == null ? null : String.valueOf(response.trailers.get("x-request-bytes"));
        return "status=" + Wire.word(response.status) + " echoed=" + echoed + " trailers=" + Wire.word(trailer)
                + " ms=" + Wire.millisSince(start) + (error == null ? "" : " error=" + error);
    }

    private static Http2Headers getHeaders(InetSocketAddress target, String path) {
        return new DefaultHttp2Headers().method("GET").path(path).scheme("http").authority(Wire.authority(target));
    }

    /** One h2c connection; what arrives on it outside any stream (settings, pings, GOAWAY) is seen here. */
    private static final class Connection extends ChannelInboundHandlerAdapter implements AutoCloseable {
        private Channel channel;
        private volatile boolean goaway;
        private final CompletableFuture<Void> pong = new CompletableFuture<>();

        static Connection open(InetSocketAddress target) throws InterruptedException {
            Connection connection = new Connection();
            connection.channel = Loops.connect(target, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    // Streams beyond the server's MAX_CONCURRENT_STREAMS wait for a slot, as real clients do.
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().encoderEnforceMaxConcurrentStreams(true)
                                    .build(),
                            new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                @Override
                                protected void initChannel(Http2StreamChannel pushed) {
                                    // No server push wanted here.
                                    pushed.close();
                                }
                            }), connection);
                }
            });
            return connection;
        }

        /** Opens a stream and sends {@code headers} as the whole request, without waiting for anything. */
        void request(Http2Headers headers, Response response) {
            new Http2StreamChannelBootstrap(channel).handler(response).open()
                    .addListener((FutureListener<Http2StreamChannel>) opened -> {
                        if (opened.isSuccess()) {
                            opened.getNow().writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
                        } else {
                            response.done.complete(null);
                        }
                    });
        }

        /** Opens a stream, sends {@code headers}, then {@code body} as fast as flow control lets it. */
        void upload(Http2Headers headers, SeededStream body, Response response) throws InterruptedException {
            response.body = body;
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel).handler(response).open().sync().getNow();
            stream.eventLoop().execute(() -> {
                stream.write(new DefaultHttp2HeadersFrame(headers, false));
                response.pump(stream);
            });
        }

        /** Sends a PING and waits (up to 2 s) for its answer or for the connection to end. */
        void ping() throws Exception {
            if (!channel.isActive()) {
                return;
            }
            channel.writeAndFlush(new DefaultHttp2PingFrame(42));
            try {
                CompletableFuture.anyOf(pong, closed()).get(2, TimeUnit.SECONDS);
            } catch (TimeoutException noAnswer) {
                // Nothing more came: what was seen is the answer.
            }
        }

        private CompletableFuture<Void> closed() {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            channel.closeFuture().addListener(f -> closed.complete(null));
            return closed;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                goaway = true;
            } else if (msg instanceof Http2PingFrame ping && ping.ack()) {
                pong.complete(null);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    /** One stream's answer: status, body (checked against a stream, or its first line kept), trailers, reset. */
    private static final class Response extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Wire.Progress progress = new Wire.Progress();
        private final SeededStream expected;
        private final StringBuilder head = new StringBuilder();
        private SeededStream body;
        volatile String status;
        volatile String reset;
        volatile Http2Headers trailers;
        volatile long received;
        volatile long sent;
        volatile boolean same = true;
        volatile boolean complete;

        /** {@code expected}: the stream the body must be, or null to keep its first line. */
        Response(SeededStream expected) {
            this.expected = expected;
        }

        /** Writes the body while the stream is writable (its flow-control window open); resumed when it is again. */
        void pump(Channel stream) {
            if (body == null) {
                return;
            }
            while (stream.isWritable() && body.remaining() > 0) {
                ByteBuf chunk = body.next(stream.alloc());
                sent += chunk.readableBytes();
                stream.write(new DefaultHttp2DataFrame(chunk, body.remaining() == 0));
            }
            if (body.remaining() == 0) {
                body = null;
            }
            stream.flush();
            progress.touch();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pump(ctx.channel());
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            progress.touch();
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    CharSequence code = headers.headers().status();
                    if (status == null && code != null && !code.toString().startsWith("1")) {
                        status = code.toString();
                    } else if (status != null) {
                        trailers = headers.headers();
                    }
                    if (headers.isEndStream()) {
                        finish();
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    ByteBuf content = data.content();
                    received += content.readableBytes();
                    if (expected != null) {
                        same &= expected.matches(content);
                    } else if (head.length() < 1024) {
                        head.append(content.toString(CharsetUtil.UTF_8));
                    }
                    if (data.isEndStream()) {
                        finish();
                    }
                } else if (msg instanceof Http2ResetFrame rst) {
                    onReset(rst);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // RST_STREAM comes as an event, not a read, as it is not flow-controlled.
            if (event instanceof Http2ResetFrame rst) {
                onReset(rst);
            }
            ReferenceCountUtil.release(event);
        }

        private void onReset(Http2ResetFrame rst) {
            Http2Error error = Http2Error.valueOf(rst.errorCode());
            reset = error == null ? String.valueOf(rst.errorCode()) : error.name();
            body = null;
            done.complete(null);
        }

        private void finish() {
            complete = true;
            body = null;
            done.complete(null);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The stream closed: answered, reset, or lost with its connection.
            body = null;
            done.complete(null);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.complete(null);
            ctx.close();
        }

        String firstLine() {
            return Wire.firstLine(head.toString());
        }
    }
}
