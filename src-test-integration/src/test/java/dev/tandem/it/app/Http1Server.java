package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * An HTTP/1.1 origin on Netty's codec, without aggregation: bodies stream through in both directions with
 * backpressure, keep-alive as the client asks. It counts connections and requests and remembers what it was asked,
 * so a test can tell what reached the application and what the sidecar answered itself.
 *
 * <ul>
 *   <li>{@code GET /peer}: one line naming the peer and the request headers a proxy may add, strip or pass on;</li>
 *   <li>{@code POST /echo}: the body back as it comes (chunked if it came chunked, with the body's SHA-256 and
 *       length as trailers; else the same Content-Length), after a {@code 100 Continue} if asked;</li>
 *   <li>{@code GET /bytes?n=N}: N bytes of {@link SeededStream}, chunked, SHA-256 in the trailer;</li>
 *   <li>{@code GET /delay?ms=M}: {@code slept} after M ms; {@code GET /close}: {@code bye}, then closes.</li>
 * </ul>
 */
final class Http1Server implements AutoCloseable {

    /** What one request asked for. */
    record Request(String method, String target, String marker) {
    }

    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Request> seen = new CopyOnWriteArrayList<>();
    private final Channel server;

    private Http1Server(int port) throws InterruptedException {
        server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.incrementAndGet();
                // A client may half-close after its request and still wait for the answer.
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new Exchange());
            }
        });
    }

    static Http1Server listen(int port) throws InterruptedException {
        return new Http1Server(port);
    }

    /** {@code connections=<accepted tcp connections> requests=<requests seen>}. */
    String stats() {
        return "connections=" + connections.get() + " requests=" + requests.get();
    }

    /** The {@code x-test-marker} values of the requests seen, in order, comma-separated. */
    String markers() {
        return seen.stream().map(Request::marker).filter(m -> m != null).collect(Collectors.joining(","));
    }

    /** The requests seen, in order, as {@code METHOD target} joined by commas (spaces as underscores). */
    String requests() {
        return seen.stream().map(r -> r.method() + "_" + r.target()).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** The HTTP exchanges of one connection, one at a time. */
    private final class Exchange extends ChannelInboundHandlerAdapter {

        /** The echo whose request body is still arriving, if any. */
        private Echo echo;
        /** The generated body still being sent, if any. */
        private Pump pump;
        /** Requests whose response is not yet completely written. */
        private int unanswered;
        /** The client half-closed: close once every answer is out. */
        private boolean inputShutdown;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                onRequest(ctx, request);
            }
            if (msg instanceof HttpContent content) {
                if (echo != null) {
                    echo.content(ctx, content);
                } else {
                    content.release();
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
            requests.incrementAndGet();
            unanswered++;
            seen.add(new Request(request.method().name(), request.uri(), request.headers().get("x-test-marker")));
            if (request.decoderResult().isFailure()) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request", false);
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String route = request.method().name() + " " + uri.path();
            try {
                route(ctx, request, uri, route);
            } catch (NumberFormatException e) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad number: " + e.getMessage(), true);
            }
        }

        private void route(ChannelHandlerContext ctx, HttpRequest request, QueryStringDecoder uri, String route) {
            switch (route) {
                case "GET /peer" -> respond(ctx, request, HttpResponseStatus.OK, peerLine(ctx, request), true);
                case "POST /echo" -> echo = new Echo(ctx, request);
                case "GET /bytes" -> {
                    pump = new Pump(ctx, request, Long.parseLong(param(uri, "n", "0")));
                    pump.resume(ctx);
                }
                case "GET /delay" -> ctx.executor().schedule(
                        () -> respond(ctx, request, HttpResponseStatus.OK, "slept", true),
                        Long.parseLong(param(uri, "ms", "0")), TimeUnit.MILLISECONDS);
                case "GET /close" -> respond(ctx, request, HttpResponseStatus.OK, "bye", false);
                default -> respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: " + route, true);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                inputShutdown = true;
                if (unanswered == 0) {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(event);
        }

        /** The last write of a response: once it is out, a half-closed connection has nothing more to wait for. */
        private void answered(ChannelFuture lastWrite) {
            unanswered--;
            if (inputShutdown && unanswered <= 0) {
                lastWrite.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
                if (pump != null) {
                    pump.resume(ctx);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset by the peer mid-body is a normal end here: noted, and the connection closed.
            Wire.log("http1-server", cause);
            ctx.close();
        }

        /** A whole small response; HttpServerKeepAliveHandler closes afterwards when either side asked for it. */
        private void respond(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String text,
                boolean keepAlive) {
            ByteBuf body = Unpooled.copiedBuffer(text + "\n", CharsetUtil.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(response, body.readableBytes());
            // A client waiting for 100 Continue that gets a final answer may or may not send its body: the
            // connection cannot be trusted to be at a message boundary any more.
            if (!keepAlive || HttpUtil.is100ContinueExpected(request)) {
                HttpUtil.setKeepAlive(response, false);
            }
            answered(ctx.writeAndFlush(response));
        }

        /** Streams a request body back as it arrives. */
        private final class Echo {
            private final boolean chunked;
            private final MessageDigest sha256 = sha256();
            private long bytes;

            Echo(ChannelHandlerContext ctx, HttpRequest request) {
                if (HttpUtil.is100ContinueExpected(request)) {
                    // Sent here rather than by an aggregator: the body is only read once the client has this.
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                            Unpooled.EMPTY_BUFFER));
                }
                chunked = HttpUtil.isTransferEncodingChunked(request)
                        && request.protocolVersion().equals(HttpVersion.HTTP_1_1);
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                if (chunked) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                    response.headers().set(HttpHeaderNames.TRAILER, "x-body-sha256, x-request-bytes");
                } else {
                    HttpUtil.setContentLength(response, HttpUtil.getContentLength(request, 0L));
                }
                ctx.write(response);
            }

            /** Passes one piece of the body on; takes ownership of {@code content}. */
            void content(ChannelHandlerContext ctx, HttpContent content) {
                ByteBuf data = content.content();
                sha256.update(data.nioBuffer());
                bytes += data.readableBytes();
                if (content instanceof LastHttpContent) {
                    // The request's own trailers are dropped with the wrapper; the data goes on in ours.
                    LastHttpContent last = new DefaultLastHttpContent(data);
                    if (chunked) {
                        HttpHeaders trailers = last.trailingHeaders();
                        trailers.set("x-body-sha256", ByteBufUtil.hexDump(sha256.digest()));
                        trailers.set("x-request-bytes", bytes);
                    }
                    answered(ctx.writeAndFlush(last));
                    echo = null;
                } else {
                    ctx.write(new DefaultHttpContent(data));
                    if (!ctx.channel().isWritable()) {
                        // Backpressure: stop reading the request until the response drains.
                        ctx.channel().config().setAutoRead(false);
                    }
                }
            }
        }

        /** Sends a generated body as fast as the connection takes it, and no faster. */
        private final class Pump {
            private final SeededStream stream;
            private final boolean chunked;
            private final MessageDigest sha256 = sha256();

            Pump(ChannelHandlerContext ctx, HttpRequest request, long length) {
                stream = new SeededStream(length);
                // An HTTP/1.0 client cannot take chunks: it gets the length instead, and no trailer.
                chunked = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                if (chunked) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                    response.headers().set(HttpHeaderNames.TRAILER, "x-body-sha256");
                } else {
                    HttpUtil.setContentLength(response, length);
                }
                ctx.write(response);
            }

            /** Writes while the connection is writable; called again when it becomes writable. */
            void resume(ChannelHandlerContext ctx) {
                while (ctx.channel().isWritable() && stream.remaining() > 0) {
                    ByteBuf chunk = stream.next(ctx.alloc());
                    sha256.update(chunk.nioBuffer());
                    ctx.write(new DefaultHttpContent(chunk));
                }
                if (stream.remaining() == 0) {
                    LastHttpContent last = new DefaultLastHttpContent();
                    if (chunked) {
                        last.trailingHeaders().set("x-body-sha256", ByteBufUtil.hexDump(sha256.digest()));
                    }
                    answered(ctx.write(last));
                    pump = null;
                }
                ctx.flush();
            }
        }
    }

    /** The {@code /peer} line: who connected, and the headers a proxy is expected to add, strip or keep. */
    private static String peerLine(ChannelHandlerContext ctx, HttpRequest request) {
        HttpHeaders h = request.headers();
        return "peer=" + Wire.ip(ctx.channel().remoteAddress())
                + " request-id=" + header(h, "x-request-id")
                + " traceparent=" + header(h, "traceparent")
                + " tracestate=" + header(h, "tracestate")
                + " b3=" + header(h, "x-b3-traceid")
                + " connection=" + header(h, "connection")
                + " te=" + header(h, "te")
                + " keep-alive=" + header(h, "keep-alive")
                + " version=" + request.protocolVersion().text();
    }

    /** All values of a header joined by commas, as one reply word. */
    static String header(HttpHeaders headers, String name) {
        List<String> values = headers.getAll(name);
        return Wire.word(String.join(",", values));
    }

    private static String param(QueryStringDecoder uri, String name, String otherwise) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? otherwise : values.get(0);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
