package dev.tandem.core.connect;

import dev.tandem.core.addr.Addresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Where to open an upstream connection, from which local address (null: the kernel chooses), and within how long
 * (null: the proxy's connect timeout; a DestinationRule may set its own).
 */
public record UpstreamTarget(InetSocketAddress address, InetAddress source, Duration connectTimeout) {

    public UpstreamTarget(InetSocketAddress address, InetAddress source) {
        this(address, source, null);
    }

    public static UpstreamTarget to(InetSocketAddress address) {
        return new UpstreamTarget(address, null, null);
    }

    @Override
    public String toString() {
        return Addresses.format(address);
    }
}
