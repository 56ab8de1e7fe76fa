package dev.tandem.core.http;

import dev.tandem.core.config.HttpLimits;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * HTTP/2 settings both sides of the proxy announce. The stream window is larger than the protocol's 64 KiB default,
 * so a busy stream is not throttled by its own flow control, yet bounded, so memory held per stream stays bounded;
 * Netty widens the connection window to match.
 */
final class Http2Windows {

    static final int STREAM_WINDOW = 1024 * 1024;
    private static final int MAX_CONCURRENT_STREAMS = 1024;

    private Http2Windows() {
    }

    static Http2Settings settings(HttpLimits limits) {
        return Http2Settings.defaultSettings()
                .initialWindowSize(STREAM_WINDOW)
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(limits.maxHeadBytes());
    }
}
