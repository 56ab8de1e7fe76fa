package dev.tandem.core.addr;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

/** A set of networks written as {@code *} (every address), empty (none) or a comma-separated list of CIDRs. */
public record CidrSet(boolean all, List<Cidr> cidrs) {

    public static final CidrSet ALL = new CidrSet(true, List.of());
    public static final CidrSet NONE = new CidrSet(false, List.of());

    public CidrSet {
        cidrs = List.copyOf(cidrs);
    }

    public static CidrSet parse(String raw) {
        String s = raw.strip();
        if (s.equals("*")) {
            return ALL;
        }
        if (s.isEmpty()) {
            return NONE;
        }
        var unique = new LinkedHashSet<Cidr>();
        for (String part : s.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty entry in CIDR list");
            }
            unique.add(Cidr.parse(part));
        }
        return new CidrSet(false, new ArrayList<>(unique));
    }

    public List<Cidr> ipv4() {
        return cidrs.stream().filter(c -> !c.isIpv6()).toList();
    }

    public List<Cidr> ipv6() {
        return cidrs.stream().filter(Cidr::isIpv6).toList();
    }

    @Override
    public String toString() {
        return all ? "*" : cidrs.stream().map(Cidr::toString).collect(Collectors.joining(","));
    }
}
