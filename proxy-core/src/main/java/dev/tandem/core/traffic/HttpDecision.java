package dev.tandem.core.traffic;

import dev.tandem.core.ResponseFlag;
import java.util.Map;

/** The router's answer for a request: forward it by a plan, or answer it here (redirect, injected abort, no route). */
public sealed interface HttpDecision {

    record Forward(RoutePlan plan) implements HttpDecision {
    }

    /** An answer of the proxy's own; the flag is null for a redirect, which is not a failure. */
    record Answer(int status, ResponseFlag flag, String body, Map<String, String> headers) implements HttpDecision {
    }
}
