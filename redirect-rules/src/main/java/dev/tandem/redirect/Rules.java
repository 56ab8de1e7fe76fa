package dev.tandem.redirect;

import dev.tandem.core.addr.Cidr;
import dev.tandem.core.addr.Port;
import dev.tandem.core.config.InterceptionMode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds the interception rules for one address family from the configuration, the way istio-iptables lays them out:
 * <ul>
 *   <li>outbound TCP goes to the outbound listener, except the proxy's own (uid, gid), loopback destinations, the
 *       inbound proxy's deliveries from its loopback source, and excluded destinations and ports; included ports go
 *       to it whatever their destination, even outside the included CIDRs;</li>
 *   <li>the proxy's call to its own pod IP goes to the inbound listener, so an application calling itself still
 *       passes its inbound proxy;</li>
 *   <li>inbound TCP goes to the inbound listener by REDIRECT (nat) or TPROXY (mangle), except the proxy's own ports
 *       and excluded ones.</li>
 * </ul>
 * The output is deterministic: the same configuration gives the same rules in the same order.
 */
public final class Rules {

    private final RedirectConfig config;
    private final Family family;
    private final List<Rule> rules = new ArrayList<>();

    private Rules(RedirectConfig config, Family family) {
        this.config = config;
        this.family = family;
    }

    public static RuleSet build(RedirectConfig config, Family family) {
        Rules builder = new Rules(config, family);
        builder.inbound();
        builder.outbound();
        return new RuleSet(family, builder.rules);
    }

    private boolean capturesInbound() {
        return !config.inboundPorts().isEmpty();
    }

    private List<Cidr> includeCidrs() {
        return family == Family.IPV4 ? config.outboundIncludeCidrs().ipv4() : config.outboundIncludeCidrs().ipv6();
    }

    private List<Cidr> excludeCidrs() {
        return family == Family.IPV4 ? config.outboundExcludeCidrs().ipv4() : config.outboundExcludeCidrs().ipv6();
    }

    private boolean capturesOutbound() {
        return config.outboundIncludeCidrs().all() || !includeCidrs().isEmpty() || !config.outboundIncludePorts().isEmpty();
    }

    private void inbound() {
        if (!capturesInbound()) {
            return;
        }
        if (config.inboundMode() == InterceptionMode.TPROXY) {
            tproxyInbound();
        } else {
            redirectInbound();
        }
    }

    private void redirectInbound() {
        addInRedirect();
        inboundPortFilter(Table.NAT, Chains.IN_REDIRECT);
        add(Table.NAT, "PREROUTING", "-p", "tcp", "-j", Chains.INBOUND);
    }

    private void tproxyInbound() {
        String mark = Integer.toString(config.tproxyMark());
        add(Table.MANGLE, Chains.DIVERT, "-j", "MARK", "--set-mark", mark);
        add(Table.MANGLE, Chains.DIVERT, "-j", "ACCEPT");
        add(Table.MANGLE, Chains.TPROXY, "!", "-d", family.loopbackHost(), "-p", "tcp", "-j", "TPROXY",
                "--on-port", port(config.ports().inbound()), "--on-ip", family.any(),
                "--tproxy-mark", mark + "/0xffffffff");
        if (config.inboundPorts().all()) {
            returnForPorts(Table.MANGLE, Chains.INBOUND, config.inboundPortsNeverCaptured());
        }
        // Packets of connections already diverted follow the policy route to the local socket.
        add(Table.MANGLE, Chains.INBOUND, "-p", "tcp", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                "-j", Chains.DIVERT);
        capturedInboundPorts(Table.MANGLE, Chains.TPROXY);
        add(Table.MANGLE, "PREROUTING", "-p", "tcp", "-j", Chains.INBOUND);
    }

    /** Inbound connections go to {@code target} unless their port is the proxy's own or excluded. */
    private void inboundPortFilter(Table table, String target) {
        if (config.inboundPorts().all()) {
            returnForPorts(table, Chains.INBOUND, config.inboundPortsNeverCaptured());
        }
        capturedInboundPorts(table, target);
    }

