package dev.tandem.core.config;

import dev.tandem.core.addr.Port;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ports the proxy owns. The rules never capture them and the proxy never relays to them. */
public record ProxyPorts(Port outbound, Port inbound, Port tunnel, Port health, Port admin, Port metrics) {

    public static final ProxyPorts DEFAULTS = new ProxyPorts(
            new Port(15001), new Port(15006), new Port(15008), new Port(15021), new Port(15000), new Port(15090));

    /** Reads the six ports and refuses a configuration in which two of them coincide. */
    public static ProxyPorts read(EnvReader env) {
        var bySetting = new LinkedHashMap<Setting, Port>();
        for (Setting s : List.of(Settings.OUTBOUND_PORT, Settings.INBOUND_PORT, Settings.TUNNEL_PORT,
                Settings.HEALTH_PORT, Settings.ADMIN_PORT, Settings.METRICS_PORT)) {
            bySetting.put(s, env.read(s, Port::parse));
        }
        var seen = new LinkedHashMap<Port, Setting>();
        for (Map.Entry<Setting, Port> e : bySetting.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            Setting earlier = seen.putIfAbsent(e.getValue(), e.getKey());
            if (earlier != null) {
                env.refuse(e.getKey(), "port " + e.getValue() + " is already taken by " + earlier.name());
            }
        }
        return new ProxyPorts(bySetting.get(Settings.OUTBOUND_PORT), bySetting.get(Settings.INBOUND_PORT),
                bySetting.get(Settings.TUNNEL_PORT), bySetting.get(Settings.HEALTH_PORT),
                bySetting.get(Settings.ADMIN_PORT), bySetting.get(Settings.METRICS_PORT));
    }

    public List<Port> all() {
        return List.of(outbound, inbound, tunnel, health, admin, metrics);
    }

    public boolean isOwn(int port) {
        return all().stream().anyMatch(p -> p != null && p.value() == port);
    }
}
