package dev.tandem.redirect;

/** The chains Tandem owns. Everything named with the prefix is Tandem's, and nothing else is. */
public final class Chains {

    public static final String PREFIX = "TANDEM_";

    /** nat: inbound connections, before the port decides whether they are captured. */
    public static final String INBOUND = PREFIX + "INBOUND";
    /** nat: send to the inbound listener. */
    public static final String IN_REDIRECT = PREFIX + "IN_REDIRECT";
    /** nat: outbound connections, before the exemptions decide whether they are captured. */
    public static final String OUTPUT = PREFIX + "OUTPUT";
    /** nat: send to the outbound listener. */
    public static final String REDIRECT = PREFIX + "REDIRECT";
    /** mangle (TPROXY): mark packets of established inbound connections so the policy route delivers them locally. */
    public static final String DIVERT = PREFIX + "DIVERT";
    /** mangle (TPROXY): hand new inbound connections to the transparent listener. */
    public static final String TPROXY = PREFIX + "TPROXY";

    private Chains() {
    }
}
