package dev.tandem.core.addr;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Formatting of socket addresses the way logs and operators expect: {@code 10.0.0.2:80}, {@code [fd00::2]:80}. */
public final class Addresses {

    private Addresses() {
    }

    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        String host = NetUtil.toAddressString(ip);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Parses a literal IP address; never consults DNS. */
    public static InetAddress parseIp(String raw) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(raw.strip());
        if (bytes == null) {
            throw new IllegalArgumentException("\"" + raw.strip() + "\" is not an IP address");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
