package dev.tandem.core.origdst;

import dev.tandem.core.addr.OrigDstAddr;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.unix.RawUnixChannelOption;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads {@code SO_ORIGINAL_DST} (IPv4) or {@code IP6T_SO_ORIGINAL_DST} (IPv6) from the accepted socket: the
 * destination conntrack recorded before a REDIRECT rewrote it. Uses Netty's raw socket option; no native code of ours.
 */
public final class SoOriginalDst implements OriginalDestination {

    public static final SoOriginalDst INSTANCE = new SoOriginalDst();

    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    /** Same number for both families: linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h. */
    private static final int ORIGINAL_DST = 80;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    /** struct sockaddr_in: family, port, address, padding. */
    private static final RawUnixChannelOption V4 = new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, ORIGINAL_DST, 16);
    /** struct sockaddr_in6: family, port, flow info, address, scope id. */
    private static final RawUnixChannelOption V6 = new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6, ORIGINAL_DST, 28);

    private SoOriginalDst() {
    }

    @Override
    public OrigDstAddr resolve(Channel accepted) throws IOException {
        InetSocketAddress local = (InetSocketAddress) accepted.localAddress();
        boolean v4 = local.getAddress() instanceof Inet4Address;
        ByteBuffer raw;
        try {
            raw = accepted.config().getOption(v4 ? V4 : V6);
        } catch (ChannelException e) {
            throw new IOException("no original destination for " + accepted + ": " + e.getCause().getMessage(), e);
        }
        return new OrigDstAddr(decode(raw));
    }

    /** Decodes a sockaddr_in or sockaddr_in6 as the kernel writes it. */
    static InetSocketAddress decode(ByteBuffer raw) throws IOException {
        int family = raw.order(ByteOrder.nativeOrder()).getShort(0) & 0xffff;
        int port = raw.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        byte[] address;
        if (family == AF_INET) {
            address = new byte[4];
            raw.get(4, address);
        } else if (family == AF_INET6) {
            address = new byte[16];
            raw.get(8, address);
        } else {
            throw new IOException("original destination has unknown address family " + family);
        }
        return new InetSocketAddress(InetAddress.getByAddress(address), port);
    }
}
