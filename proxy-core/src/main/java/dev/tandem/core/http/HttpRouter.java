package dev.tandem.core.http;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.traffic.HttpDecision;
import dev.tandem.core.traffic.RequestView;

/**
 * The router step between the HTTP server stage and the upstream pools: decides what happens to one request. Each
 * direction supplies one: the outbound one applies the Istio configuration, the inbound one delivers locally.
 */
public interface HttpRouter {

    HttpDecision route(RequestView request);

    /** Where a request goes when its decision names no cluster: where the connection was going. */
    UpstreamTarget direct(OrigDstAddr destination);
}