    private void capturedInboundPorts(Table table, String target) {
        if (config.inboundPorts().all()) {
            add(table, Chains.INBOUND, "-p", "tcp", "-j", target);
            return;
        }
        for (Port port : config.inboundPorts().ports()) {
            if (!config.inboundPortsNeverCaptured().contains(port)) {
                add(table, Chains.INBOUND, "-p", "tcp", "--dport", port(port), "-j", target);
            }
        }
    }

    private void outbound() {
        if (!capturesOutbound()) {
            return;
        }
        add(Table.NAT, Chains.REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", port(config.ports().outbound()));
        add(Table.NAT, Chains.OUTPUT, "-s", family.inboundSource(), "-o", "lo", "-j", "RETURN");
        exemptProxy("--uid-owner", config.proxyUid());
        exemptProxy("--gid-owner", config.proxyGid());
        add(Table.NAT, Chains.OUTPUT, "-d", family.loopback(), "-j", "RETURN");
        // The application reaches its own proxy's ports (health, admin) on the pod IP directly, never through it.
        for (Port port : new TreeSet<>(config.ports().all())) {
            add(Table.NAT, Chains.OUTPUT, "-o", "lo", "-p", "tcp", "--dport", port(port), "-j", "RETURN");
        }
        returnForPorts(Table.NAT, Chains.OUTPUT, config.outboundExcludePorts().ports());
        for (Cidr cidr : excludeCidrs()) {
            add(Table.NAT, Chains.OUTPUT, "-d", cidr.toString(), "-j", "RETURN");
        }
        // As istio-iptables: after every exclusion, before the included CIDRs, so these ports are captured to any address.
        for (Port port : config.outboundIncludePorts().ports()) {
            add(Table.NAT, Chains.OUTPUT, "-p", "tcp", "--dport", port(port), "-j", Chains.REDIRECT);
        }
        if (config.outboundIncludeCidrs().all()) {
            add(Table.NAT, Chains.OUTPUT, "-j", Chains.REDIRECT);
        } else {
            for (Cidr cidr : includeCidrs()) {
                add(Table.NAT, Chains.OUTPUT, "-d", cidr.toString(), "-j", Chains.REDIRECT);
            }
        }
        add(Table.NAT, "OUTPUT", "-p", "tcp", "-j", Chains.OUTPUT);
    }

    /**
     * The proxy's own connections are never captured, except its call to its own pod IP (leaving by loopback, to a
     * non-loopback address), which goes to the inbound listener.
     */
    private void exemptProxy(String ownerMatch, int id) {
        if (capturesInbound()) {
            addInRedirect();
            add(Table.NAT, Chains.OUTPUT, "!", "-d", family.loopback(), "-o", "lo", "-p", "tcp",
                    "-m", "owner", ownerMatch, Integer.toString(id), "-j", Chains.IN_REDIRECT);
        }
        add(Table.NAT, Chains.OUTPUT, "-m", "owner", ownerMatch, Integer.toString(id), "-j", "RETURN");
    }

    /**
     * The nat chain that sends to the inbound listener. TPROXY mode needs it too: the proxy's call to its own pod IP
     * leaves by the OUTPUT chain, where only NAT can steer it.
     */
    private void addInRedirect() {
        boolean present = rules.stream().anyMatch(r -> r.chain().equals(Chains.IN_REDIRECT));
        if (!present) {
            add(Table.NAT, Chains.IN_REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", port(config.ports().inbound()));
        }
    }

    private void returnForPorts(Table table, String chain, List<Port> ports) {
        for (Port port : ports) {
            add(table, chain, "-p", "tcp", "--dport", port(port), "-j", "RETURN");
        }
    }

    private void add(Table table, String chain, String... args) {
        rules.add(Rule.of(table, chain, args));
    }

    private static String port(Port port) {
        return Integer.toString(port.value());
    }
}
