package dev.tandem.core.http;

import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.Endpoint;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Set;

/**
 * A copy of a request sent to a mirror cluster, fire and forget: its answer is read and dropped, and nothing about it
 * reaches the client. As Envoy does, the copy's Host carries a "-shadow" suffix.
 */
final class Http1Mirror {

    private final Endpoint endpoint;
    private Http1Connection connection;

    private Http1Mirror(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    static void send(Http1Pool pool, Channel downstream, Cluster cluster, HttpRequest request, List<HttpContent> body) {
        Endpoint endpoint = cluster.choose(Set.of());
        if (endpoint == null || !cluster.admitRequest()) {
            return;
        }
        var head = new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(), request.headers().copy());
        head.headers().set(HttpHeaderNames.HOST, shadow(request.headers().get(HttpHeaderNames.HOST)));
        List<HttpContent> copies = body.stream().map(HttpContent::retainedDuplicate).toList();
        Http1Mirror mirror = new Http1Mirror(endpoint);
        endpoint.started();
        UpstreamTarget target = new UpstreamTarget(endpoint.address(), null, cluster.limits().connectTimeout());
        pool.acquire(downstream, target, cluster).addListener((Future<Http1Connection> acquired) -> {
            if (!acquired.isSuccess()) {
                copies.forEach(ReferenceCountUtil::release);
                mirror.done(cluster);
                return;
            }
            mirror.connection = acquired.getNow();
            mirror.connection.checkout(new Listener(mirror, cluster));
            mirror.connection.channel().write(head);
            copies.forEach(mirror.connection.channel()::write);
            mirror.connection.channel().flush();
        });
    }

    private static String shadow(String host) {
        if (host == null) {
            return "shadow";
        }
        int colon = host.lastIndexOf(':');
        boolean hasPort = colon > 0 && host.indexOf(']') < colon;
        return hasPort ? host.substring(0, colon) + "-shadow" + host.substring(colon) : host + "-shadow";
    }

    private void done(Cluster cluster) {
        endpoint.finished();
        cluster.requestDone();
    }

    /** Drops the mirror's answer; at its end the connection goes back to the pool. */
    private record Listener(Http1Mirror mirror, Cluster cluster) implements Http1Connection.Listener {
        @Override
        public void upstreamMessage(HttpObject message) {
            ReferenceCountUtil.release(message);
            if (message instanceof LastHttpContent) {
                mirror.done(cluster);
                mirror.connection.release();
            }
        }

        @Override
        public void upstreamReadComplete() {
        }

        @Override
        public void upstreamWritabilityChanged() {
        }

        @Override
        public void upstreamClosed(Throwable cause) {
            mirror.done(cluster);
        }
    }
}
