package dev.tandem.core.traffic;

import dev.tandem.core.traffic.Model.HeaderOps;
import java.time.Duration;
import java.util.List;

/**
 * What the route decided for one request: its cluster, what to change on the way (path, authority, headers), how long
 * it may take, how to retry, how long to hold it first (an injected delay), and where to send a copy.
 */
public record RoutePlan(Cluster cluster, String route, String path, String authority, List<HeaderOps> requestHeaders,
        List<HeaderOps> responseHeaders, Duration timeout, RetryPolicy retries, Duration delay, Cluster mirror) {

    /** Straight to where the client was going: no configuration applies. */
    public static RoutePlan direct(Cluster cluster) {
        return new RoutePlan(cluster, null, null, null, List.of(), List.of(), null, null, null, null);
    }
}
