package dev.tandem.core.addr;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network in CIDR notation. Host bits are cleared, so {@code 10.1.2.3/8} reads as {@code 10.0.0.0/8}
 * and rules render the same however the network was written. A bare address is a single-host network.
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is out of range 0-" + bits);
        }
        network = masked(network, prefixLength);
    }

    /** Parses a literal; never consults DNS. */
    public static Cidr parse(String raw) {
        String s = raw.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        InetAddress ip;
        try {
            ip = Addresses.parseIp(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not an IP address or CIDR", e);
        }
        int bits = ip.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("\"" + s + "\" has no valid prefix length");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("\"" + s + "\" has prefix length " + prefix + ", more than " + bits);
            }
        }
        return new Cidr(ip, prefix);
    }

    public boolean isIpv6() {
        return network.getAddress().length == 16;
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.getAddress().length) {
            return false;
        }
        return masked(address, prefixLength).equals(network);
    }

    @Override
    public String toString() {
        return NetUtil.toAddressString(network) + "/" + prefixLength;
    }

    private static InetAddress masked(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            bytes[i] &= (byte) (0xff << (8 - keep));
        }
        return address(bytes);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
