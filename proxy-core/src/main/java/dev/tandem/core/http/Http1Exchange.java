package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
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
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1 request and its response, streamed between the client's connection and a pooled upstream connection,
 * as its route plans: an endpoint of the route's cluster, within its circuit breakers, retried elsewhere when the
 * policy says so, bounded by its timeouts. The body goes on as it arrives, each way, with reading paused while the
 * other side cannot take more; a body small enough is also kept, so a retry or a mirror can send it again. Until the
 * response starts a failure is answered like Envoy (503 UF, UC, UO, UH; 504 UT; 502 UPE); after, the client
 * connection is cut, as a partial answer must not pass for a whole one. A body whose framing breaks (a bad chunk or
 * trailer, or a close before its end) never passes for a whole one either: the upstream connection is closed under a
 * broken request, which is answered 400; a broken response is answered 502 (UPE) if nothing of it reached the client
 * yet. The response head waits for the first read's end, so a response broken within its first read is answered so.
 */
final class Http1Exchange implements Http1Connection.Listener {

    private static final Logger log = LoggerFactory.getLogger(Http1Exchange.class);
    /** Bodies up to this size are kept for retries and mirrors, as Envoy's request buffer. */
    static final int REPLAY_LIMIT = 64 * 1024;

    private final Http1ServerHandler server;
    private final RequestContext context;
    private final HttpRequest request;
    private final HttpRouter router;
    private final Http1Pool pool;
    private final HttpLimits limits;
    private final ArrayDeque<HttpContent> held = new ArrayDeque<>();
    private final Attempts attempts = new Attempts();
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean upgrade;
    private final boolean expectsBody;
    private RoutePlan plan;
    private Cluster cluster;
    private TrafficReporter reporter = TrafficReporter.NONE;
    private List<HttpContent> replay;
    private int replayBytes;
    private Http1Connection upstream;
    private ScheduledFuture<?> timeout;
    private long requestBodyBytes;
    private boolean requestComplete;
    private boolean interim;
    private boolean discarding;
    private boolean responseStarted;
    /** The response head, accepted but not yet written to the client. */
    private HttpResponse pendingHead;
    private boolean closeAfter;
    private boolean upstreamDirty;
    private boolean resent;
    private boolean answeredEarly;
    private boolean done;

