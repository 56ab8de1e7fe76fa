package dev.tandem.inbound;

import dev.tandem.core.addr.Addresses;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where inbound connections are delivered: the application's port on loopback, from a loopback source of the proxy's
 * own (127.0.0.6, or ::6 for IPv6). The rules let that source through uncaptured, and the application can tell the
 * proxy's deliveries from its own loopback traffic.
 */
public final class LocalDelivery {

    public static final InetAddress SOURCE_V4 = Addresses.parseIp("127.0.0.6");
    public static final InetAddress SOURCE_V6 = Addresses.parseIp("::6");
    private static final InetAddress LOOPBACK_V4 = Addresses.parseIp("127.0.0.1");
    private static final InetAddress LOOPBACK_V6 = Addresses.parseIp("::1");

    private LocalDelivery() {
    }

    public static UpstreamTarget targetFor(OrigDstAddr destination) {
        boolean v4 = destination.address().getAddress() instanceof Inet4Address;
        return new UpstreamTarget(
                new InetSocketAddress(v4 ? LOOPBACK_V4 : LOOPBACK_V6, destination.port()),
                v4 ? SOURCE_V4 : SOURCE_V6);
    }
}
