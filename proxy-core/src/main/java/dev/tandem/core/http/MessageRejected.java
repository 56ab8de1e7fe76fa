package dev.tandem.core.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a request or response head was refused, with the status a client gets for it: 400 for a request that could be
 * read two ways, 431 for one too large, 502 when the upstream's response is at fault.
 */
public final class MessageRejected extends RuntimeException {

    private final HttpResponseStatus status;

    public MessageRejected(HttpResponseStatus status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    public HttpResponseStatus status() {
        return status;
    }
}
