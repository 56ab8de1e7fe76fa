package dev.tandem.core.http;

import dev.tandem.core.config.HttpLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * The upstream side's response decoder, as strict as {@link StrictRequestDecoder}: a response that could split or
 * smuggle comes out failed, and the exchange answers 502 instead of forwarding it; a body whose chunk or trailer lines
 * break the rules ends in a failed {@link LastHttpContent}, and nothing after it is read. It also knows, from the requests
 * sent, which responses have no body (to HEAD, 1xx, 204, 304).
 */
final class StrictResponseDecoder extends HttpResponseDecoder {

    private final HeadRules rules;
    private final Queue<HttpMethod> methods = new ArrayDeque<>();
    private boolean failed;

    StrictResponseDecoder(HttpLimits limits) {
        super(StrictRequestDecoder.config(limits));
        this.rules = new HeadRules(HttpResponseStatus.BAD_GATEWAY, HttpResponseStatus.BAD_GATEWAY, limits.maxHeaders());
    }

    /** Called as each request is sent, in order. */
    void sent(HttpMethod method) {
        methods.add(method);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (rules.rejectFolded(in, out, () -> new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY))) {
            failed = true;
            return;
        }
        int before = in.readerIndex();
        int produced = out.size();
        super.decode(ctx, in, out);
        rules.consumed(before, in.readerIndex());
        for (int i = produced; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpResponse response) {
                rules.checkHead(response);
                failed |= response.decoderResult().isFailure();
            }
            if (message instanceof HttpContent content) {
                failed |= content.decoderResult().isFailure();
            }
            if (message instanceof LastHttpContent) {
                rules.messageEnded();
            }
        }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage message) {
        int code = ((HttpResponse) message).status().code();
        if (code >= 100 && code < 200) {
            // An interim response: the request it belongs to is still waiting for its final one.
            return true;
        }
        HttpMethod method = methods.poll();
        if (HttpMethod.HEAD.equals(method)) {
            return true;
        }
        return super.isContentAlwaysEmpty(message);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        rules.contentLengthWithTransferEncoding(message);
    }
}
