package dev.tandem.core;

/**
 * Names of the handlers in an intercepted connection's pipeline, in the order a connection meets them:
 * <pre>
 *   idle-timeout -> original-destination -> tcp-proxy -> relay
 * </pre>
 * The original-destination and tcp-proxy stages remove themselves once done; the relay is what remains.
 */
public final class HandlerNames {

    public static final String IDLE_TIMEOUT = "idle-timeout";
    public static final String ORIGINAL_DESTINATION = "original-destination";
    public static final String TCP_PROXY = "tcp-proxy";
    public static final String RELAY = "relay";

    private HandlerNames() {
    }
}
