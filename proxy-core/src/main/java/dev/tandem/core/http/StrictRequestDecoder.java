package dev.tandem.core.http;

import dev.tandem.core.config.HttpLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder made strict: besides what Netty refuses, a request that could be framed two ways (see
 * {@link HeadRules}), lacks its Host or names a version other than 1.0 and 1.1 comes out with a failed
 * {@link DecoderResult} carrying a {@link MessageRejected}, and nothing after it is read. The server stage answers it
 * and never forwards it. A body whose chunk or trailer lines break the rules ends in a failed {@link LastHttpContent},
 * as Netty reports it, and nothing after it is read either.
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {

    private static final int MAX_REQUEST_LINE = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;

    private final HeadRules rules;
    private boolean failed;

    public StrictRequestDecoder(HttpLimits limits) {
        super(config(limits));
        this.rules = new HeadRules(HttpResponseStatus.BAD_REQUEST, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                limits.maxHeaders());
    }

    static HttpDecoderConfig config(HttpLimits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(limits.maxHeadBytes())
                .setMaxChunkSize(MAX_CHUNK)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(true)
                .setValidateHeaders(true);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (rules.rejectFolded(in, out, () -> new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request"))) {
            failed = true;
            return;
        }
        int before = in.readerIndex();
        int produced = out.size();
        super.decode(ctx, in, out);
        rules.consumed(before, in.readerIndex());
        for (int i = produced; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpRequest request) {
                rules.checkHead(request);
                checkVersion(request);
                checkHost(request);
                failed |= request.decoderResult().isFailure();
            }
            if (message instanceof HttpContent content) {
                failed |= content.decoderResult().isFailure();
            }
            if (message instanceof LastHttpContent) {
                rules.messageEnded();
            }
        }
    }

    /** True while part of a request head has arrived and the rest has not. */
    boolean holdsPartialHead() {
        return !failed && rules.headUnderway(actualReadableBytes() > 0);
    }

    /** Only HTTP/1.0 and 1.1 speak this syntax; any other version is answered 505. */
    private static void checkVersion(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (request.decoderResult().isSuccess() && !version.equals(HttpVersion.HTTP_1_1)
                && !version.equals(HttpVersion.HTTP_1_0)) {
            HeadRules.reject(request, new MessageRejected(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    version.text() + " is not HTTP/1.0 or HTTP/1.1"));
        }
    }

    /** HTTP/1.1 needs exactly one Host; more than one could route two ways. */
    private static void checkHost(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return;
        }
        int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
        if (hosts > 1 || hosts == 0 && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            HeadRules.reject(request, new MessageRejected(HttpResponseStatus.BAD_REQUEST,
                    hosts == 0 ? "HTTP/1.1 request without Host" : "more than one Host"));
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        rules.contentLengthWithTransferEncoding(message);
    }
}
