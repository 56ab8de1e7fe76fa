package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.HandlerNames;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.lifecycle.Drain;
import dev.tandem.core.relay.Relay;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1 server stage of an intercepted connection. Requests are taken one at a time, in order: each becomes an
 * {@link Http1Exchange} with an upstream connection from the pool; requests a client pipelines meanwhile wait, already
 * decoded, and are answered in the order they came. A request the decoder refused is answered here (400, 414, 431, 505)
 * and never forwarded, and the connection is closed after the answer. While the proxy drains, each answer says
 * {@code Connection: close} and is the connection's last, as Envoy drains HTTP/1.
 */
public final class Http1ServerHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Http1ServerHandler.class);

    private final HttpRouter router;
    private final PerLoop<Http1Pool> pools;
    private final HttpLimits limits;
    private final Queue<HttpObject> backlog = new ArrayDeque<>();
    private RequestHeadTimer headTimer;
    private ChannelHandlerContext ctx;
    private Drain drain;
    private Http1Exchange exchange;
    private boolean closing;
    private boolean clientFinished;
    /** The answer being written said Connection: close because the proxy drains. */
    private boolean lastAnswer;

    private Http1ServerHandler(HttpRouter router, PerLoop<Http1Pool> pools, HttpLimits limits) {
        this.router = router;
        this.pools = pools;
        this.limits = limits;
    }

    /** Puts the HTTP/1 server stage at the end of a connection's pipeline. */
    public static void install(ChannelPipeline pipeline, HttpRouter router, PerLoop<Http1Pool> pools, HttpLimits limits) {
        Http1ServerHandler server = new Http1ServerHandler(router, pools, limits);
        StrictRequestDecoder decoder = new StrictRequestDecoder(limits);
        server.headTimer = new RequestHeadTimer(limits.requestHeadersTimeout(), server::headTimedOut,
                decoder::holdsPartialHead);
        pipeline.addLast("h1-head-timer", server.headTimer);
        pipeline.addLast(HandlerNames.H1_DECODER, decoder);
        pipeline.addLast(HandlerNames.H1_ENCODER, new HttpResponseEncoder());
        pipeline.addLast(HandlerNames.H1_SERVER, server);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.drain = Drain.of(ctx.channel());
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || !(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (exchange == null) {
            dispatch(object);
        } else if (backlog.isEmpty() && exchange.takesRequestContent() && object instanceof HttpContent content) {
            exchange.requestContent(content);
        } else {
            backlog.add(object);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushUpstream();
        }
        readMore();
    }

    /** Asks for more bytes when the current state can use them: a new head, or body the upstream can take. */
    void readMore() {
        if (closing || clientFinished) {
            return;
        }
        if (exchange == null ? backlog.isEmpty() : exchange.wantsRequestContent()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.downstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            // The client sent all it will; what it asked is still answered, then the connection closes.
            clientFinished = true;
            if (exchange == null && backlog.isEmpty()) {
                closeAfterFlush();
            } else if (exchange != null && backlog.isEmpty() && exchange.takesRequestContent()) {
                exchange.requestCutShort();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: client connection failed: {}", ConnectionContext.of(ctx.channel()), cause.toString());
        abort();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.downstreamClosed();
            exchange = null;
        }
        releaseBacklog();
        ctx.fireChannelInactive();
    }

    private void dispatch(HttpObject object) {
        if (!(object instanceof HttpRequest request)) {
            boolean broken = object.decoderResult().isFailure();
            ReferenceCountUtil.release(object);
            if (broken) {
                // The decoder reads nothing after a broken body: no further request can come.
                closeAfterFlush();
            }
            return;
        }
        headTimer.headReceived();
        ConnectionContext connection = ConnectionContext.of(ctx.channel());
        RequestContext request1 = new RequestContext(connection, request.protocolVersion().text());
        if (request.decoderResult().isFailure()) {
            refuse(request1, request.decoderResult().cause());
            return;
        }
        exchange = new Http1Exchange(this, request1, request, router, pools.of(ctx.channel().eventLoop()), limits);
        exchange.begin();
    }

    /** The decoder refused the request: answer it and close, forwarding nothing. */
    private void refuse(RequestContext request, Throwable cause) {
        HttpResponseStatus status;
        if (cause instanceof MessageRejected rejected) {
            status = rejected.status();
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        } else if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
        }
        request.status(status.code());
        request.fail(ResponseFlag.DPE, cause.getMessage());
        log.debug("{}: refused {}: {}", request.connection(), status, cause.getMessage());
        writeLocalReply(LocalReply.refused(status, String.valueOf(cause.getMessage())), true);
        request.complete();
        closeAfterFlush();
    }

    private void headTimedOut() {
        if (exchange != null || closing) {
            return;
        }
        RequestContext request = new RequestContext(ConnectionContext.of(ctx.channel()), "HTTP/1.1");
        request.fail(ResponseFlag.DT, "request headers not received in time");
        request.status(HttpResponseStatus.REQUEST_TIMEOUT.code());
        writeLocalReply(LocalReply.of(ResponseFlag.DT, ""), true);
        request.complete();
        closeAfterFlush();
    }

    /** An answer of the proxy's own; with {@code close} it says Connection: close, and the caller closes. */
    void writeLocalReply(LocalReply reply, boolean close) {
        write(reply.http1(ctx.alloc(), close));
        ctx.flush();
    }

    void write(HttpObject message) {
        if (message instanceof HttpResponse response && response.status().code() >= 200 && drain.started()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            lastAnswer = true;
        }
        ctx.write(message);
    }

    void flush() {
        ctx.flush();
    }

    boolean downstreamWritable() {
        return ctx.channel().isWritable();
    }

    Channel channel() {
        return ctx.channel();
    }

    /** The exchange is over; the next request, pipelined or still to come, is taken up. */
    void exchangeDone(boolean close) {
        exchange = null;
        if (close || lastAnswer || clientFinished && backlog.isEmpty()) {
            closing = true;
            releaseBacklog();
            closeAfterFlush();
            return;
        }
        headTimer.awaitNextHead();
        for (HttpObject next; (next = backlog.poll()) != null; ) {
            if (exchange == null) {
                dispatch(next);
            } else if (exchange.takesRequestContent() && next instanceof HttpContent content) {
                exchange.requestContent(content);
            } else {
                ((ArrayDeque<HttpObject>) backlog).addFirst(next);
                break;
            }
        }
        if (exchange != null) {
            exchange.flushUpstream();
        }
        if (clientFinished && exchange == null) {
            closeAfterFlush();
            return;
        }
        readMore();
    }

    /**
     * The upstream agreed to switch protocols: from here on the connection is a byte tunnel. The relay goes in first,
     * so bytes the decoders still hold reach it as they leave.
     */
    void tunnel(Channel upstream) {
        exchange = null;
        closing = true;
        ChannelPipeline pipeline = ctx.pipeline();
        Relay.join(ctx.channel(), upstream);
        pipeline.remove(this);
        pipeline.remove(headTimer);
        pipeline.remove(HandlerNames.H1_DECODER);
        pipeline.remove(HandlerNames.H1_ENCODER);
    }

    /** Ends the connection at once, mid-response: the client must not take a cut-short answer for a whole one. */
    void abort() {
        closing = true;
        releaseBacklog();
        Relay.reset(ctx.channel());
    }

    private void closeAfterFlush() {
        closing = true;
        releaseBacklog();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releaseBacklog() {
        for (HttpObject o; (o = backlog.poll()) != null; ) {
            ReferenceCountUtil.release(o);
        }
    }
}
