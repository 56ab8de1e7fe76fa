package dev.tandem.core;

import dev.tandem.core.addr.ClientAddr;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.detect.Protocol;
import dev.tandem.core.telemetry.TrafficReporter;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the proxy knows about one accepted connection as it climbs the stack: who called, where they meant to go,
 * when, how many bytes moved and, if it failed, why. Lives on the connection's event loop; never shared across threads.
 */
public final class ConnectionContext {

    private static final LongAdder ALL_PAUSES = new LongAdder();
    private static final AttributeKey<ConnectionContext> KEY = AttributeKey.valueOf(ConnectionContext.class, "context");

    private final String listener;
    private final ClientAddr client;
    private final long startNanos = System.nanoTime();
    private OrigDstAddr origDst;
    private Protocol protocol;
    private String sni;
    private ResponseFlag flag;
    private String failureDetail;
    private long bytesFromDownstream;
    private long bytesFromUpstream;
    private long backpressurePauses;
    private TrafficReporter reporter = TrafficReporter.NONE;
    private String cluster;
    private String service;
    private SocketAddress upstreamLocal;
    private SocketAddress upstreamHost;
    private final long startEpochMillis = System.currentTimeMillis();
    private Object telemetry;

    private ConnectionContext(String listener, ClientAddr client) {
        this.listener = listener;
        this.client = client;
    }

    /** Attaches a fresh context to an accepted channel. */
    public static ConnectionContext attach(Channel channel, String listener) {
        var context = new ConnectionContext(listener, new ClientAddr((InetSocketAddress) channel.remoteAddress()));
        channel.attr(KEY).set(context);
        return context;
    }

    public static ConnectionContext of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public String listener() {
        return listener;
    }

    public ClientAddr client() {
        return client;
    }

    public OrigDstAddr origDst() {
        return origDst;
    }

    public void origDst(OrigDstAddr destination) {
        this.origDst = destination;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** What detection found, and the TLS server name when the client sent one. */
    public void detected(Protocol protocol, String sni) {
        this.protocol = protocol;
        this.sni = sni;
    }

    public String sni() {
        return sni;
    }

    /** Records the first failure only: later ones are consequences of it. */
    public void fail(ResponseFlag reason, String detail) {
        if (flag == null) {
            flag = reason;
            failureDetail = detail;
        }
    }

    public ResponseFlag flag() {
        return flag;
    }

    public String failureDetail() {
        return failureDetail;
    }

    public void countFromDownstream(int bytes) {
        bytesFromDownstream += bytes;
    }

    public void countFromUpstream(int bytes) {
        bytesFromUpstream += bytes;
    }

    public void countPause() {
        backpressurePauses++;
        ALL_PAUSES.increment();
    }

    /** Reads paused for backpressure, on every connection since start. */
    public static long allPauses() {
        return ALL_PAUSES.sum();
    }

    /** Where this connection's requests and bytes are reported: its listener's direction. */
    public TrafficReporter reporter() {
        return reporter;
    }

    public void reporter(TrafficReporter reporter) {
        this.reporter = reporter;
    }

    /** An opaque connection's upstream: its cluster (as Envoy names it) and destination service. */
    public void routed(String cluster, String service) {
        this.cluster = cluster;
        this.service = service;
    }

    public String cluster() {
        return cluster;
    }

    public String service() {
        return service;
    }

    /** The upstream connection's two ends, once connected. */
    public void upstreamConnected(SocketAddress local, SocketAddress remote) {
        this.upstreamLocal = local;
        this.upstreamHost = remote;
    }

    public SocketAddress upstreamLocal() {
        return upstreamLocal;
    }

    public SocketAddress upstreamHost() {
        return upstreamHost;
    }

    /** What the reporter keeps for this connection between open and close. */
    public Object telemetry() {
        return telemetry;
    }

    public void telemetry(Object state) {
        this.telemetry = state;
    }

    public long startEpochMillis() {
        return startEpochMillis;
    }

    public long bytesFromDownstream() {
        return bytesFromDownstream;
    }

    public long bytesFromUpstream() {
        return bytesFromUpstream;
    }

    public long backpressurePauses() {
        return backpressurePauses;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return listener + " " + client + " -> " + (origDst == null ? "?" : origDst);
    }
}
