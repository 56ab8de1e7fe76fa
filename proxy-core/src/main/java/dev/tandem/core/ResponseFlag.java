package dev.tandem.core;

/**
 * Why a connection or request did not go through, named as Envoy names its response flags so that access logs and
 * dashboards read the same.
 */
public enum ResponseFlag {
    /** The upstream connection could not be opened: refused, unreachable or timed out. */
    UF("upstream connection failure"),
    /** The upstream connection was reset or closed before the exchange finished. */
    UC("upstream connection termination"),
    /** The downstream connection was reset or closed before the exchange finished. */
    DC("downstream connection termination"),
    /** The upstream did not answer within the request timeout. */
    UT("upstream request timeout"),
    /** The upstream's response broke HTTP's rules (it could split or smuggle). */
    UPE("upstream protocol error"),
    /** The client's request broke HTTP's rules, or was too large. */
    DPE("downstream protocol error"),
    /** The client did not finish its request headers in time. */
    DT("downstream request timeout"),
    /** A circuit breaker was open: too many connections, pending or active requests for the cluster. */
    UO("upstream overflow"),
    /** The cluster had no healthy endpoint: none known, or all ejected. */
    UH("no healthy upstream"),
    /** The request was retried as its policy allows and still failed. */
    URX("upstream retry limit exceeded"),
    /** The request was delayed by fault injection. */
    DI("delay injected"),
    /** The request was aborted by fault injection. */
    FI("fault injected"),
    /** No destination to relay to: none recorded, or one that would loop back into the proxy. */
    NR("no route"),
    /** Nothing moved either way for the idle timeout. */
    IDLE("idle timeout");

    private final String meaning;

    ResponseFlag(String meaning) {
        this.meaning = meaning;
    }

    public String meaning() {
        return meaning;
    }
}
