package dev.tandem.core.http;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.traffic.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/** An HTTP/1 request as routing reads it. */
record Http1RequestView(HttpRequest request, OrigDstAddr origDst) implements RequestView {

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        return request.uri();
    }

    @Override
    public String authority() {
        return request.headers().get(HttpHeaderNames.HOST);
    }

    @Override
    public String header(String name) {
        return request.headers().get(name);
    }
}
