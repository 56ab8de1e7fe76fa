package dev.tandem.core.http;

import dev.tandem.core.connect.UpstreamTarget;

/**
 * The router step between the HTTP server stage and the upstream pools: decides where one request goes. Each direction
 * supplies one; configuration-driven routing replaces it without touching either side of it.
 */
@FunctionalInterface
public interface HttpRouter {

    UpstreamTarget route(RequestContext request);
}
