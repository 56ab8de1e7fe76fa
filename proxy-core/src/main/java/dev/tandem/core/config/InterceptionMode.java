package dev.tandem.core.config;

/** How inbound connections reach the proxy: rewritten by NAT, or diverted unchanged to a transparent socket. */
public enum InterceptionMode {
    REDIRECT,
    TPROXY
}
