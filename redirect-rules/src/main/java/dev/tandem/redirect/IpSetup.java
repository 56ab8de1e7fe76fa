package dev.tandem.redirect;

import dev.tandem.core.config.InterceptionMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code ip} command sets up beside the rules: for TPROXY, the policy route that delivers marked packets to
 * the local socket; for IPv6, the {@code ::6} address the inbound proxy delivers from. Each item is added only when
 * missing and removed only when present.
 */
final class IpSetup {

    /** One thing {@code ip} adds: how to see whether it is there, how to add it and how to take it away. */
    record Item(String description, List<String> show, String marker, List<String> add, List<String> remove) {

        boolean present(CommandRunner runner, String ip) throws IOException {
            var shown = runner.query(withIp(ip, show));
            return shown.ok() && shown.stdout().contains(marker);
        }

        static List<String> withIp(String ip, List<String> args) {
            var command = new ArrayList<String>();
            command.add(ip);
            command.addAll(args);
            return command;
        }
    }

    private IpSetup() {
    }

    /** The items for one family: TPROXY routing when asked for, and the IPv6 delivery source. */
    static List<Item> items(RedirectConfig config, Family family, boolean includeTproxy) {
        var items = new ArrayList<Item>();
        if (includeTproxy) {
            String mark = Integer.toString(config.tproxyMark());
            String table = Integer.toString(config.tproxyRouteTable());
            String f = family.ipFlag();
            items.add(new Item("TPROXY policy rule (" + family + ")",
                    List.of(f, "rule", "show"),
                    "fwmark 0x" + Integer.toHexString(config.tproxyMark()) + " lookup " + table,
                    List.of(f, "rule", "add", "fwmark", mark, "lookup", table),
                    List.of(f, "rule", "del", "fwmark", mark, "lookup", table)));
            items.add(new Item("TPROXY local route (" + family + ")",
                    List.of(f, "route", "show", "table", table),
                    "local default dev lo",
                    List.of(f, "route", "add", "local", family.defaultRoute(), "dev", "lo", "table", table),
                    List.of(f, "route", "del", "local", family.defaultRoute(), "dev", "lo", "table", table)));
        }
        if (family == Family.IPV6) {
            items.add(new Item("inbound delivery source ::6 on lo",
                    List.of("-6", "addr", "show", "dev", "lo"),
                    "inet6 " + family.inboundSource() + " ",
                    List.of("-6", "addr", "add", family.inboundSource(), "dev", "lo"),
                    List.of("-6", "addr", "del", family.inboundSource(), "dev", "lo")));
        }
        return items;
    }

    static boolean tproxy(RedirectConfig config) {
        return config.inboundMode() == InterceptionMode.TPROXY && !config.inboundPorts().isEmpty();
    }
}
