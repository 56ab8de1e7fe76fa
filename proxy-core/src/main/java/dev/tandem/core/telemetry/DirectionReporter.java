package dev.tandem.core.telemetry;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.http.RequestContext;
import java.util.Set;

/** Reports one direction's requests and connections to Istio's metrics and to the access log. */
final class DirectionReporter implements TrafficReporter {

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
        if (mesh == null) {
            c.telemetry(Boolean.TRUE);
            return;
        }
        MeshMetrics.TcpSeries series = mesh.tcpSeries(outbound, c, "-");
        c.telemetry(series);
        series.opened().inc();
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
        if (c.telemetry() == null) {
            return;
        }
        String flags = c.flag() == null ? "-" : c.flag().name();
        if (mesh != null) {
            mesh.tcpSeries(outbound, c, flags).closed().inc();
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
