package dev.tandem.core.telemetry;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.Iterator;
import java.util.Map;

/** What the HTTP stages do for telemetry on the way: the peer header exchange and the sizes Istio counts. */
public final class HttpTelemetry {

    private HttpTelemetry() {
    }

    public static boolean isGrpc(CharSequence contentType) {
        return contentType != null && contentType.toString().startsWith("application/grpc");
    }

    /** Replaces whatever peer header the application sent with this sidecar's own (an application cannot forge it). */
    public static void sendPeer(HttpHeaders headers, TrafficReporter reporter) {
        headers.remove(Peer.HEADER);
        String own = reporter.localPeerHeader();
        if (own != null) {
            headers.set(Peer.HEADER, own);
        }
    }

    public static void sendPeer(Http2Headers headers, TrafficReporter reporter) {
        headers.remove(Peer.HEADER);
        String own = reporter.localPeerHeader();
        if (own != null) {
            headers.set(Peer.HEADER, own);
        }
    }

    /** The other sidecar's identity, removed so that the application never sees it. */
    public static Peer takePeer(HttpHeaders headers) {
        String value = headers.get(Peer.HEADER);
        if (value == null) {
            return Peer.UNKNOWN;
        }
        headers.remove(Peer.HEADER);
        return Peer.parse(value);
    }

    public static Peer takePeer(Http2Headers headers) {
        CharSequence value = headers.get(Peer.HEADER);
        if (value == null) {
            return Peer.UNKNOWN;
        }
        headers.remove(Peer.HEADER);
        return Peer.parse(value);
    }

    /**
     * A head's size as Envoy counts it for Istio's request and response sizes: each header's name and value, and for
     * a request its method and path, without separators.
     */
    public static long headBytes(String method, String path, HttpHeaders headers) {
        long size = (method == null ? 0 : method.length() + 7) + (path == null ? 0 : path.length() + 5);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            size += header.getKey().length() + header.getValue().length();
        }
        return size;
    }

    public static long headBytes(Http2Headers headers) {
        long size = 0;
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            size += header.getKey().length() + header.getValue().length();
        }
        return size;
    }
}
