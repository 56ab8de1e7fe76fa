package dev.tandem.redirect;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Renders iptables-restore input, to be fed with {@code --noflush} so that other tools' rules stay as they are. Each
 * table is one transaction: it applies whole or not at all.
 */
public final class RestoreScript {

    private RestoreScript() {
    }

    /** The rules as a fresh install: what `tandem redirect print` shows. */
    public static String install(RuleSet set) {
        return replace(set, InstalledRules.parse(""));
    }

    /**
     * Replaces what is installed with {@code set}: Tandem's chains are declared (created, or flushed if present), its
     * old jumps deleted, chains it no longer needs removed, then the new rules added. Running it twice leaves the same
     * rules as running it once.
     */
    public static String replace(RuleSet set, InstalledRules installed) {
        var out = new StringBuilder();
        Set<Table> tables = EnumSet.noneOf(Table.class);
        tables.addAll(set.tables());
        for (Table t : Table.values()) {
            if (!installed.chains(t).isEmpty() || !installed.jumps(t).isEmpty()) {
                tables.add(t);
            }
        }
        for (Table table : tables) {
            List<String> wanted = set.chains(table);
            out.append('*').append(table.id()).append('\n');
            wanted.forEach(chain -> declare(out, chain));
            installed.chains(table).stream().filter(c -> !wanted.contains(c)).forEach(chain -> declare(out, chain));
            installed.jumps(table).forEach(jump -> out.append("-D ").append(jump).append('\n'));
            installed.chains(table).stream().filter(c -> !wanted.contains(c))
                    .forEach(chain -> out.append("-X ").append(chain).append('\n'));
            for (String chain : wanted) {
                set.rules(table).stream().filter(r -> r.chain().equals(chain)).forEach(r -> out.append(r.render()).append('\n'));
            }
            set.rules(table).stream().filter(r -> !r.inOwnChain()).forEach(r -> out.append(r.render()).append('\n'));
            out.append("COMMIT\n");
        }
        return out.toString();
    }

    /** Removes everything of Tandem's that is installed: the exact inverse of an install. Empty when nothing is. */
    public static String remove(InstalledRules installed) {
        return replace(new RuleSet(Family.IPV4, List.of()), installed);
    }

    private static void declare(StringBuilder out, String chain) {
        out.append(':').append(chain).append(" - [0:0]\n");
    }
}
