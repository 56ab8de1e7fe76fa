package dev.tandem.core.addr;

import java.net.InetSocketAddress;

/** The peer of an accepted connection, as the proxy saw it. */
public record ClientAddr(InetSocketAddress address) {

    @Override
    public String toString() {
        return Addresses.format(address);
    }
}
