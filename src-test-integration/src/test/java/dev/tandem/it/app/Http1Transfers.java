package dev.tandem.it.app;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Large HTTP/1.1 transfers on Netty's client codec, streaming both ways in bounded memory: an upload to
 * {@code POST /echo} (chunked, with Content-Length, or with Content-Length and {@code Expect: 100-continue}) whose
 * echo is checked against what was sent, and a download of {@code GET /bytes} checked against the expected stream.
 * Both give up after {@link Wire#TIMEOUT_MS} without progress, not after a fixed time, so 1 GiB may take its time.
 */
final class Http1Transfers {

    /** How long an {@code expect} upload waits for {@code 100 Continue} before it sends the body anyway, as curl. */
    static final long EXPECT_FALLBACK_MS = 2_000;

    private Http1Transfers() {
    }

    /** {@code status=<code|none> sent=<n> received=<n> echoed=<bool> got100=<bool> ms=<elapsed>[ error=<why>]}. */
    static String upload(InetSocketAddress target, long bytes, String mode) {
        if (!mode.equals("chunked") && !mode.equals("length") && !mode.equals("expect")) {
            throw new IllegalArgumentException("mode must be chunked, length or expect: " + mode);
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo");
        request.headers().set(HttpHeaderNames.HOST, Wire.authority(target));
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        if (mode.equals("chunked")) {
            HttpUtil.setTransferEncodingChunked(request, true);
        } else {
            HttpUtil.setContentLength(request, bytes);
        }
        if (mode.equals("expect")) {
            HttpUtil.set100ContinueExpected(request, true);
        }
        Transfer transfer = new Transfer(request, new SeededStream(bytes), bytes);
        transfer.run(target);
        return "status=" + transfer.status() + " sent=" + transfer.sent + " received=" + transfer.received
                + " echoed=" + (transfer.intact() && transfer.sent == bytes) + " got100=" + transfer.got100
                + " ms=" + transfer.millis + transfer.error();
    }

    /** {@code status=<code|none> received=<n> intact=<bool> ms=<elapsed>[ error=<why>]}. */
    static String download(InetSocketAddress target, long bytes) {
        HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bytes?n=" + bytes);
        request.headers().set(HttpHeaderNames.HOST, Wire.authority(target));
        Transfer transfer = new Transfer(request, null, bytes);
        transfer.run(target);
        return "status=" + transfer.status() + " received=" + transfer.received + " intact=" + transfer.intact()
                + " ms=" + transfer.millis + transfer.error();
    }

    /** One request on its own connection: sends the body (if any) as the connection drains, checks the response. */
    private static final class Transfer extends ChannelInboundHandlerAdapter {
        private final HttpRequest request;
        private final SeededStream body;
        private final SeededStream expected;
        private final long expectedLength;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final Wire.Progress progress = new Wire.Progress();

        private boolean sending;
        private boolean interim;
        private volatile int status;
        private volatile boolean got100;
        private volatile long sent;
        private volatile long received;
        private volatile boolean same = true;
        private volatile boolean complete;
        private volatile String failure;
        private long millis;

        /** {@code body} null: no request body. The response must be the stream of {@code expectedLength} bytes. */
        Transfer(HttpRequest request, SeededStream body, long expectedLength) {
            this.request = request;
            this.body = body;
            this.expected = new SeededStream(expectedLength);
            this.expectedLength = expectedLength;
        }

        void run(InetSocketAddress target) {
            long start = System.nanoTime();
            Channel channel = null;
            try {
                channel = Loops.connect(target, new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), Transfer.this);
                    }
                });
                progress.touch();
                Wire.await(done, progress, Wire.TIMEOUT_MS);
            } catch (Exception e) {
                if (failure == null) {
                    failure = Wire.error(e);
                }
            } finally {
                millis = Wire.millisSince(start);
                if (channel != null) {
                    channel.close().syncUninterruptibly();
                }
            }
        }

        String status() {
            return status == 0 ? "none" : String.valueOf(status);
        }

        boolean intact() {
            return complete && same && received == expectedLength;
        }

        String error() {
            return failure == null ? "" : " error=" + failure;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(request);
            if (body == null) {
                return;
            }
            if (HttpUtil.is100ContinueExpected(request)) {
                ctx.executor().schedule(() -> startBody(ctx), EXPECT_FALLBACK_MS, TimeUnit.MILLISECONDS);
            } else {
                startBody(ctx);
            }
        }

        /** Starts the body once: after 100 Continue, after the fallback delay, or at once. */
        private void startBody(ChannelHandlerContext ctx) {
            if (!sending && status == 0 && ctx.channel().isActive()) {
                sending = true;
                pump(ctx);
            }
        }

        /** Writes while the connection is writable; resumed when it is writable again. */
        private void pump(ChannelHandlerContext ctx) {
            if (!sending) {
                return;
            }
            while (ctx.channel().isWritable() && body.remaining() > 0) {
                var chunk = body.next(ctx.alloc());
                sent += chunk.readableBytes();
                ctx.write(new DefaultHttpContent(chunk));
            }
            if (body.remaining() == 0) {
                ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
                sending = false;
            }
            ctx.flush();
            progress.touch();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pump(ctx);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            progress.touch();
            try {
                if (msg instanceof HttpResponse response) {
                    int code = response.status().code();
                    interim = code >= 100 && code < 200;
                    if (code == 100) {
                        got100 = true;
                        startBody(ctx);
                    } else if (response.decoderResult().isFailure()) {
                        fail(ctx, "bad_response:" + Wire.word(String.valueOf(response.decoderResult().cause())));
                        return;
                    } else if (!interim) {
                        status = code;
                    }
                }
                if (msg instanceof HttpContent content && !interim) {
                    received += content.content().readableBytes();
                    same &= expected.matches(content.content());
                    if (content instanceof LastHttpContent) {
                        // The answer is complete; a body not yet sent is not needed any more.
                        sending = false;
                        complete = true;
                        done.complete(null);
                        ctx.close();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx, status == 0 ? "closed_before_a_response" : "closed_inside_the_response");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, Wire.error(cause));
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            if (!done.isDone()) {
                failure = why;
                sending = false;
                done.complete(null);
            }
            ctx.close();
        }
    }
}
