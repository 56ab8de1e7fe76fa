package dev.tandem.redirect;

import dev.tandem.redirect.RedirectConfig.Ipv6Choice;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The three redirect commands. {@code apply} checks every program it needs before it changes anything, installs each
 * family's rules in one iptables-restore transaction, and on any failure removes what it had installed, so the
 * namespace is left as it was. {@code clean} removes Tandem's chains, its jumps into them and its ip setup, and nothing
 * else. {@code print} shows the rules and changes nothing.
 */
public final class Redirector {

    private final RedirectConfig config;
    private final CommandRunner runner;
    private final Executables executables;
    private final BooleanSupplier namespaceHasIpv6;
    private final PrintWriter log;

    public Redirector(RedirectConfig config, CommandRunner runner, Executables executables,
            BooleanSupplier namespaceHasIpv6, PrintWriter log) {
        this.config = config;
        this.runner = runner;
        this.executables = executables;
        this.namespaceHasIpv6 = namespaceHasIpv6;
        this.log = log;
    }

    /** The iptables-restore input apply would install, one section per family, with the ip commands as comments. */
    public String print() {
        var out = new StringBuilder();
        for (Family family : wantedFamilies()) {
            out.append("# ").append(family.tool()).append("-restore --noflush input (").append(family).append(")\n");
            out.append(RestoreScript.install(Rules.build(config, family)));
            for (IpSetup.Item item : IpSetup.items(config, family, IpSetup.tproxy(config))) {
                out.append("# and: ip ").append(String.join(" ", item.add())).append('\n');
            }
        }
        return out.toString();
    }

    public void apply() throws RedirectException, IOException {
        List<Family> families = wantedFamilies();
        Backend backend = Backend.choose(config.backend(), executables, runner);
        String ip = requireTools(backend, families);
        List<Family> installed = new ArrayList<>();
        try {
            for (Family family : families) {
                RuleSet rules = Rules.build(config, family);
                InstalledRules before = installed(backend, family);
                restore(backend, family, RestoreScript.replace(rules, before));
                installed.add(family);
                log.printf("tandem redirect: %s: %d rules installed with %s%n", family, rules.rules().size(),
                        backend.restore(family));
            }
            for (Family family : families) {
                for (IpSetup.Item item : IpSetup.items(config, family, IpSetup.tproxy(config))) {
                    if (!item.present(runner, ip)) {
                        change(IpSetup.Item.withIp(ip, item.add()), "");
                        log.printf("tandem redirect: added %s%n", item.description());
                    }
                }
            }
        } catch (RedirectException | IOException e) {
            log.printf("tandem redirect: apply failed; removing what it installed%n");
            cleanFamilies(backend, installed, ip);
            throw e;
        }
    }

    public void clean() throws RedirectException, IOException {
        Backend backend = Backend.choose(config.backend(), executables, runner);
        List<Family> families = backend.supportsIpv6() ? List.of(Family.IPV4, Family.IPV6) : List.of(Family.IPV4);
        String ip = executables.find("ip").map(Object::toString).orElse(null);
        cleanFamilies(backend, families, ip);
    }

    private void cleanFamilies(Backend backend, List<Family> families, String ip) throws RedirectException, IOException {
        for (Family family : families) {
            InstalledRules present = installed(backend, family);
            if (!present.isEmpty()) {
                restore(backend, family, RestoreScript.remove(present));
                log.printf("tandem redirect: %s: removed chains %s%n", family, present.chains().values());
            }
            if (ip == null) {
                continue;
            }
            // Whatever the mode now, a TPROXY apply may have left its route: remove it if it is there.
            for (IpSetup.Item item : IpSetup.items(config, family, true)) {
                if (item.present(runner, ip)) {
                    change(IpSetup.Item.withIp(ip, item.remove()), "");
                    log.printf("tandem redirect: removed %s%n", item.description());
                }
            }
        }
    }

    private List<Family> wantedFamilies() {
        boolean v6 = config.ipv6() == Ipv6Choice.TRUE || (config.ipv6() == Ipv6Choice.AUTO && namespaceHasIpv6.getAsBoolean());
        return v6 ? List.of(Family.IPV4, Family.IPV6) : List.of(Family.IPV4);
    }

    /** Every program apply needs, checked before anything changes. Returns the path of {@code ip}, when needed. */
    private String requireTools(Backend backend, List<Family> families) throws RedirectException {
        if (families.contains(Family.IPV6) && !backend.supportsIpv6()) {
            throw new RedirectException(RedirectException.BAD_INPUT,
                    "the namespace has IPv6 but no ip6tables-restore/ip6tables-save was found: install iptables, or set "
                            + dev.tandem.core.config.Settings.IPV6.name() + "=false");
        }
        boolean needsIp = IpSetup.tproxy(config) || families.contains(Family.IPV6);
        if (!needsIp) {
            return null;
        }
        return executables.find("ip").map(Object::toString).orElseThrow(() -> new RedirectException(
                RedirectException.BAD_INPUT, "no ip command found on PATH or in /usr/sbin, /sbin: install iproute2"));
    }

    private InstalledRules installed(Backend backend, Family family) throws RedirectException, IOException {
        var saved = runner.query(List.of(backend.save(family)));
        if (!saved.ok()) {
            throw new RedirectException(RedirectException.FAILED,
                    backend.save(family) + " failed (exit " + saved.exitCode() + "): " + saved.stderr().strip());
        }
        return InstalledRules.parse(saved.stdout());
    }

    private void restore(Backend backend, Family family, String script) throws RedirectException, IOException {
        change(List.of(backend.restore(family), "--noflush", "--wait"), script);
    }

    private void change(List<String> command, String stdin) throws RedirectException, IOException {
        var result = runner.change(command, stdin);
        if (!result.ok()) {
            throw new RedirectException(RedirectException.FAILED,
                    String.join(" ", command) + " failed (exit " + result.exitCode() + "): " + result.stderr().strip());
        }
    }
}
