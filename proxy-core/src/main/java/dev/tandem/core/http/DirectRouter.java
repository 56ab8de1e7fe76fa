package dev.tandem.core.http;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.tcp.TcpRouter;
import dev.tandem.core.traffic.HttpDecision;
import dev.tandem.core.traffic.RequestView;
import dev.tandem.core.traffic.RoutePlan;
import java.util.function.Function;

/**
 * A router with no configuration: every request and connection goes to one place chosen from the original
 * destination. The inbound side delivers locally this way; the outbound side uses it when no file is configured.
 */
public final class DirectRouter implements HttpRouter, TcpRouter {

    private static final HttpDecision FORWARD = new HttpDecision.Forward(RoutePlan.direct(null));

    private final Function<OrigDstAddr, UpstreamTarget> target;

    public DirectRouter(Function<OrigDstAddr, UpstreamTarget> target) {
        this.target = target;
    }

    @Override
    public HttpDecision route(RequestView request) {
        return FORWARD;
    }

    @Override
    public UpstreamTarget direct(OrigDstAddr destination) {
        return target.apply(destination);
    }

    @Override
    public Decision route(OrigDstAddr destination) {
        return Decision.to(target.apply(destination));
    }
}
