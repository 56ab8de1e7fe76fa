package dev.tandem.redirect;

import dev.tandem.core.addr.CidrSet;
import dev.tandem.core.addr.Port;
import dev.tandem.core.addr.PortSet;
import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.EnvReader;
import dev.tandem.core.config.InterceptionMode;
import dev.tandem.core.config.Parsers;
import dev.tandem.core.config.ProxyPorts;
import dev.tandem.core.config.Setting;
import dev.tandem.core.config.Settings;
import java.util.List;

/** What `tandem redirect` is told: who the proxy is, where it listens, and what to capture. */
public record RedirectConfig(
        int proxyUid,
        int proxyGid,
        ProxyPorts ports,
        InterceptionMode inboundMode,
        PortSet inboundPorts,
        PortSet inboundExcludePorts,
        CidrSet outboundIncludeCidrs,
        CidrSet outboundExcludeCidrs,
        PortSet outboundExcludePorts,
        PortSet outboundIncludePorts,
        BackendChoice backend,
        Ipv6Choice ipv6,
        int tproxyMark,
        int tproxyRouteTable) {

    /** Which iptables backend to write to. */
    public enum BackendChoice { AUTO, NFT, LEGACY }

    /** Whether to write IPv6 rules too. */
    public enum Ipv6Choice { AUTO, TRUE, FALSE }

    /** The settings this command reads; each is also a flag. */
    public static final List<Setting> SETTINGS = List.of(
            Settings.PROXY_UID, Settings.PROXY_GID,
            Settings.OUTBOUND_PORT, Settings.INBOUND_PORT, Settings.TUNNEL_PORT,
            Settings.HEALTH_PORT, Settings.ADMIN_PORT, Settings.METRICS_PORT,
            Settings.INBOUND_INTERCEPTION_MODE, Settings.INBOUND_PORTS, Settings.INBOUND_EXCLUDE_PORTS,
            Settings.OUTBOUND_INCLUDE_CIDRS, Settings.OUTBOUND_EXCLUDE_CIDRS, Settings.OUTBOUND_EXCLUDE_PORTS,
            Settings.OUTBOUND_INCLUDE_PORTS, Settings.IPTABLES_BACKEND, Settings.IPV6, Settings.TPROXY_MARK, Settings.TPROXY_ROUTE_TABLE);

    public static RedirectConfig read(EnvReader env) throws ConfigException {
        int uid = orZero(env.read(Settings.PROXY_UID, Parsers::id));
        int gid = orZero(env.read(Settings.PROXY_GID, Parsers::id));
        ProxyPorts ports = ProxyPorts.read(env);
        var config = new RedirectConfig(uid, gid, ports,
                env.read(Settings.INBOUND_INTERCEPTION_MODE, Parsers.oneOf(InterceptionMode.class)),
                env.read(Settings.INBOUND_PORTS, PortSet::parse),
                env.read(Settings.INBOUND_EXCLUDE_PORTS, PortSet::parse),
                env.read(Settings.OUTBOUND_INCLUDE_CIDRS, CidrSet::parse),
                env.read(Settings.OUTBOUND_EXCLUDE_CIDRS, CidrSet::parse),
                env.read(Settings.OUTBOUND_EXCLUDE_PORTS, PortSet::parse),
                env.read(Settings.OUTBOUND_INCLUDE_PORTS, PortSet::parse),
                env.read(Settings.IPTABLES_BACKEND, Parsers.oneOf(BackendChoice.class)),
                env.read(Settings.IPV6, Parsers.oneOf(Ipv6Choice.class)),
                orZero(env.read(Settings.TPROXY_MARK, Parsers.integer(1, Integer.MAX_VALUE))),
                orZero(env.read(Settings.TPROXY_ROUTE_TABLE, Parsers.integer(1, 252))));
        if (config.inboundExcludePorts != null && config.inboundExcludePorts.all()) {
            env.refuse(Settings.INBOUND_EXCLUDE_PORTS, "* is not allowed here; set " + Settings.INBOUND_PORTS.name() + " empty to capture nothing");
        }
        if (config.outboundExcludePorts != null && config.outboundExcludePorts.all()) {
            env.refuse(Settings.OUTBOUND_EXCLUDE_PORTS, "* is not allowed here; set " + Settings.OUTBOUND_INCLUDE_CIDRS.name() + " empty to capture nothing");
        }
        if (config.outboundExcludeCidrs != null && config.outboundExcludeCidrs.all()) {
            env.refuse(Settings.OUTBOUND_EXCLUDE_CIDRS, "* is not allowed here; set " + Settings.OUTBOUND_INCLUDE_CIDRS.name() + " empty to capture nothing");
        }
        if (config.outboundIncludePorts != null && config.outboundIncludePorts.all()) {
            env.refuse(Settings.OUTBOUND_INCLUDE_PORTS, "* is not allowed here; set " + Settings.OUTBOUND_INCLUDE_CIDRS.name() + "=* to capture every port");
        }
        env.throwIfInvalid();
        return config;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    /** Inbound ports never captured: the proxy's own, then the excluded ones. */
    public List<Port> inboundPortsNeverCaptured() {
        var never = new java.util.TreeSet<>(ports.all());
        never.addAll(inboundExcludePorts.ports());
        return List.copyOf(never);
    }
}
