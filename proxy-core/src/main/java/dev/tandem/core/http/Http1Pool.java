package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.relay.IdleTimeoutHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keep-alive HTTP/1.1 connections to upstream endpoints, one pool per event loop so that a request and its upstream
 * connection share a thread and nothing is locked. Connections are reused across client connections; the most
 * recently used idle one is taken first.
 */
public final class Http1Pool {

    private final UpstreamConnector connector;
    private final HttpLimits limits;
    private final Duration idleTimeout;
    private final Map<UpstreamTarget, ArrayDeque<Http1Connection>> idle = new HashMap<>();

    public Http1Pool(UpstreamConnector connector, HttpLimits limits, Duration idleTimeout) {
        this.connector = connector;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
    }

    /** An idle connection to the target that is still usable, or a new one. */
    Future<Http1Connection> acquire(Channel downstream, UpstreamTarget target) {
        Promise<Http1Connection> promise = downstream.eventLoop().newPromise();
        ArrayDeque<Http1Connection> parked = idle.get(target);
        for (Http1Connection c; parked != null && (c = parked.pollLast()) != null; ) {
            if (c.usable()) {
                return promise.setSuccess(c);
            }
            c.channel().close();
        }
        connector.connect(downstream, target).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                promise.setFailure(connected.cause());
                return;
            }
            Channel channel = connected.channel();
            Http1Connection connection = new Http1Connection(channel, target, this);
            IdleTimeoutHandler.addTo(channel.pipeline(), idleTimeout);
            channel.pipeline().addLast(HandlerNames.H1_CLIENT_CODEC, new Http1ClientCodec(limits));
            channel.pipeline().addLast(HandlerNames.H1_UPSTREAM, connection);
            promise.setSuccess(connection);
        });
        return promise;
    }

    void release(Http1Connection connection) {
        if (!connection.usable()) {
            connection.channel().close();
            return;
        }
        idle.computeIfAbsent(connection.target(), t -> new ArrayDeque<>()).addLast(connection);
    }

    void forget(Http1Connection connection) {
        ArrayDeque<Http1Connection> parked = idle.get(connection.target());
        if (parked != null) {
            parked.remove(connection);
        }
    }
}
