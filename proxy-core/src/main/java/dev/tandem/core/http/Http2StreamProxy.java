package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream, proxied to a stream of a pooled upstream connection: headers, data and trailers pass each way as
 * they come; a reset passes as a reset with its error code; a stream the upstream refused by going away is reset with
 * REFUSED_STREAM, which tells the client it may safely retry. A stream that fails before its response starts gets an
 * answer of the proxy's own, as a gRPC status for gRPC clients.
 */
final class Http2StreamProxy extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2StreamProxy.class);

    private final HttpRouter router;
    private final Http2Pool pool;
    private final HttpLimits limits;
    private final Queue<Http2StreamFrame> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private RequestContext context;
    private Http2StreamChannel upstream;
    private ScheduledFuture<?> timeout;
    private boolean grpc;
    private boolean responseStarted;
    private boolean refusedByGoAway;
    private boolean done;

    Http2StreamProxy(HttpRouter router, Http2Pool pool, HttpLimits limits) {
        this.router = router;
        this.pool = pool;
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2StreamFrame frame) || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (context == null) {
            if (frame instanceof Http2HeadersFrame headers) {
                request(headers);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        Http2StreamFrame copy = copyOf(frame);
        if (upstream == null) {
            held.add(copy);
            return;
        }
        if (isEndStream(copy)) {
            upstream.writeAndFlush(copy);
            return;
        }
        upstream.write(copy);
        if (!upstream.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void request(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        context = new RequestContext(ConnectionContext.of(ctx.channel().parent()), "HTTP/2");
        CharSequence requestId = headers.get(RequestIds.HEADER);
        if (requestId == null) {
            requestId = RequestIds.fresh();
            headers.set(RequestIds.HEADER, requestId);
        }
        context.request(String.valueOf(headers.method()), String.valueOf(headers.path()),
                String.valueOf(headers.authority()), requestId.toString());
        CharSequence contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        grpc = contentType != null && contentType.toString().startsWith("application/grpc");
        CharSequence te = headers.get(HttpHeaderNames.TE);
        if (te != null && !HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(te)) {
            headers.remove(HttpHeaderNames.TE);
        }
        UpstreamTarget target = router.route(context);
        context.upstream(target);
        held.add(new DefaultHttp2HeadersFrame(headers, frame.isEndStream()));
        if (!limits.requestTimeout().isZero()) {
            timeout = ctx.executor().schedule(this::timedOut, limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        pool.openStream(ctx.channel().parent(), target, new Http2UpstreamStream(this)).addListener(
                (Future<Http2StreamChannel> opened) -> {
                    if (!opened.isSuccess()) {
                        fail(ResponseFlag.UF, String.valueOf(opened.cause().getMessage()));
                        return;
                    }
                    if (done) {
                        opened.getNow().close();
                        releaseHeld();
                        return;
                    }
                    upstream = opened.getNow();
                    for (Http2StreamFrame f; (f = held.poll()) != null; ) {
                        upstream.write(f);
                    }
                    upstream.flush();
                });
    }

    /** A received frame carries its stream; the frame sent on the other stream must be a new one (same buffers). */
    private static Http2StreamFrame copyOf(Http2StreamFrame frame) {
        if (frame instanceof Http2DataFrame data) {
            return new DefaultHttp2DataFrame(data.content(), data.isEndStream(), data.padding());
        }
        Http2HeadersFrame headers = (Http2HeadersFrame) frame;
        return new DefaultHttp2HeadersFrame(headers.headers(), headers.isEndStream(), headers.padding());
    }

    /** The client reset its stream (Netty hands RST_STREAM over as an event): the upstream stream is reset alike. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            if (context != null && !done) {
                done = true;
                cancelTimeout();
                context.fail(ResponseFlag.DC, "client reset the stream: " + Http2Error.valueOf(reset.errorCode()));
                if (upstream != null) {
                    upstream.writeAndFlush(new DefaultHttp2ResetFrame(reset.errorCode()));
                }
            }
            ReferenceCountUtil.release(reset);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static boolean isEndStream(Http2StreamFrame frame) {
        return frame instanceof Http2DataFrame data ? data.isEndStream() : ((Http2HeadersFrame) frame).isEndStream();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null) {
            upstream.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The client's stream ended, whole or reset; an upstream stream still open has no one to answer.
        cancelTimeout();
        releaseHeld();
        if (upstream != null && upstream.isActive() && !done) {
            upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
        done = true;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: client stream failed: {}", context, cause.toString());
        ctx.close();
    }

    // --- From the upstream stream.

    void fromUpstream(Http2StreamFrame frame) {
        if (done) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (frame instanceof Http2ResetFrame reset) {
            ReferenceCountUtil.release(frame);
            context.fail(ResponseFlag.UC, "upstream reset the stream: " + Http2Error.valueOf(reset.errorCode()));
            finish();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(reset.errorCode()));
            return;
        }
        if (frame instanceof Http2HeadersFrame headers && !responseStarted) {
            CharSequence status = headers.headers().status();
            if (status != null && status.length() == 3 && status.charAt(0) != '1') {
                responseStarted = true;
                context.status(Integer.parseInt(status.toString()));
            }
        }
        Http2StreamFrame copy = copyOf(frame);
        if (isEndStream(copy)) {
            // Flushed at once: the stream may close before a read-complete would flush it.
            finish();
            ctx.writeAndFlush(copy);
            return;
        }
        ctx.write(copy);
        if (!ctx.channel().isWritable()) {
            upstream.config().setAutoRead(false);
        }
    }

    void upstreamReadComplete() {
        ctx.flush();
    }

    void upstreamWritable() {
        if (!done) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The upstream connection is going away and this stream was past its last one: the request never ran. */
    void refusedByGoAway() {
        refusedByGoAway = true;
    }

    void upstreamClosed() {
        if (done) {
            return;
        }
        if (refusedByGoAway) {
            context.fail(ResponseFlag.UC, "upstream went away before the stream started (GOAWAY)");
            finish();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            return;
        }
        failOrReset(ResponseFlag.UC, "upstream stream closed before the response ended");
    }

    private void timedOut() {
        if (!done) {
            if (upstream != null) {
                upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            }
            failOrReset(ResponseFlag.UT, "no complete response within " + limits.requestTimeout().toMillis() + " ms");
        }
    }

    private void failOrReset(ResponseFlag flag, String detail) {
        if (responseStarted) {
            context.fail(flag, detail);
            finish();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
            return;
        }
        fail(flag, detail);
    }

    /** Before the response started: an answer of the proxy's own. */
    private void fail(ResponseFlag flag, String detail) {
        if (done) {
            return;
        }
        context.fail(flag, detail);
        finish();
        releaseHeld();
        LocalReply reply = LocalReply.of(flag, detail);
        context.status(reply.status().code());
        log.debug("{}: answered {} {} ({})", context, reply.status().code(), flag, detail);
        if (grpc) {
            Http2Headers trailersOnly = new DefaultHttp2Headers()
                    .status("200")
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                    .set("grpc-status", Integer.toString(grpcStatus(reply)))
                    .set("grpc-message", percentEncoded(reply.body()));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(trailersOnly, true));
            return;
        }
        var body = ByteBufUtil.writeUtf8(ctx.alloc(), reply.body() + " (" + flag + ")\n");
        Http2Headers headers = new DefaultHttp2Headers()
                .status(reply.status().codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        ctx.write(new DefaultHttp2HeadersFrame(headers, false));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
    }

    /** As Envoy maps its local replies for gRPC: UNAVAILABLE for 503, DEADLINE_EXCEEDED for 504, else INTERNAL. */
    private static int grpcStatus(LocalReply reply) {
        return switch (reply.status().code()) {
            case 503 -> 14;
            case 504 -> 4;
            default -> 13;
        };
    }

    /** grpc-message is percent-encoded: every byte outside printable ASCII, and '%' itself. */
    private static String percentEncoded(String message) {
        var out = new StringBuilder();
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b <= 0x7e && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private void finish() {
        done = true;
        cancelTimeout();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private void releaseHeld() {
        for (Http2StreamFrame f; (f = held.poll()) != null; ) {
            ReferenceCountUtil.release(f);
        }
    }
}
