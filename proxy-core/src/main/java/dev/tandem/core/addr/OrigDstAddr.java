package dev.tandem.core.addr;

import java.net.InetSocketAddress;

/** Where the application meant its connection to go, before the redirect rules sent it to the proxy. */
public record OrigDstAddr(InetSocketAddress address) {

    public int port() {
        return address.getPort();
    }

    @Override
    public String toString() {
        return Addresses.format(address);
    }
}
