package dev.tandem.core.accept;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.ProxyPorts;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.function.Predicate;

/**
 * Says which destinations would bring a connection back into the proxy: a direct connection to a listener (nothing
 * was redirected, so the "original" destination is the listener itself) or an application calling a proxy port.
 */
public final class LoopGuard {

    private LoopGuard() {
    }

    /** Inbound delivers to this host, so any of the proxy's ports is a loop, whatever the address. */
    public static Predicate<OrigDstAddr> ownPorts(ProxyPorts ports) {
        return destination -> ports.isOwn(destination.port());
    }

    /** Outbound leaves the host, so only the proxy's ports on one of this host's own addresses loop. */
    public static Predicate<OrigDstAddr> ownPortsOnThisHost(ProxyPorts ports) {
        return destination -> ports.isOwn(destination.port()) && isThisHost(destination.address().getAddress());
    }

    static boolean isThisHost(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return true;
        }
    }
}
