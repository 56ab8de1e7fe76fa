package dev.tandem.core.http;

import dev.tandem.core.HandlerNames;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.relay.IdleTimeoutHandler;
import dev.tandem.core.traffic.Cluster;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keep-alive HTTP/1.1 connections to upstream endpoints, one pool per event loop so that a request and its upstream
 * connection share a thread and nothing is locked. Connections are reused across client connections; the most
 * recently used idle one is taken first. A cluster's circuit breakers bound its connections: past maxConnections a
 * request waits for one (a pending request), and past http1MaxPendingRequests it is refused. As in Envoy, whose
 * workers each have their pools, a pool with no connection to an endpoint may always open one, so the limit may be
 * passed by up to one connection per event loop.
 */
public final class Http1Pool {

    /** Upstream HTTP/1 connections open now and idle now, in every pool, for the proxy's metrics. */
    private static final LongAdder OPEN = new LongAdder();
    private static final LongAdder IDLE = new LongAdder();

    private final UpstreamConnector connector;
    private final HttpLimits limits;
    private final Duration idleTimeout;
    private final Map<PoolKey, ArrayDeque<Http1Connection>> idle = new HashMap<>();
    private final Map<Cluster, ArrayDeque<Waiter>> waiting = new HashMap<>();
    /** Connections of this pool per cluster and endpoint: connecting, busy or idle. */
    private final Map<PoolKey, Integer> opened = new HashMap<>();

    /** A request waiting for a connection slot of its cluster. */
    private record Waiter(Channel downstream, UpstreamTarget target, Promise<Http1Connection> promise) {
    }

    public Http1Pool(UpstreamConnector connector, HttpLimits limits, Duration idleTimeout) {
        this.connector = connector;
        this.limits = limits;
        this.idleTimeout = idleTimeout;
    }

    public static long openConnections() {
        return OPEN.sum();
    }

    public static long idleConnections() {
        return IDLE.sum();
    }

    /** An idle connection to the target that is still usable, or a new one; fails with {@link Overflow}. */
    Future<Http1Connection> acquire(Channel downstream, UpstreamTarget target, Cluster cluster) {
        Promise<Http1Connection> promise = downstream.eventLoop().newPromise();
        acquire(downstream, target, cluster, promise);
        return promise;
    }

    private void acquire(Channel downstream, UpstreamTarget target, Cluster cluster, Promise<Http1Connection> promise) {
        PoolKey key = PoolKey.of(cluster, target);
        ArrayDeque<Http1Connection> parked = idle.get(key);
        for (Http1Connection c; parked != null && (c = parked.pollLast()) != null; ) {
            IDLE.decrement();
            // A connection of the cluster as it was before a reload is not reused: its slot is the old cluster's.
            if (c.usable() && c.cluster() == cluster) {
                promise.setSuccess(c);
                return;
            }
            c.channel().close();
        }
        if (cluster != null && !cluster.admitConnection()) {
            if (opened.getOrDefault(key, 0) == 0) {
                // As Envoy: a pool with no connection at all to the endpoint may open one past the limit, or a
                // request on this thread could wait for a slot only another thread's idle connection holds.
                cluster.forceConnection();
                connect(downstream, target, cluster, promise);
                return;
            }
            if (!cluster.admitPending()) {
                promise.setFailure(new Overflow("cluster " + cluster + " has " + cluster.connections()
                        + " connections and " + cluster.pendingRequests() + " pending requests, its limits"));
                return;
            }
            waiting.computeIfAbsent(cluster, c -> new ArrayDeque<>()).add(new Waiter(downstream, target, promise));
            return;
        }
        connect(downstream, target, cluster, promise);
    }

    /** Opens a connection whose cluster slot, if any, is already taken. */
    private void connect(Channel downstream, UpstreamTarget target, Cluster cluster, Promise<Http1Connection> promise) {
        PoolKey key = PoolKey.of(cluster, target);
        opened.merge(key, 1, Integer::sum);
        connector.connect(downstream, target).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                opened.merge(key, -1, Http1Pool::sumOrNone);
                if (cluster != null) {
                    connectionGone(cluster);
                }
                promise.setFailure(connected.cause());
                return;
            }
            Channel channel = connected.channel();
            OPEN.increment();
            channel.closeFuture().addListener(closed -> OPEN.decrement());
            Http1Connection connection = new Http1Connection(channel, target, this, cluster);
            Duration idleFor = cluster != null && cluster.limits().idleTimeout() != null
                    ? cluster.limits().idleTimeout() : idleTimeout;
            IdleTimeoutHandler.addTo(channel.pipeline(), idleFor);
            channel.pipeline().addLast(HandlerNames.H1_CLIENT_CODEC, new Http1ClientCodec(limits));
            channel.pipeline().addLast(HandlerNames.H1_UPSTREAM, connection);
            promise.setSuccess(connection);
        });
    }

    void release(Http1Connection connection) {
        Cluster cluster = connection.cluster();
        int perConnection = cluster == null ? 0 : cluster.limits().maxRequestsPerConnection();
        if (perConnection > 0 && connection.exchanges() >= perConnection) {
            connection.noKeepAlive();
        }
        if (!connection.usable()) {
            connection.channel().close();
            return;
        }
        ArrayDeque<Waiter> waiters = cluster == null ? null : waiting.get(cluster);
        Waiter next = waiters == null ? null : waiters.peek();
        if (next != null) {
            if (next.target().equals(connection.target())) {
                waiters.poll();
                cluster.pendingDone();
                next.promise().setSuccess(connection);
            } else {
                // The waiter wants another endpoint: closed, this connection's slot goes to it (see forget).
                connection.noKeepAlive();
                connection.channel().close();
            }
            return;
        }
        idle.computeIfAbsent(PoolKey.of(cluster, connection.target()), t -> new ArrayDeque<>()).addLast(connection);
        IDLE.increment();
    }

    /** The connection closed: it leaves the pool, and its slot goes to the first request waiting for one. */
    void forget(Http1Connection connection) {
        PoolKey key = PoolKey.of(connection.cluster(), connection.target());
        opened.merge(key, -1, Http1Pool::sumOrNone);
        ArrayDeque<Http1Connection> parked = idle.get(key);
        if (parked != null && parked.remove(connection)) {
            IDLE.decrement();
        }
        if (connection.cluster() != null) {
            connectionGone(connection.cluster());
        }
    }

    private void connectionGone(Cluster cluster) {
        cluster.connectionClosed();
        ArrayDeque<Waiter> waiters = waiting.get(cluster);
        Waiter next = waiters == null ? null : waiters.poll();
        if (next != null) {
            cluster.pendingDone();
            if (!next.promise().isDone()) {
                acquire(next.downstream(), next.target(), cluster, next.promise());
            }
        }
    }

    /** A count that drops to zero leaves the map, so the map holds only endpoints with connections. */
    private static Integer sumOrNone(Integer a, Integer b) {
        int sum = a + b;
        return sum == 0 ? null : sum;
    }
}
