package dev.tandem.core.lifecycle;

import dev.tandem.core.addr.Addresses;
import dev.tandem.core.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's listening sockets and the connections they accepted. Traffic listeners' connections are tracked, and
 * governed by the {@link Drain}, so that a drain can tell them to finish and wait for them; the health and admin
 * listeners' are not.
 */
public final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    /** How a listener's socket is set up. */
    public enum Kind {
        /** Intercepted traffic: connections tracked for drain, auto-read off until the upstream is ready. */
        TRAFFIC,
        /** Intercepted traffic on a transparent socket (TPROXY), which needs CAP_NET_ADMIN. */
        TRANSPARENT_TRAFFIC,
        /** A small HTTP endpoint (health, admin, metrics): on a loop of its own, reads at once, not tracked. */
        ENDPOINT
    }

    /** Connections a traffic listener accepted: in all, and open now. */
    public static final class Counters {
        private final LongAdder total = new LongAdder();
        private final LongAdder active = new LongAdder();

        public long total() {
            return total.sum();
        }

        public long active() {
            return active.sum();
        }
    }

    /** A bound listener, as the admin config dump shows it. */
    public record Bound(String name, InetSocketAddress address, Kind kind, boolean accepting) {
    }

    private record Server(String name, Kind kind, Channel channel, InetSocketAddress address) {
    }

    private final Transport transport;
    private final Drain drain = new Drain();
    private final Map<String, Counters> counters = new ConcurrentSkipListMap<>();
    private final ChannelGroup connections = new DefaultChannelGroup("traffic", GlobalEventExecutor.INSTANCE);
    private final List<Server> servers = new CopyOnWriteArrayList<>();

    public Listeners(Transport transport) {
        this.transport = transport;
    }

    /** Binds and returns the listening channel; a bind failure throws with the address in the message. */
    public Channel bind(String name, InetSocketAddress address, Kind kind, ChannelHandler childInitializer) {
        ServerBootstrap bootstrap = (kind == Kind.ENDPOINT ? transport.endpointServer() : transport.server())
                .childHandler(childInitializer);
        if (kind == Kind.ENDPOINT) {
            bootstrap.childOption(ChannelOption.AUTO_READ, true);
        } else {
            Counters listenerCounters = new Counters();
            counters.put(name, listenerCounters);
            bootstrap.handler(new TrackAccepted(connections, listenerCounters, drain));
        }
        if (kind == Kind.TRANSPARENT_TRAFFIC) {
            bootstrap.option(EpollChannelOption.IP_TRANSPARENT, true);
        }
        Channel server;
        try {
            server = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot listen on " + Addresses.format(address) + " for " + name + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        log.info("{} listening on {}", name, Addresses.format(bound));
        servers.add(new Server(name, kind, server, bound));
        return server;
    }

    /** The drain that governs the traffic listeners' connections. */
    public Drain drain() {
        return drain;
    }

    /** Stops accepting intercepted traffic; the health and admin listeners stay up until {@link #close()}. */
    public void stopAccepting() {
        servers.stream().filter(s -> s.kind() != Kind.ENDPOINT).forEach(s -> s.channel().close().syncUninterruptibly());
    }

    /** Every listener bound, in the order of binding, and whether it still accepts. */
    public List<Bound> bound() {
        return servers.stream()
                .map(s -> new Bound(s.name(), s.address(), s.kind(), s.channel().isOpen()))
                .toList();
    }

    /** Each traffic listener's counters, by listener name. */
    public Map<String, Counters> counters() {
        return Collections.unmodifiableMap(counters);
    }

    public int openConnections() {
        return connections.size();
    }

    public void closeConnections() {
        connections.close().awaitUninterruptibly();
    }

    public void close() {
        servers.forEach(s -> s.channel().close().syncUninterruptibly());
        closeConnections();
    }

    /** Sees each accepted channel before it is registered: adds it to the group, counts it and puts it under the drain. */
    @ChannelHandler.Sharable
    private static final class TrackAccepted extends ChannelInboundHandlerAdapter {
        private final ChannelGroup connections;
        private final Counters counters;
        private final Drain drain;

        TrackAccepted(ChannelGroup connections, Counters counters, Drain drain) {
            this.connections = connections;
            this.counters = counters;
            this.drain = drain;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel accepted = (Channel) msg;
            counters.total.increment();
            counters.active.increment();
            accepted.closeFuture().addListener(closed -> counters.active.decrement());
            connections.add(accepted);
            drain.govern(accepted);
            ctx.fireChannelRead(msg);
        }
    }
}
