package dev.tandem.core;

/**
 * Names of the handlers in an intercepted connection's pipeline, in the order a connection meets them:
 * <pre>
 *   idle-timeout -> original-destination -> protocol-detector -> tcp-proxy -> relay
 *                                                             \-> h1-decoder, h1-encoder, h1-server
 *                                                             \-> h2-codec, h2-multiplex (h2-stream per stream)
 * </pre>
 * The original-destination, protocol-detector and tcp-proxy stages remove themselves once done.
 */
public final class HandlerNames {

    public static final String IDLE_TIMEOUT = "idle-timeout";
    public static final String ORIGINAL_DESTINATION = "original-destination";
    public static final String PROTOCOL_DETECTOR = "protocol-detector";
    public static final String TCP_PROXY = "tcp-proxy";
    public static final String H1_DECODER = "h1-decoder";
    public static final String H1_ENCODER = "h1-encoder";
    public static final String H1_SERVER = "h1-server";
    public static final String H1_CLIENT_CODEC = "h1-client-codec";
    public static final String H1_UPSTREAM = "h1-upstream";
    public static final String H2_CODEC = "h2-codec";
    public static final String H2_MULTIPLEX = "h2-multiplex";
    public static final String H2_STREAM = "h2-stream";
    public static final String RELAY = "relay";

    private HandlerNames() {
    }
}
