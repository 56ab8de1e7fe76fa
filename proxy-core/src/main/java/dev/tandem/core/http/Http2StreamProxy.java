package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.telemetry.HttpTelemetry;
import dev.tandem.core.telemetry.TrafficReporter;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.HostNames;
import dev.tandem.core.traffic.HttpDecision;
import dev.tandem.core.traffic.RetryPolicy.Failure;
import dev.tandem.core.traffic.RoutePlan;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
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
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream, proxied to a stream of a pooled upstream connection as its route plans: headers, data and
 * trailers pass each way as they come; a reset passes as a reset with its error code, except an upstream's before its
 * response started, which is answered 503 (UC) as Envoy answers it; a stream the upstream refused by going away is
 * reset with REFUSED_STREAM, which tells the client it may safely retry. Retries by policy send the request again, on a
 * new stream to another endpoint, while its body is small enough to have been kept. A stream that fails before its
 * response starts gets an answer of the proxy's own, as a gRPC status for gRPC clients. A request head with more
 * header fields than the limit is answered 431 and not forwarded; such a response head is answered 502. While the
 * upstream stream opens, the request body is not read: it waits within the stream's flow-control window.
 */
final class Http2StreamProxy extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http2StreamProxy.class);

    private final HttpRouter router;
    private final Http2Pool pool;
    private final HttpLimits limits;
    private final Queue<Http2StreamFrame> held = new ArrayDeque<>();
    private final Attempts attempts = new Attempts();
    private ChannelHandlerContext ctx;
    private RequestContext context;
    private RoutePlan plan;
    private Cluster cluster;
    private TrafficReporter reporter = TrafficReporter.NONE;
    private Http2Headers requestHeaders;
    private boolean requestEnded;
    private List<Http2DataFrame> replay;
    private int replayBytes;
    private long requestBodyBytes;
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
        if (copy instanceof Http2DataFrame data) {
            requestBodyBytes += data.content().readableBytes();
            context.received(data.content());
            keepForReplay(data);
        }
        boolean end = isEndStream(copy);
        requestEnded |= end;
        if (upstream == null) {
            if (attempts.number() == 0) {
                held.add(copy);
                ctx.channel().config().setAutoRead(false);
            } else {
                ReferenceCountUtil.release(copy);
            }
            return;
        }
        if (end) {
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
        grpc = HttpTelemetry.isGrpc(contentType);
        context.grpc(grpc);
        context.client(string(headers.get(HttpHeaderNames.USER_AGENT)), string(headers.get("x-forwarded-for")));
        reporter = context.connection().reporter();
        if (reporter.outbound()) {
            HttpTelemetry.sendPeer(headers, reporter);
        } else {
            context.peer(HttpTelemetry.takePeer(headers));
        }
        context.requestHeaderBytes(HttpTelemetry.headBytes(headers));
        CharSequence te = headers.get(HttpHeaderNames.TE);
        if (te != null && !HttpHeaderValues.TRAILERS.contentEqualsIgnoreCase(te)) {
            headers.remove(HttpHeaderNames.TE);
        }
        requestEnded = frame.isEndStream();
        if (fieldCount(headers) > limits.maxHeaders()) {
            String detail = "more than " + limits.maxHeaders() + " header fields";
            context.fail(ResponseFlag.DPE, detail);
            finish();
            localReply(LocalReply.refused(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, detail));
            return;
        }
        HttpDecision decision = router.route(new Http2RequestView(headers, context.connection().origDst()));
        if (decision instanceof HttpDecision.Answer answer) {
            context.routed(null, null, HostNames.ofAuthority(string(headers.authority())));
            if (answer.flag() != null) {
                context.fail(answer.flag(), answer.body());
            }
            finish();
            localReply(new LocalReply(HttpResponseStatus.valueOf(answer.status()),
                    answer.flag(), answer.body(), answer.headers()));
            return;
        }
        plan = ((HttpDecision.Forward) decision).plan();
        cluster = plan.cluster();
        attempts.plan(plan);
        context.routed(plan.route(),
                cluster != null ? cluster.name() : reporter.directCluster(context.connection().origDst().port()),
                cluster != null ? cluster.host() : HostNames.ofAuthority(string(headers.authority())));
        if (plan.path() != null) {
            headers.path(plan.path());
        }
        if (plan.authority() != null) {
            headers.authority(plan.authority());
        }
        HeaderEdits.apply(plan.requestHeaders(), headers);
        requestHeaders = headers;
        if (plan.mirror() != null) {
            log.debug("{}: mirroring applies to HTTP/1 requests only; not mirrored", context);
        }
        if (plan.retries() != null) {
            replay = new ArrayList<>();
        }
        held.add(new DefaultHttp2HeadersFrame(headers, frame.isEndStream()));
        String overLimit = attempts.admitRequest();
        if (overLimit != null) {
            fail(ResponseFlag.UO, overLimit);
            return;
        }
        Duration limit = plan.timeout() != null ? plan.timeout() : limits.requestTimeout();
        if (!limit.isZero()) {
            timeout = schedule(this::timedOut, limit);
        }
        // Until the upstream stream is open, the body waits in the client's window, not in the proxy's memory.
        ctx.channel().config().setAutoRead(false);
        if (plan.delay() != null) {
            context.flag(ResponseFlag.DI);
            schedule(this::startAttempt, plan.delay());
        } else {
            startAttempt();
        }
    }

    /** The fields of a head, as HTTP/1 counts them: pseudo-headers are not fields. */
    private static int fieldCount(Http2Headers headers) {
        int fields = 0;
        for (Map.Entry<CharSequence, CharSequence> field : headers) {
            if (!Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(field.getKey())) {
                fields++;
            }
        }
        return fields;
    }

    private static String string(CharSequence value) {
        return value == null ? null : value.toString();
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration after) {
        return ctx.executor().schedule(task, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void keepForReplay(Http2DataFrame data) {
        if (replay == null) {
            return;
        }
        replayBytes += data.content().readableBytes();
        if (replayBytes > Http1Exchange.REPLAY_LIMIT) {
            releaseReplay();
            return;
        }
        replay.add(data.retainedDuplicate());
    }

    private void startAttempt() {
        if (done) {
            return;
        }
        UpstreamTarget target = attempts.target(router, context.connection().origDst());
        if (target == null) {
            fail(ResponseFlag.UH, "no healthy endpoint in " + cluster);
            return;
        }
        context.upstream(target);
        attempts.schedulePerTry(ctx.executor(), () -> {
            if (!done && !responseStarted) {
                attemptFailed(Failure.TIMEOUT, 504, ResponseFlag.UT, "no response within the per-try timeout");
            }
        });
        int thisAttempt = attempts.number();
        pool.openStream(ctx.channel().parent(), target, cluster, new Http2UpstreamStream(this)).addListener(
                (Future<Http2StreamChannel> opened) -> {
                    if (done || attempts.number() != thisAttempt) {
                        if (opened.isSuccess()) {
                            opened.getNow().close();
                        }
                        return;
                    }
                    if (opened.cause() instanceof Overflow overflow) {
                        attempts.cancelPerTry();
                        failOrReset(ResponseFlag.UO, overflow.getMessage());
                        return;
                    }
                    if (!opened.isSuccess()) {
                        attemptFailed(Failure.CONNECT_FAILURE, 503, ResponseFlag.UF, String.valueOf(opened.cause().getMessage()));
                        return;
                    }
                    connected(opened.getNow());
                });
    }

    private void connected(Http2StreamChannel stream) {
        upstream = stream;
        context.upstreamSent(stream.parent().localAddress());
        if (attempts.number() == 0) {
            for (Http2StreamFrame f; (f = held.poll()) != null; ) {
                upstream.write(f);
            }
        } else {
            Http2Headers again = new DefaultHttp2Headers().add(requestHeaders);
            again.setInt("x-envoy-attempt-count", attempts.number() + 1);
            boolean bodyless = replay == null || replay.isEmpty();
            upstream.write(new DefaultHttp2HeadersFrame(again, requestEnded && bodyless));
            if (replay != null) {
                for (Http2DataFrame data : replay) {
                    upstream.write(new DefaultHttp2DataFrame(data.content().retainedDuplicate(), data.isEndStream()));
                }
            }
        }
        upstream.flush();
        if (upstream.isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** A received frame carries its stream; the frame sent on the other stream must be a new one (same buffers). */
    private static Http2StreamFrame copyOf(Http2StreamFrame frame) {
        if (frame instanceof Http2DataFrame data) {
            return new DefaultHttp2DataFrame(data.content(), data.isEndStream(), data.padding());
        }
        Http2HeadersFrame headers = (Http2HeadersFrame) frame;
        return new DefaultHttp2HeadersFrame(headers.headers(), headers.isEndStream(), headers.padding());
    }

    private static boolean isEndStream(Http2StreamFrame frame) {
        return frame instanceof Http2DataFrame data ? data.isEndStream() : ((Http2HeadersFrame) frame).isEndStream();
    }

    /** The client reset its stream (Netty hands RST_STREAM over as an event): the upstream stream is reset alike. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            if (context != null && !done) {
                context.fail(ResponseFlag.DC, "client reset the stream: " + Http2Error.valueOf(reset.errorCode()));
                if (upstream != null) {
                    upstream.writeAndFlush(new DefaultHttp2ResetFrame(reset.errorCode()));
                }
                finish();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
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
        if (upstream != null && upstream.isActive() && !done) {
            upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
        finish();
        if (context != null) {
            // Every way a stream ends closes its channel: the request is reported here, once.
            context.complete();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: client stream failed: {}", context, cause.toString());
        ctx.close();
    }

    // --- From the upstream stream.

    void fromUpstream(Http2StreamChannel from, Http2StreamFrame frame) {
        if (done || from != upstream) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (frame instanceof Http2ResetFrame reset) {
            if (!responseStarted && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
                attemptFailed(Failure.REFUSED_STREAM, 503, ResponseFlag.UC, "upstream refused the stream");
                return;
            }
            String detail = "upstream reset the stream: " + Http2Error.valueOf(reset.errorCode());
            if (!responseStarted) {
                attemptFailed(Failure.RESET, 503, ResponseFlag.UC, detail);
                return;
            }
            context.fail(ResponseFlag.UC, detail);
            finish();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(reset.errorCode()));
            return;
        }
        if (frame instanceof Http2HeadersFrame headers && !responseStarted
                && fieldCount(headers.headers()) > limits.maxHeaders()) {
            upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            attemptFailed(Failure.RESET, 502, ResponseFlag.UPE, "response with more than " + limits.maxHeaders()
                    + " header fields");
            return;
        }
        if (frame instanceof Http2HeadersFrame headers && !responseStarted) {
            CharSequence status = headers.headers().status();
            if (status != null && status.length() == 3 && status.charAt(0) != '1') {
                if (finalResponse(headers)) {
                    return;
                }
            }
        }
        if (frame instanceof Http2DataFrame data) {
            context.sent(data.content());
        } else if (frame instanceof Http2HeadersFrame trailers && responseStarted) {
            CharSequence status = trailers.headers().get("grpc-status");
            if (status != null) {
                context.grpcStatus(status.toString());
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

    /** A final response head: counted for outlier detection, retried when the policy says so; true when dropped. */
    private boolean finalResponse(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        int code = Integer.parseInt(headers.status().toString());
        attempts.outcome(code);
        context.upstreamAnswered();
        CharSequence grpcStatus = headers.get("grpc-status");
        int grpcCode = grpcStatus == null ? -1 : Integer.parseInt(grpcStatus.toString().strip());
        if (attempts.retriable(code, grpcCode) && mayRetry()) {
            ReferenceCountUtil.release(frame);
            upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            retry("answered " + code);
            return true;
        }
        if (attempts.exhausted(code, grpcCode)) {
            context.fail(ResponseFlag.URX, "still " + code + " after " + attempts.number() + " retries");
        }
        responseStarted = true;
        context.status(code);
        if (reporter.outbound()) {
            context.peer(HttpTelemetry.takePeer(headers));
        } else {
            HttpTelemetry.sendPeer(headers, reporter);
        }
        if (grpcStatus != null) {
            context.grpcStatus(grpcStatus.toString());
        }
        HeaderEdits.apply(plan.responseHeaders(), headers);
        context.responseHeaderBytes(HttpTelemetry.headBytes(headers));
        return false;
    }

    void upstreamReadComplete(Http2StreamChannel from) {
        if (from == upstream) {
            ctx.flush();
        }
    }

    void upstreamWritable(Http2StreamChannel from) {
        if (!done && from == upstream) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The upstream connection is going away and this stream was past its last one: the request never ran. */
    void refusedByGoAway(Http2StreamChannel from) {
        if (from == upstream) {
            refusedByGoAway = true;
        }
    }

    void upstreamClosed(Http2StreamChannel from) {
        if (done || from != upstream) {
            return;
        }
        if (refusedByGoAway) {
            refusedByGoAway = false;
            if (attempts.retriable(Failure.REFUSED_STREAM) && mayRetry()) {
                retry("refused by GOAWAY");
                return;
            }
            context.fail(ResponseFlag.UC, "upstream went away before the stream started (GOAWAY)");
            finish();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            return;
        }
        if (responseStarted) {
            failOrReset(ResponseFlag.UC, "upstream stream closed before the response ended");
            return;
        }
        attemptFailed(Failure.RESET, 503, ResponseFlag.UC, "upstream stream closed before the response started");
    }

    private void attemptFailed(Failure failure, int status, ResponseFlag flag, String detail) {
        attempts.outcome(status);
        if (attempts.retriable(failure) && mayRetry()) {
            context.fail(flag, detail);
            retry(detail);
            return;
        }
        if (attempts.number() > 0) {
            context.fail(ResponseFlag.URX, "retries exhausted: " + detail);
        }
        failOrReset(flag, detail);
    }

    /** Retries left, a body we can send again, and the cluster's retry budget. */
    private boolean mayRetry() {
        return attempts.mayRetry(responseStarted, requestBodyBytes > 0 && replay == null);
    }

    private void retry(String why) {
        log.debug("{}: attempt {} failed ({}); retrying", context, attempts.number() + 1, why);
        endAttempt();
        schedule(this::startAttempt, attempts.next());
    }

    private void endAttempt() {
        attempts.endAttempt();
        if (upstream != null) {
            if (upstream.isActive()) {
                upstream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            }
            upstream = null;
        }
    }

    private void timedOut() {
        if (!done) {
            failOrReset(ResponseFlag.UT, "no complete response within the route's timeout");
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
        LocalReply reply = LocalReply.of(flag, detail);
        log.debug("{}: answered {} {} ({})", context, reply.status().code(), context.flagsText(), detail);
        localReply(reply);
    }

    private void localReply(LocalReply reply) {
        context.status(reply.status().code());
        if (grpc && reply.status().code() >= 400) {
            context.grpcStatus(Integer.toString(grpcStatus(reply)));
            Http2Headers trailersOnly = new DefaultHttp2Headers()
                    .status("200")
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                    .set("grpc-status", Integer.toString(grpcStatus(reply)))
                    .set("grpc-message", percentEncoded(reply.body()));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(trailersOnly, true));
            return;
        }
        var body = ByteBufUtil.writeUtf8(ctx.alloc(), reply.text());
        Http2Headers headers = new DefaultHttp2Headers()
                .status(reply.status().codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            headers.set(h.getKey(), h.getValue());
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers, false));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
    }

    /** As Envoy maps its local replies for gRPC: UNAVAILABLE for 503, DEADLINE_EXCEEDED for 504, else INTERNAL. */
    private static int grpcStatus(LocalReply reply) {
        return switch (reply.status().code()) {
            case 503 -> 14;
            case 504 -> 4;
            case 404 -> 12;
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

    /** Everything this stream holds is given back, once. */
    private void finish() {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        // What the client still sends is read, to be dropped.
        ctx.channel().config().setAutoRead(true);
        // The upstream stream, if any, is left to end as it is ending.
        attempts.finish();
        for (Http2StreamFrame f; (f = held.poll()) != null; ) {
            ReferenceCountUtil.release(f);
        }
        releaseReplay();
    }


    private void releaseReplay() {
        if (replay != null) {
            replay.forEach(ReferenceCountUtil::release);
            replay = null;
        }
    }
}
