package dev.tandem.redirect;

import dev.tandem.core.config.Settings;
import dev.tandem.redirect.RedirectConfig.BackendChoice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The iptables programs to use: the nf_tables or the legacy flavour. Rules must go where the rest of the namespace's
 * rules are, or the two sets would be evaluated separately and in an order neither chose.
 */
public record Backend(String name, String restore4, String save4, String restore6, String save6) {

    public String restore(Family family) {
        return family == Family.IPV4 ? restore4 : restore6;
    }

    public String save(Family family) {
        return family == Family.IPV4 ? save4 : save6;
    }

    /**
     * Picks the backend. With {@code auto}: the one already holding rules, preferring nft when both or neither do,
     * unless the plain {@code iptables} is legacy; a lone plain {@code iptables-restore} is used as it is.
     */
    public static Backend choose(BackendChoice choice, Executables executables, CommandRunner runner)
            throws RedirectException, IOException {
        Optional<Backend> nft = flavour("nft", executables);
        Optional<Backend> legacy = flavour("legacy", executables);
        Optional<Backend> plain = plain(executables, runner);
        Optional<Backend> chosen = switch (choice) {
            case NFT -> nft.or(() -> plain.filter(b -> b.name().equals("nft")));
            case LEGACY -> legacy.or(() -> plain.filter(b -> b.name().equals("legacy")));
            case AUTO -> auto(nft, legacy, plain, runner);
        };
        return chosen.orElseThrow(() -> new RedirectException(RedirectException.BAD_INPUT, missing(choice)));
    }

    private static Optional<Backend> auto(Optional<Backend> nft, Optional<Backend> legacy, Optional<Backend> plain,
            CommandRunner runner) throws IOException {
        if (nft.isPresent() && legacy.isPresent()) {
            boolean legacyInUse = hasRules(legacy.get(), runner);
            boolean nftInUse = hasRules(nft.get(), runner);
            if (legacyInUse && !nftInUse) {
                return legacy;
            }
            if (nftInUse) {
                return nft;
            }
            return plain.filter(b -> b.name().equals("legacy")).isPresent() ? legacy : nft;
        }
        return nft.or(() -> legacy).or(() -> plain);
    }

    private static boolean hasRules(Backend backend, CommandRunner runner) throws IOException {
        for (Family family : Family.values()) {
            if (backend.save(family) == null) {
                continue;
            }
            var saved = runner.query(List.of(backend.save(family)));
            if (saved.ok() && saved.stdout().lines().anyMatch(l -> l.startsWith("-A "))) {
                return true;
            }
        }
        return false;
    }

    private static Optional<Backend> flavour(String name, Executables executables) {
        var restore4 = executables.find("iptables-" + name + "-restore");
        var save4 = executables.find("iptables-" + name + "-save");
        var restore6 = executables.find("ip6tables-" + name + "-restore");
        var save6 = executables.find("ip6tables-" + name + "-save");
        if (restore4.isEmpty() || save4.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Backend(name, restore4.get().toString(), save4.get().toString(),
                restore6.map(Path::toString).orElse(null), save6.map(Path::toString).orElse(null)));
    }

    private static Optional<Backend> plain(Executables executables, CommandRunner runner) throws IOException {
        var iptables = executables.find("iptables");
        var restore4 = executables.find("iptables-restore");
        var save4 = executables.find("iptables-save");
        if (iptables.isEmpty() || restore4.isEmpty() || save4.isEmpty()) {
            return Optional.empty();
        }
        var version = runner.query(List.of(iptables.get().toString(), "--version"));
        String name = version.stdout().contains("nf_tables") ? "nft" : "legacy";
        return Optional.of(new Backend(name, restore4.get().toString(), save4.get().toString(),
                executables.find("ip6tables-restore").map(Path::toString).orElse(null),
                executables.find("ip6tables-save").map(Path::toString).orElse(null)));
    }

    private static String missing(BackendChoice choice) {
        String wanted = choice == BackendChoice.AUTO ? "iptables-restore" : "iptables-" + choice.name().toLowerCase() + "-restore";
        return "no " + wanted + " found on PATH or in /usr/sbin, /sbin (" + Settings.IPTABLES_BACKEND.name() + "="
                + choice.name().toLowerCase() + "): install iptables (Debian: apt-get install iptables)";
    }

    public boolean supportsIpv6() {
        return restore6 != null && save6 != null;
    }
}
