package dev.tandem.core.http;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.traffic.RequestView;
import io.netty.handler.codec.http2.Http2Headers;

/** An HTTP/2 request as routing reads it. */
record Http2RequestView(Http2Headers headers, OrigDstAddr origDst) implements RequestView {

    @Override
    public String method() {
        return text(headers.method());
    }

    @Override
    public String path() {
        return text(headers.path());
    }

    @Override
    public String authority() {
        return text(headers.authority());
    }

    @Override
    public String header(String name) {
        return text(headers.get(name));
    }

    private static String text(CharSequence value) {
        return value == null ? null : value.toString();
    }
}
