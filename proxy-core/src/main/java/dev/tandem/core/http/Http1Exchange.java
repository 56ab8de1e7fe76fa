package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1 request and its response, streamed between the client's connection and a pooled upstream connection.
 * The body goes on as it arrives, each way, with reading paused while the other side cannot take more. Until the
 * response starts, a failure is answered like Envoy (503 UF or UC, 504 UT, 502 UPE); after, the client connection is
 * cut, as a partial answer must not pass for a whole one.
 */
final class Http1Exchange implements Http1Connection.Listener {

    private static final Logger log = LoggerFactory.getLogger(Http1Exchange.class);

    private final Http1ServerHandler server;
    private final RequestContext context;
    private final HttpRequest request;
    private final HttpRouter router;
    private final Http1Pool pool;
    private final HttpLimits limits;
    private final ArrayDeque<HttpContent> heldBody = new ArrayDeque<>();
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean upgrade;
    private UpstreamTarget target;
    private Http1Connection upstream;
    private ScheduledFuture<?> timeout;
    private long requestBodyBytes;
    private boolean requestComplete;
    private boolean interim;
    private boolean responseStarted;
    private boolean closeAfter;
    private boolean upstreamDirty;
    private boolean retried;
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
    }

    void begin() {
        HttpHeaders headers = request.headers();
        String requestId = headers.get(RequestIds.HEADER);
        if (requestId == null) {
            requestId = RequestIds.fresh();
            headers.set(RequestIds.HEADER, requestId);
        }
        ConnectionContext connection = context.connection();
        if (!headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, connection.origDst().toString());
        }
        context.request(request.method().name(), request.uri(), headers.get(HttpHeaderNames.HOST), requestId);
        HopByHop.remove(headers, upgrade);
        // Upstream it is HTTP/1.1 whatever the client spoke, so the connection can be pooled.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        target = router.route(context);
        context.upstream(target);
        if (!limits.requestTimeout().isZero()) {
            timeout = server.channel().eventLoop().schedule(this::timedOut, limits.requestTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        connect();
    }

    private void connect() {
        pool.acquire(server.channel(), target).addListener((Future<Http1Connection> acquired) -> {
            if (done) {
                if (acquired.isSuccess()) {
                    acquired.getNow().release();
                }
                return;
            }
            if (!acquired.isSuccess()) {
                failOrAbort(ResponseFlag.UF, String.valueOf(acquired.cause().getMessage()));
                return;
            }
            connected(acquired.getNow());
        });
    }

    private void connected(Http1Connection connection) {
        upstream = connection;
        connection.checkout(this);
        var channel = connection.channel();
        channel.write(request);
        for (HttpContent part; (part = heldBody.poll()) != null; ) {
            channel.write(part);
        }
        channel.flush();
        server.readMore();
    }

    /** True while the client's next HTTP contents are this request's body. */
    boolean takesRequestContent() {
        return !requestComplete && !done;
    }

    /** True when body can be read now: connected, and the upstream can take it. */
    boolean wantsRequestContent() {
        return takesRequestContent() && upstream != null && upstream.channel().isWritable();
    }

    void requestContent(HttpContent content) {
        requestBodyBytes += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (done) {
            ReferenceCountUtil.release(content);
        } else if (upstream == null) {
            heldBody.add(content);
        } else {
            upstream.channel().write(content);
            upstreamDirty = true;
        }
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
            failOrAbort(ResponseFlag.UPE, String.valueOf(response.decoderResult().cause().getMessage()));
            return;
        }
        int code = response.status().code();
        if (code == 101) {
            if (upgrade) {
                switchProtocols(response);
            } else {
                upstream.noKeepAlive();
                failOrAbort(ResponseFlag.UPE, "101 Switching Protocols to a request that asked for no upgrade");
            }
            return;
        }
        HopByHop.remove(response.headers(), false);
        if (code < 200) {
            interim = true;
            server.write(response);
            return;
        }
        responseStarted = true;
        context.status(code);
        if (!HttpUtil.isKeepAlive(response)) {
            upstream.noKeepAlive();
        }
        adaptForClient(response);
        server.write(response);
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
        if (interim) {
            // The empty end of an interim (1xx) response, which the client's encoder needs; the final one follows.
            interim = !(content instanceof LastHttpContent);
            server.write(content);
            server.flush();
            return;
        }
        if (!responseStarted) {
            ReferenceCountUtil.release(content);
            return;
        }
        server.write(content);
        if (content instanceof LastHttpContent) {
            responseDone();
        } else if (!server.downstreamWritable()) {
            upstream.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void upstreamReadComplete() {
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
        done = true;
        cancelTimeout();
        server.flush();
        if (!requestComplete) {
            // Answered before the request body was all sent: neither connection can be trusted to be in step.
            upstream.noKeepAlive();
            closeAfter = true;
        }
        upstream.release();
        server.exchangeDone(closeAfter);
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (done) {
            return;
        }
        String why = cause == null ? "the upstream closed the connection" : String.valueOf(cause.getMessage());
        if (!responseStarted && !interim && upstream.reused() && !retried && requestComplete && requestBodyBytes == 0) {
            // A keep-alive connection the upstream closed just as it was reused: the request never reached it.
            log.debug("{}: reused upstream connection closed before answering ({}); retrying on another", context, why);
            retried = true;
            upstream = null;
            heldBody.add(LastHttpContent.EMPTY_LAST_CONTENT);
            connect();
            return;
        }
        failOrAbort(ResponseFlag.UC, why);
    }

    private void timedOut() {
        if (done) {
            return;
        }
        if (upstream != null) {
            upstream.noKeepAlive();
        }
        failOrAbort(ResponseFlag.UT, "no complete response within " + limits.requestTimeout().toMillis() + " ms");
    }

    /** Before the response started, an answer of the proxy's own; after, the client connection is cut. */
    private void failOrAbort(ResponseFlag flag, String detail) {
        done = true;
        cancelTimeout();
        releaseHeldBody();
        context.fail(flag, detail);
        if (upstream != null) {
            upstream.noKeepAlive();
            upstream.release();
        }
        if (responseStarted || interim) {
            log.debug("{}: {} after the response started ({}): cutting the client connection", context, flag, detail);
            server.abort();
            return;
        }
        LocalReply reply = LocalReply.of(flag, detail);
        context.status(reply.status().code());
        log.debug("{}: answered {} {} ({})", context, reply.status().code(), flag, detail);
        // The client's connection stays usable only when its request was read whole.
        boolean close = !requestComplete || !clientKeepAlive;
        server.writeLocalReply(reply, close);
        server.exchangeDone(close);
    }

    private void switchProtocols(HttpResponse response) {
        done = true;
        cancelTimeout();
        context.status(101);
        server.write(response);
        server.flush();
        var channel = upstream.channel();
        upstream.noKeepAlive();
        channel.pipeline().remove(upstream);
        channel.pipeline().remove(dev.tandem.core.HandlerNames.H1_CLIENT_CODEC);
        server.tunnel(channel);
        log.debug("{}: switched protocols to {}; relaying bytes", context, response.headers().get(HttpHeaderNames.UPGRADE));
    }

    /** The client went away: the upstream connection cannot finish this exchange and is closed. */
    void downstreamClosed() {
        if (done) {
            return;
        }
        done = true;
        cancelTimeout();
        releaseHeldBody();
        context.fail(ResponseFlag.DC, "the client closed the connection");
        if (upstream != null) {
            upstream.noKeepAlive();
            upstream.release();
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private void releaseHeldBody() {
        for (HttpContent part; (part = heldBody.poll()) != null; ) {
            ReferenceCountUtil.release(part);
        }
    }
}
