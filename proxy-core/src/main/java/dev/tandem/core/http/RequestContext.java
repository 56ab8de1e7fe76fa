package dev.tandem.core.http;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.connect.UpstreamTarget;
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
    private final String protocol;
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

    @Override
    public String toString() {
        return method + " " + authority + path + " (" + protocol + ") from " + connection.client();
    }
}