    Http1Exchange(Http1ServerHandler server, RequestContext context, HttpRequest request, HttpRouter router,
            Http1Pool pool, HttpLimits limits) {
        this.server = server;
        this.context = context;
        this.request = request;
        this.router = router;
        this.pool = pool;
        this.limits = limits;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.clientHttp10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.upgrade = HopByHop.isUpgrade(request.headers());
        this.expectsBody = HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request);
    }

    void begin() {
        HttpHeaders headers = request.headers();
        String requestId = headers.get(RequestIds.HEADER);
        if (requestId == null) {
            requestId = RequestIds.fresh();
            headers.set(RequestIds.HEADER, requestId);
        }
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, context.connection().origDst().toString());
        }
        context.request(request.method().name(), request.uri(), headers.get(HttpHeaderNames.HOST), requestId);
        context.client(headers.get(HttpHeaderNames.USER_AGENT), headers.get("x-forwarded-for"));
        context.grpc(HttpTelemetry.isGrpc(headers.get(HttpHeaderNames.CONTENT_TYPE)));
        reporter = context.connection().reporter();
        if (reporter.outbound()) {
            HttpTelemetry.sendPeer(headers, reporter);
        } else {
            context.peer(HttpTelemetry.takePeer(headers));
        }
        context.requestHeaderBytes(HttpTelemetry.headBytes(request.method().name(), request.uri(), headers));
        HttpDecision decision = router.route(new Http1RequestView(request, context.connection().origDst()));
        if (decision instanceof HttpDecision.Answer answer) {
            context.routed(null, null, HostNames.ofAuthority(headers.get(HttpHeaderNames.HOST)));
            answer(answer);
            return;
        }
        plan = ((HttpDecision.Forward) decision).plan();
        cluster = plan.cluster();
        attempts.plan(plan);
        context.routed(plan.route(),
                cluster != null ? cluster.name() : reporter.directCluster(context.connection().origDst().port()),
                cluster != null ? cluster.host() : HostNames.ofAuthority(headers.get(HttpHeaderNames.HOST)));
        if (plan.path() != null) {
            request.setUri(plan.path());
        }
        if (plan.authority() != null) {
            headers.set(HttpHeaderNames.HOST, plan.authority());
        }
        HeaderEdits.apply(plan.requestHeaders(), headers);
        HopByHop.remove(headers, upgrade);
        if (clientHttp10) {
            // An HTTP/1.0 client's expectation is ignored (RFC 9110 section 10.1.1): it gets no 100 to wait for.
            headers.remove(HttpHeaderNames.EXPECT);
        }
        // Upstream it is HTTP/1.1 whatever the client spoke, so the connection can be pooled.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (plan.retries() != null || plan.mirror() != null) {
            replay = new ArrayList<>();
        }
        String overLimit = attempts.admitRequest();
        if (overLimit != null) {
            failOrAbort(ResponseFlag.UO, overLimit);
            return;
        }
        Duration limit = plan.timeout() != null ? plan.timeout() : limits.requestTimeout();
        if (!limit.isZero()) {
            timeout = schedule(this::timedOut, limit);
        }
        if (plan.delay() != null) {
            context.flag(ResponseFlag.DI);
            schedule(this::startAttempt, plan.delay());
        } else {
            startAttempt();
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration after) {
        return server.channel().eventLoop().schedule(task, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An answer decided by the route itself: a redirect, an injected abort, no route. */
    private void answer(HttpDecision.Answer answer) {
        if (answer.flag() != null) {
            context.fail(answer.flag(), answer.body());
        }
        finish();
        reply(new LocalReply(HttpResponseStatus.valueOf(answer.status()), answer.flag(), answer.body(), answer.headers()));
    }

    /**
     * Writes an answer of the proxy's own. The connection goes on when the request was read whole, or will be with
     * its next (empty) part; with a body still to come, it closes after the answer rather than read it all.
     */
    private void reply(LocalReply reply) {
        context.status(reply.status().code());
        boolean close = !clientKeepAlive || !requestComplete && expectsBody;
        server.writeLocalReply(reply, close);
        context.complete();
        if (close || requestComplete) {
            server.exchangeDone(close);
        } else {
            answeredEarly = true;
        }
    }

    private void startAttempt() {
        if (done) {
            return;
        }
        UpstreamTarget target = attempts.target(router, context.connection().origDst());
        if (target == null) {
            failOrAbort(ResponseFlag.UH, "no healthy endpoint in " + cluster);
            return;
        }
        context.upstream(target);
        attempts.schedulePerTry(server.channel().eventLoop(), () -> {
            if (!done && !responseStarted) {
                attemptFailed(Failure.TIMEOUT, 504, ResponseFlag.UT, "no response within the per-try timeout");
            }
        });
        int thisAttempt = attempts.number();
        pool.acquire(server.channel(), target, cluster).addListener((Future<Http1Connection> acquired) -> {
            if (done || attempts.number() != thisAttempt) {
                if (acquired.isSuccess()) {
                    acquired.getNow().release();
                }
                return;
            }
            if (!acquired.isSuccess()) {
                if (acquired.cause() instanceof Overflow overflow) {
                    failOrAbort(ResponseFlag.UO, overflow.getMessage());
                } else {
                    attemptFailed(Failure.CONNECT_FAILURE, 503, ResponseFlag.UF, String.valueOf(acquired.cause().getMessage()));
                }
                return;
            }
            connected(acquired.getNow());
        });
    }

    private void connected(Http1Connection connection) {
        upstream = connection;
        connection.checkout(this);
        var channel = connection.channel();
        context.upstreamSent(channel.localAddress());
        channel.write(attempts.number() == 0 ? request : copyOfHead());
        if (attempts.number() == 0) {
            for (HttpContent part; (part = held.poll()) != null; ) {
                channel.write(part);
            }
        } else {
            for (HttpContent part : replay) {
                channel.write(part.retainedDuplicate());
            }
        }
        channel.flush();
        server.readMore();
    }

    /** The request head again, for a retry: the encoder of a new connection takes a head of its own. */
    private HttpRequest copyOfHead() {
        var copy = new io.netty.handler.codec.http.DefaultHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), request.headers().copy());
        copy.headers().set("x-envoy-attempt-count", attempts.number() + 1);
        return copy;
    }

    /** True while the client's next HTTP contents are this request's body. */
    boolean takesRequestContent() {
        return !requestComplete;
    }

    /** True when body can be read now: connected, and the upstream can take it. */
    boolean wantsRequestContent() {
        return takesRequestContent() && !done && upstream != null && upstream.channel().isWritable();
    }

    void requestContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            brokenRequestBody(content);
            return;
        }
        int size = content.content().readableBytes();
        requestBodyBytes += size;
        context.received(size);
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (done) {
            ReferenceCountUtil.release(content);
            if (answeredEarly && requestComplete) {
                answeredEarly = false;
                server.exchangeDone(false);
            }
            return;
        }
        keepForReplay(content, size);
        if (upstream != null) {
            upstream.channel().write(content);
            upstreamDirty = true;
        } else if (attempts.number() == 0) {
            held.add(content);
        } else {
            // Between attempts: the next attempt sends the whole body from the replay buffer.
            ReferenceCountUtil.release(content);
        }
        if (requestComplete && plan != null && plan.mirror() != null && replay != null) {
            Http1Mirror.send(pool, server.channel(), plan.mirror(), request, replay);
        }
    }

    /**
     * The request body broke its framing: what reached the upstream must not end as a whole request there, so that
     * connection is closed, and the client answered 400 if nothing was answered yet; the client connection closes, as
     * its decoder can read nothing more.
     */
    private void brokenRequestBody(HttpContent content) {
        String detail = "request body: " + content.decoderResult().cause().getMessage();
        ReferenceCountUtil.release(content);
        requestBroken(detail);
    }

    /** The client finished sending while its request body was still incomplete: handled as a broken body. */
    void requestCutShort() {
        requestBroken("the client closed its side before the request body ended");
    }

    private void requestBroken(String detail) {
        requestComplete = true;
        if (done) {
            if (answeredEarly) {
                answeredEarly = false;
                server.exchangeDone(true);
            }
            return;
        }
        context.fail(ResponseFlag.DPE, detail);
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        boolean answerStarted = answerStarted();
        pendingHead = null;
        finish();
        if (answerStarted) {
            log.debug("{}: {} after the response started: cutting the client connection", context, detail);
            server.abort();
            context.complete();
            return;
        }
        log.debug("{}: answered 400 ({})", context, detail);
        context.status(HttpResponseStatus.BAD_REQUEST.code());
        server.writeLocalReply(LocalReply.refused(HttpResponseStatus.BAD_REQUEST, detail), true);
        context.complete();
        server.exchangeDone(true);
    }

    /** True once anything of the upstream's answer was written to the client. */
    private boolean answerStarted() {
        return interim && !clientHttp10 || responseStarted && pendingHead == null;
    }

    private void keepForReplay(HttpContent content, int size) {
        if (replay == null) {
            return;
        }
        replayBytes += size;
        if (replayBytes > REPLAY_LIMIT) {
            // Too large to keep: this request will be neither retried nor mirrored.
            releaseReplay();
            return;
        }
        replay.add(content.retainedDuplicate());
    }

    void flushUpstream() {
        if (upstreamDirty && upstream != null) {
            upstreamDirty = false;
            upstream.channel().flush();
        }
    }

    @Override
    public void upstreamMessage(HttpObject message) {
        if (done) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpResponse response) {
            response(response);
        }
        if (message instanceof HttpContent content) {
            responseContent(content);
        }
    }

    private void response(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            upstream.noKeepAlive();
            attemptFailed(Failure.RESET, 502, ResponseFlag.UPE, String.valueOf(response.decoderResult().cause().getMessage()));
            return;
        }
        int code = response.status().code();
        if (code == 101) {
            if (upgrade) {
                switchProtocols(response);
            } else {
                upstream.noKeepAlive();
                attemptFailed(Failure.RESET, 502, ResponseFlag.UPE, "101 Switching Protocols to a request that asked for no upgrade");
            }
            return;
        }
        HopByHop.remove(response.headers(), false);
        if (code < 200) {
            interim = true;
            if (!clientHttp10) {
                server.write(response);
            }
            return;
        }
        attempts.outcome(code);
        context.upstreamAnswered();
        if (reporter.outbound()) {
            context.peer(HttpTelemetry.takePeer(response.headers()));
        } else {
            HttpTelemetry.sendPeer(response.headers(), reporter);
        }
        if (!HttpUtil.isKeepAlive(response)) {
            upstream.noKeepAlive();
        }
        int grpcStatus = grpcStatus(response);
        if (attempts.retriable(code, grpcStatus) && mayRetry()) {
            // This answer is dropped; the connection, its body unread, cannot be reused.
            discarding = true;
            upstream.noKeepAlive();
            retry("answered " + code);
            return;
        }
        if (attempts.exhausted(code, grpcStatus)) {
            context.fail(ResponseFlag.URX, "still " + code + " after " + attempts.number() + " retries");
        }
        responseStarted = true;
        context.status(code);
        HeaderEdits.apply(plan.responseHeaders(), response.headers());
        adaptForClient(response);
        context.responseHeaderBytes(HttpTelemetry.headBytes(null, null, response.headers()));
        pendingHead = response;
    }

    private void writeHead() {
        if (pendingHead != null) {
            server.write(pendingHead);
            pendingHead = null;
        }
    }

    private static int grpcStatus(HttpResponse response) {
        String status = response.headers().get("grpc-status");
        return status == null ? -1 : Integer.parseInt(status.strip());
    }

    /**
     * The response as this client can read it: an HTTP/1.0 client gets no chunked body (the close ends it instead);
     * an HTTP/1.1 client gets a chunked body where the upstream ended it by closing, so its connection lives on.
     */
    private void adaptForClient(HttpResponse response) {
        HttpHeaders headers = response.headers();
        boolean framed = headers.contains(HttpHeaderNames.CONTENT_LENGTH) || HttpUtil.isTransferEncodingChunked(response);
        boolean mayHaveBody = !request.method().equals(HttpMethod.HEAD) && response.status().code() != 204
                && response.status().code() != 304;
        closeAfter = !clientKeepAlive;
        if (clientHttp10) {
            if (HttpUtil.isTransferEncodingChunked(response) || !framed && mayHaveBody) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
                closeAfter = true;
            }
            headers.set(HttpHeaderNames.CONNECTION, closeAfter ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
            return;
        }
        if (!framed && mayHaveBody) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (closeAfter) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    private void responseContent(HttpContent content) {
        if (discarding) {
            ReferenceCountUtil.release(content);
            return;
        }
        if (interim) {
            // The empty end of an interim (1xx) response, which the client's encoder needs; the final one follows.
            interim = !(content instanceof LastHttpContent);
            if (clientHttp10) {
                // HTTP/1.0 has no interim responses (RFC 9110 section 15.2): they are not passed on.
                ReferenceCountUtil.release(content);
                return;
            }
            server.write(content);
            server.flush();
            return;
        }
        if (!responseStarted) {
            ReferenceCountUtil.release(content);
            return;
        }
        if (content.decoderResult().isFailure()) {
            String detail = "response body: " + content.decoderResult().cause().getMessage();
            ReferenceCountUtil.release(content);
            upstream.noKeepAlive();
            failOrAbort(ResponseFlag.UPE, detail);
            return;
        }
        writeHead();
        context.sent(content.content().readableBytes());
        server.write(content);
        if (content instanceof LastHttpContent) {
            responseDone();
        } else if (!server.downstreamWritable()) {
            upstream.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void upstreamReadComplete() {
        writeHead();
        server.flush();
    }

    @Override
    public void upstreamWritabilityChanged() {
        if (upstream != null && upstream.channel().isWritable()) {
            server.readMore();
        }
    }

    /** The client drained what it was sent: the upstream may be read again. */
    void downstreamWritable() {
        if (upstream != null && !done) {
            upstream.channel().config().setAutoRead(true);
        }
    }

    private void responseDone() {
        if (!requestComplete) {
            // Answered before the request body was all sent: neither connection can be trusted to be in step.
            upstream.noKeepAlive();
            closeAfter = true;
        }
        finish();
        server.flush();
        context.complete();
        server.exchangeDone(closeAfter);
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        String why = cause == null ? "the upstream closed the connection" : String.valueOf(cause.getMessage());
        if (responseStarted || interim) {
            failOrAbort(ResponseFlag.UC, why);
            return;
        }
        if (discarding) {
            return;
        }
        if (upstream != null && upstream.reused() && !resent && attempts.number() == 0 && requestComplete && requestBodyBytes == 0) {
            // A keep-alive connection the upstream closed just as it was reused: the request never reached it. It is
            // sent again on another connection to the same endpoint; that is no retry by policy.
            log.debug("{}: reused upstream connection closed before answering ({}); sending again", context, why);
            resent = true;
            attempts.mayChooseEndpointAgain();
            endAttempt();
            held.add(LastHttpContent.EMPTY_LAST_CONTENT);
            startAttempt();
            return;
        }
        attemptFailed(Failure.RESET, 503, ResponseFlag.UC, why);
    }

    /** An attempt ended without a response: retried if the policy allows, else answered with the flag. */
    private void attemptFailed(Failure failure, int status, ResponseFlag flag, String detail) {
        attempts.outcome(status);
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        if (attempts.retriable(failure) && mayRetry()) {
            context.fail(flag, detail);
            retry(detail);
            return;
        }
        if (attempts.number() > 0) {
            context.fail(ResponseFlag.URX, "retries exhausted: " + detail);
        }
        failOrAbort(flag, detail);
    }

    /** Retries left, a body we can send again, and the cluster's retry budget. */
    private boolean mayRetry() {
        return attempts.mayRetry(responseStarted, requestBodyBytes > 0 && replay == null);
    }

    private void retry(String why) {
        log.debug("{}: attempt {} failed ({}); retrying", context, attempts.number() + 1, why);
        endAttempt();
        discarding = false;
        schedule(this::startAttempt, attempts.next());
    }

    /**
     * The current attempt's endpoint and connection are done with. The connection goes back to the pool, which keeps
     * it only if nothing marked it unfit for another request (every failure path does).
     */
    private void endAttempt() {
        attempts.endAttempt();
        if (upstream != null) {
            upstream.release();
            upstream = null;
        }
    }

    private void timedOut() {
        if (done) {
            return;
        }
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        failOrAbort(ResponseFlag.UT, "no complete response within the route's timeout");
    }

    /** Before the response started, an answer of the proxy's own; after, the client connection is cut. */
    private void failOrAbort(ResponseFlag flag, String detail) {
        context.fail(flag, detail);
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        boolean started = answerStarted();
        pendingHead = null;
        finish();
        if (started) {
            log.debug("{}: {} after the response started ({}): cutting the client connection", context, flag, detail);
            server.abort();
            context.complete();
            return;
        }
        LocalReply reply = LocalReply.of(flag, detail);
        log.debug("{}: answered {} {} ({})", context, reply.status().code(), context.flagsText(), detail);
        reply(reply);
    }

    private void switchProtocols(HttpResponse response) {
        context.status(101);
        var channel = upstream.channel();
        upstream.noKeepAlive();
        Http1Connection tunnelled = upstream;
        upstream = null;
        finish();
        server.write(response);
        server.flush();
        channel.pipeline().remove(tunnelled);
        channel.pipeline().remove(HandlerNames.H1_CLIENT_CODEC);
        server.tunnel(channel);
        context.complete();
        log.debug("{}: switched protocols to {}; relaying bytes", context, response.headers().get(HttpHeaderNames.UPGRADE));
    }

    /** The client went away: the upstream connection cannot finish this exchange and is closed. */
    void downstreamClosed() {
        if (done) {
            return;
        }
        context.fail(ResponseFlag.DC, "the client closed the connection");
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        finish();
        context.complete();
    }

    /** Everything this exchange holds is given back, once. */
    private void finish() {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        endAttempt();
        attempts.finish();
        for (HttpContent part; (part = held.poll()) != null; ) {
            ReferenceCountUtil.release(part);
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
