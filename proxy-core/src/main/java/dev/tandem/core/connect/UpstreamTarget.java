package dev.tandem.core.connect;

import dev.tandem.core.addr.Addresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Where to open an upstream connection, and from which local address (null: the kernel chooses). */
public record UpstreamTarget(InetSocketAddress address, InetAddress source) {

    public static UpstreamTarget to(InetSocketAddress address) {
        return new UpstreamTarget(address, null);
    }

    @Override
    public String toString() {
        return Addresses.format(address);
    }
}
