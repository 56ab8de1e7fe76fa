package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.telemetry.Peer;
import io.netty.buffer.ByteBuf;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the proxy knows about one HTTP request: what was asked, where it went, how it ended and, when it failed, why
 * (named as Envoy names it). Lives on its connection's event loop.
 */
public final class RequestContext {

    private final ConnectionContext connection;
    private final long startNanos = System.nanoTime();
    private final long startEpochMillis = System.currentTimeMillis();
    private final String protocol;
    private String userAgent;
    private String forwardedFor;
    private String routeName;
    private String cluster;
    private String service;
    private Peer peer = Peer.UNKNOWN;
    private boolean grpc;
    private String grpcStatus;
    private long bytesReceived;
    /** Made for gRPC calls only. */
    private GrpcMessages requestMessages;
    private GrpcMessages responseMessages;
    private long bytesSent;
    private long requestHeaderBytes;
    private long responseHeaderBytes;
    private long upstreamSentNanos;
    private long upstreamServiceMillis = -1;
    private SocketAddress upstreamLocal;
    private boolean reported;
    private String method;
    private String path;
    private String authority;
    private String requestId;
    private UpstreamTarget upstream;
    private int status;
    private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
    private String detail;

    public RequestContext(ConnectionContext connection, String protocol) {
        this.connection = connection;
        this.protocol = protocol;
    }

    public ConnectionContext connection() {
        return connection;
    }

    /** {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}. */
    public String protocol() {
        return protocol;
    }

    public void request(String method, String path, String authority, String requestId) {
        this.method = method;
        this.path = path;
        this.authority = authority;
        this.requestId = requestId;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String authority() {
        return authority;
    }

    public String requestId() {
        return requestId;
    }

    public UpstreamTarget upstream() {
        return upstream;
    }

    public void upstream(UpstreamTarget target) {
        this.upstream = target;
    }

    public int status() {
        return status;
    }

    public void status(int code) {
        this.status = code;
    }

    /** Records a failure; the first one's detail is kept, later ones are usually its consequences. */
    public void fail(ResponseFlag reason, String why) {
        flags.add(reason);
        if (detail == null) {
            detail = why;
        }
    }

    /** Records a flag that is no failure, such as an injected delay. */
    public void flag(ResponseFlag flag) {
        flags.add(flag);
    }

    public Set<ResponseFlag> flags() {
        return Collections.unmodifiableSet(flags);
    }

    /** Envoy's response flags field: the flags joined by commas, or "-". */
    public String flagsText() {
        return flags.isEmpty() ? "-" : flags.stream().map(Enum::name).collect(Collectors.joining(","));
    }

    public String detail() {
        return detail;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Wall-clock time the request arrived, for the access log. */
    public long startEpochMillis() {
        return startEpochMillis;
    }

    /** Request headers the access log reports. */
    public void client(String userAgent, String forwardedFor) {
        this.userAgent = userAgent;
        this.forwardedFor = forwardedFor;
    }

    public String userAgent() {
        return userAgent;
    }

    public String forwardedFor() {
        return forwardedFor;
    }

    /**
     * Where the request was sent: the route's name, the cluster (as Envoy names it) and the destination service
     * (the host of the cluster, or of the authority when no route applied).
     */
    public void routed(String routeName, String cluster, String service) {
        this.routeName = routeName;
        this.cluster = cluster;
        this.service = service;
    }

    public String routeName() {
        return routeName;
    }

    public String cluster() {
        return cluster;
    }

    public String service() {
        return service;
    }

    /** The workload at the other end, as its sidecar told (unknown when it did not). */
    public void peer(Peer peer) {
        this.peer = peer;
    }

    public Peer peer() {
        return peer;
    }

    /** A gRPC call: counted with request_protocol grpc and its grpc-status. */
    public void grpc(boolean grpc) {
        this.grpc = grpc;
        if (grpc && requestMessages == null) {
            requestMessages = new GrpcMessages();
            responseMessages = new GrpcMessages();
        }
    }

    public boolean isGrpc() {
        return grpc;
    }

    public void grpcStatus(String status) {
        this.grpcStatus = status;
    }

    public String grpcStatus() {
        return grpcStatus;
    }

    /** Request body bytes read from the client. */
    public void received(long bytes) {
        bytesReceived += bytes;
    }

    /** Response body bytes written to the client. */
    public void sent(long bytes) {
        bytesSent += bytes;
    }

    /** A DATA frame's body read from the client: its bytes, and for gRPC the messages in it. */
    void received(ByteBuf body) {
        received(body.readableBytes());
        if (requestMessages != null) {
            requestMessages.add(body);
        }
    }

    /** A DATA frame's body written to the client: its bytes, and for gRPC the messages in it. */
    void sent(ByteBuf body) {
        sent(body.readableBytes());
        if (responseMessages != null) {
            responseMessages.add(body);
        }
    }

    /** gRPC messages the client sent (0 for a call that is not gRPC). */
    public long requestMessages() {
        return requestMessages == null ? 0 : requestMessages.count();
    }

    /** gRPC messages the client was sent (0 for a call that is not gRPC). */
    public long responseMessages() {
        return responseMessages == null ? 0 : responseMessages.count();
    }

    public void requestHeaderBytes(long bytes) {
        requestHeaderBytes = bytes;
    }

    public void responseHeaderBytes(long bytes) {
        responseHeaderBytes = bytes;
    }

    /** Request head and body, as Istio's istio_request_bytes counts them. */
    public long requestSize() {
        return requestHeaderBytes + bytesReceived;
    }

    /** Response head and body, as Istio's istio_response_bytes counts them. */
    public long responseSize() {
        return responseHeaderBytes + bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public long bytesSent() {
        return bytesSent;
    }

    /** The request went upstream (each attempt restarts the clock) on a connection from this local address. */
    public void upstreamSent(SocketAddress local) {
        upstreamSentNanos = System.nanoTime();
        upstreamLocal = local;
    }

    /** The upstream's response head arrived: Envoy's upstream service time ends here. */
    public void upstreamAnswered() {
        if (upstreamSentNanos != 0) {
            upstreamServiceMillis = (System.nanoTime() - upstreamSentNanos) / 1_000_000;
        }
    }

    /** Milliseconds from sending upstream to the response head, or -1 when no upstream answered. */
    public long upstreamServiceMillis() {
        return upstreamServiceMillis;
    }

    public SocketAddress upstreamLocal() {
        return upstreamLocal;
    }

    /** Reports the request to metrics and the access log, once, however many ways it ends. */
    public void complete() {
        if (!reported) {
            reported = true;
            connection.reporter().requestDone(this);
        }
    }

    @Override
    public String toString() {
        return method + " " + authority + path + " (" + protocol + ") from " + connection.client();
    }
}
