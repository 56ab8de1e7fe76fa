package dev.tandem.outbound;

import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.http.HttpRouter;
import dev.tandem.core.tcp.TcpRouter;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.Endpoint;
import dev.tandem.core.traffic.HttpDecision;
import dev.tandem.core.traffic.RequestView;
import dev.tandem.core.traffic.RouteTable;
import java.util.List;
import java.util.function.Supplier;

/**
 * The outbound routing: requests and opaque connections are routed by the route table in force when they arrive
 * (a reload replaces the table, not a request's plan); with no route they go where the application sent them.
 */
final class MeshRouter implements HttpRouter, TcpRouter {

    private final Supplier<RouteTable> tables;

    MeshRouter(Supplier<RouteTable> tables) {
        this.tables = tables;
    }

    @Override
    public HttpDecision route(RequestView request) {
        return tables.get().route(request);
    }

    @Override
    public UpstreamTarget direct(OrigDstAddr destination) {
        return UpstreamTarget.to(destination.address());
    }

    /** A TCP route's cluster bounds its connections (maxConnections, else UO) and needs a healthy endpoint (else UH). */
    @Override
    public Decision route(OrigDstAddr destination) {
        Cluster cluster = tables.get().routeTcp(destination);
        if (cluster == null) {
            return Decision.to(direct(destination));
        }
        if (!cluster.admitConnection()) {
            return Decision.refuse(ResponseFlag.UO, "cluster " + cluster + " is at its " + cluster.limits().maxConnections()
                    + " connections").named(cluster.name(), cluster.host());
        }
        Endpoint endpoint = cluster.choose(List.of());
        if (endpoint == null) {
            cluster.connectionClosed();
            return Decision.refuse(ResponseFlag.UH, "cluster " + cluster + " has no healthy endpoint")
                    .named(cluster.name(), cluster.host());
        }
        endpoint.started();
        return Decision.to(new UpstreamTarget(endpoint.address(), null, cluster.limits().connectTimeout()),
                connected -> {
                    if (cluster.detectsOutliers()) {
                        cluster.report(endpoint, connected ? 200 : 503);
                    }
                },
                () -> {
                    endpoint.finished();
                    cluster.connectionClosed();
                }).named(cluster.name(), cluster.host());
    }
}
