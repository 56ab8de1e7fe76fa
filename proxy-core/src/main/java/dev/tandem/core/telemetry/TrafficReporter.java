package dev.tandem.core.telemetry;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.http.RequestContext;

/**
 * Where one direction's traffic is reported: Istio's metrics (as reporter {@code source} on the outbound side,
 * {@code destination} on the inbound side) and the access log. Called on the event loops; never blocks.
 */
public interface TrafficReporter {

    /** Reports nothing: for stages built without telemetry, in tests. */
    TrafficReporter NONE = new TrafficReporter() {
        @Override
        public boolean outbound() {
            return true;
        }

        @Override
        public String localPeerHeader() {
            return null;
        }

        @Override
        public void requestDone(RequestContext request) {
        }

        @Override
        public void tcpOpened(ConnectionContext connection) {
        }

        @Override
        public void tcpConnected(ConnectionContext connection) {
        }

        @Override
        public void tcpBytes(ConnectionContext connection, long fromDownstream, long fromUpstream) {
        }

        @Override
        public void tcpClosed(ConnectionContext connection) {
        }
    };

    /** True on the outbound side (the caller's sidecar), false on the inbound side. */
    boolean outbound();

    /** The cluster, as Istio names it, of a call no route sent anywhere else. */
    default String directCluster(int port) {
        return outbound() ? "PassthroughCluster" : "inbound|" + port + "||";
    }

    /** This sidecar's identity as the peer header carries it; null to send none. */
    String localPeerHeader();

    void requestDone(RequestContext request);

    /** An opaque connection was accepted and routed; its upstream connection is yet to be made. */
    void tcpOpened(ConnectionContext connection);

    /** An opaque connection's upstream connection is made; its bytes are relayed from now on. */
    void tcpConnected(ConnectionContext connection);

    /** Bytes an opaque connection relayed since the last call. */
    void tcpBytes(ConnectionContext connection, long fromDownstream, long fromUpstream);

    void tcpClosed(ConnectionContext connection);
}
