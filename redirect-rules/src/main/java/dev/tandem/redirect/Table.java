package dev.tandem.redirect;

import java.util.Locale;

/** The iptables tables Tandem writes to. */
public enum Table {
    NAT,
    MANGLE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
