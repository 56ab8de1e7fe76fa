package dev.tandem.core.http;

import dev.tandem.core.ResponseFlag;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * An answer the proxy gives itself, when the request cannot or must not reach the upstream. The status and body follow
 * Envoy's, so clients and scripts that know Envoy's answers understand these; the body ends with the response flag.
 */
public record LocalReply(HttpResponseStatus status, ResponseFlag flag, String body, Map<String, String> headers) {

    public LocalReply(HttpResponseStatus status, ResponseFlag flag, String body) {
        this(status, flag, body, Map.of());
    }

    public static LocalReply of(ResponseFlag flag, String detail) {
        return switch (flag) {
            case UF -> new LocalReply(HttpResponseStatus.SERVICE_UNAVAILABLE, flag,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection failure, "
                            + "transport failure reason: " + detail);
            case UC -> new LocalReply(HttpResponseStatus.SERVICE_UNAVAILABLE, flag,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection termination");
            case UT -> new LocalReply(HttpResponseStatus.GATEWAY_TIMEOUT, flag, "upstream request timeout");
            case UPE -> new LocalReply(HttpResponseStatus.BAD_GATEWAY, flag, "upstream protocol error: " + detail);
            case DT -> new LocalReply(HttpResponseStatus.REQUEST_TIMEOUT, flag, "request header timeout");
            case UO -> new LocalReply(HttpResponseStatus.SERVICE_UNAVAILABLE, flag,
                    "upstream connect error or disconnect/reset before headers. reset reason: overflow");
            case UH -> new LocalReply(HttpResponseStatus.SERVICE_UNAVAILABLE, flag, "no healthy upstream");
            default -> new LocalReply(HttpResponseStatus.SERVICE_UNAVAILABLE, flag, detail);
        };
    }

    /** A refused request: 400, 414, 431 or 505, as the decoder decided. */
    public static LocalReply refused(HttpResponseStatus status, String detail) {
        return new LocalReply(status, ResponseFlag.DPE, status.reasonPhrase() + ": " + detail);
    }

    /** As an HTTP/1.1 response that closes the connection when {@code close}. */
    public FullHttpResponse http1(ByteBufAllocator alloc, boolean close) {
        var content = ByteBufUtil.writeUtf8(alloc, text());
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        headers.forEach(response.headers()::set);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** The body as sent: Envoy's text, and the response flag when there is one. */
    public String text() {
        if (body.isEmpty()) {
            return "";
        }
        return flag == null ? body + "\n" : body + " (" + flag + ")\n";
    }
}
