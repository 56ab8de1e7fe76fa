package dev.tandem.core.telemetry;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.http.RequestContext;
import java.util.Set;

/** Reports one direction's requests and connections to Istio's metrics and to the access log. */
final class DirectionReporter implements TrafficReporter {

    /*
     * Opaque connections. A connection's four TCP counters carry one label set, so opened minus closed counts the
     * connections open now and its bytes are on the series its close is. Istio chooses it when a connection first
     * reports: after the peer exchange (which raw TCP without mutual TLS never has), else at close. Tandem has no
     * exchange on raw TCP (the peer is unknown), and chooses it once the upstream connection is made, with the flags
     * so far, so a connection shows as opened and its bytes count while it lasts; one never made (refused, failed)
     * is reported at close with its flag. A flag that comes later (a reset, an idle timeout) is in the access log
     * only.
     */

    /** An opened connection whose label set is not chosen yet. */
    private static final Object PENDING = new Object();
    /** A connection already reported as closed. */
    private static final Object CLOSED = new Object();

    private final boolean outbound;
    private final MeshMetrics mesh;
    private final AccessLog accessLog;
    private final String localHeader;

    /** With {@code mesh} null, Istio's metrics are not kept (the peer header is still exchanged). */
    DirectionReporter(boolean outbound, MeshMetrics mesh, AccessLog accessLog, Peer local) {
        this.outbound = outbound;
        this.mesh = mesh;
        this.accessLog = accessLog;
        this.localHeader = local.header();
    }

    @Override
    public boolean outbound() {
        return outbound;
    }

    @Override
    public String localPeerHeader() {
        return localHeader;
    }

    @Override
    public void requestDone(RequestContext r) {
        if (mesh != null) {
            mesh.requestDone(outbound, r);
        }
        if (accessLog.enabled()) {
            ConnectionContext c = r.connection();
            accessLog.log(new AccessLog.Entry(r.startEpochMillis(), r.routeName(), r.method(), r.path(), r.protocol(),
                    r.status(), r.flagsText(), details(r), r.bytesReceived(), r.bytesSent(), r.elapsedMillis(),
                    r.upstreamServiceMillis(), r.forwardedFor(), r.userAgent(), r.requestId(), r.authority(),
                    r.upstream(), r.cluster(), r.upstreamLocal(), c.origDst(), c.client(), c.sni(),
                    r.flags().contains(ResponseFlag.UF) ? r.detail() : null));
        }
    }

    /** Envoy's response code details for how the request ended. */
    private static String details(RequestContext r) {
        Set<ResponseFlag> flags = r.flags();
        if (flags.contains(ResponseFlag.NR)) {
            return "route_not_found";
        }
        if (flags.contains(ResponseFlag.FI)) {
            return "fault_filter_abort";
        }
        if (flags.contains(ResponseFlag.DPE)) {
            return "http1.codec_error";
        }
        if (flags.contains(ResponseFlag.DT)) {
            return "request_header_timeout";
        }
        if (flags.contains(ResponseFlag.UH)) {
            return "no_healthy_upstream";
        }
        if (flags.contains(ResponseFlag.UO)) {
            return "upstream_reset_before_response_started{overflow}";
        }
        if (r.upstreamServiceMillis() >= 0) {
            return flags.contains(ResponseFlag.UC) || flags.contains(ResponseFlag.DC)
                    ? "upstream_reset_after_response_started" : "via_upstream";
        }
        if (flags.contains(ResponseFlag.UT)) {
            return "upstream_response_timeout";
        }
        if (flags.contains(ResponseFlag.UF)) {
            return "upstream_reset_before_response_started{connection_failure}";
        }
        if (flags.contains(ResponseFlag.UC)) {
            return "upstream_reset_before_response_started{connection_termination}";
        }
        if (flags.contains(ResponseFlag.DC)) {
            return "downstream_remote_disconnect";
        }
        if (r.status() >= 300 && r.status() < 400 && r.upstream() == null) {
            return "direct_response";
        }
        return null;
    }

    @Override
    public void tcpOpened(ConnectionContext c) {
        c.telemetry(PENDING);
    }

    @Override
    public void tcpConnected(ConnectionContext c) {
        if (mesh != null && c.telemetry() == PENDING) {
            MeshMetrics.TcpSeries series = mesh.tcpSeries(outbound, c, flags(c));
            c.telemetry(series);
            series.opened().inc();
        }
    }

    private static String flags(ConnectionContext c) {
        return c.flag() == null ? "-" : c.flag().name();
    }

    @Override
    public void tcpBytes(ConnectionContext c, long fromDownstream, long fromUpstream) {
        if (c.telemetry() instanceof MeshMetrics.TcpSeries series) {
            if (fromDownstream > 0) {
                series.received().inc(fromDownstream);
            }
            if (fromUpstream > 0) {
                series.sent().inc(fromUpstream);
            }
        }
    }

    @Override
    public void tcpClosed(ConnectionContext c) {
        Object state = c.telemetry();
        if (state == null || state == CLOSED) {
            return;
        }
        c.telemetry(CLOSED);
        String flags = flags(c);
        if (mesh != null) {
            MeshMetrics.TcpSeries series;
            if (state instanceof MeshMetrics.TcpSeries connected) {
                series = connected;
            } else {
                series = mesh.tcpSeries(outbound, c, flags);
                series.opened().inc();
            }
            series.closed().inc();
        }
        if (accessLog.enabled()) {
            accessLog.log(new AccessLog.Entry(c.startEpochMillis(), null, null, null, null, 0, flags,
                    c.flag() == null ? null : c.flag().meaning().replace(' ', '_'), c.bytesFromDownstream(),
                    c.bytesFromUpstream(), c.elapsedMillis(), -1, null, null, null, null, c.upstreamHost(),
                    c.cluster(), c.upstreamLocal(), c.origDst(), c.client(), c.sni(),
                    c.flag() == ResponseFlag.UF ? c.failureDetail() : null));
        }
    }
}
