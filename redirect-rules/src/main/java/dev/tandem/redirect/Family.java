package dev.tandem.redirect;

/** An address family and what differs between the two: tools, loopback, and the proxy's own loopback source. */
public enum Family {
    IPV4("iptables", "-4", "127.0.0.0/8", "127.0.0.6/32", "127.0.0.1/32", "0.0.0.0", "0.0.0.0/0"),
    IPV6("ip6tables", "-6", "::1/128", "::6/128", "::1/128", "::", "::/0");

    private final String tool;
    private final String ipFlag;
    private final String loopback;
    private final String inboundSource;
    private final String loopbackHost;
    private final String any;
    private final String defaultRoute;

    Family(String tool, String ipFlag, String loopback, String inboundSource, String loopbackHost, String any,
            String defaultRoute) {
        this.tool = tool;
        this.ipFlag = ipFlag;
        this.loopback = loopback;
        this.inboundSource = inboundSource;
        this.loopbackHost = loopbackHost;
        this.any = any;
        this.defaultRoute = defaultRoute;
    }

    /** {@code iptables} or {@code ip6tables}: the stem of the restore and save commands. */
    public String tool() {
        return tool;
    }

    /** The family flag of the {@code ip} command. */
    public String ipFlag() {
        return ipFlag;
    }

    /** Destinations on loopback, never captured on the way out. */
    public String loopback() {
        return loopback;
    }

    /** The source the inbound proxy delivers from (127.0.0.6, ::6). */
    public String inboundSource() {
        return inboundSource;
    }

    /** The loopback host address, which TPROXY leaves alone. */
    public String loopbackHost() {
        return loopbackHost;
    }

    /** The wildcard address. */
    public String any() {
        return any;
    }

    @Override
    public String toString() {
        return this == IPV4 ? "IPv4" : "IPv6";
    }

    /** Every destination, as a route prefix. */
    public String defaultRoute() {
        return defaultRoute;
    }
}
