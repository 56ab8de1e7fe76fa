package dev.tandem.core.detect;

/** What a connection was found to speak, from its first bytes. */
public enum Protocol {
    /** An HTTP/1.0 or HTTP/1.1 request line. */
    HTTP1,
    /** The HTTP/2 connection preface, sent with prior knowledge over cleartext (h2c). */
    HTTP2,
    /** A TLS ClientHello: relayed untouched, its SNI noted. */
    TLS,
    /** Anything else, a client that sent nothing in time, or a port declared opaque. */
    TCP
}
