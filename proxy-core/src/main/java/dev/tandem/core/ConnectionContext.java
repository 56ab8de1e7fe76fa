package dev.tandem.core;

import dev.tandem.core.addr.ClientAddr;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.detect.Protocol;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * What the proxy knows about one accepted connection as it climbs the stack: who called, where they meant to go,
 * when, how many bytes moved and, if it failed, why. Lives on the connection's event loop; never shared across threads.
 */
public final class ConnectionContext {

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
