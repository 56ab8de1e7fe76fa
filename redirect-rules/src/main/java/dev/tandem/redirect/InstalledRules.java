package dev.tandem.redirect;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tandem's part of what iptables-save reports: its chains, and the rules in built-in chains that jump into them,
 * kept verbatim so that they can be deleted exactly. Rules of other tools are not recorded and so never touched.
 */
public record InstalledRules(Map<Table, Set<String>> chains, Map<Table, List<String>> jumps) {

    public static InstalledRules parse(String iptablesSave) {
        Map<Table, Set<String>> chains = new EnumMap<>(Table.class);
        Map<Table, List<String>> jumps = new EnumMap<>(Table.class);
        Table table = null;
        for (String line : iptablesSave.split("\n")) {
            String l = line.strip();
            if (l.startsWith("*")) {
                table = tableNamed(l.substring(1));
            } else if (table == null) {
                continue;
            } else if (l.startsWith(":" + Chains.PREFIX)) {
                chains.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(l.substring(1, l.indexOf(' ')));
            } else if (l.startsWith("-A ") && !l.startsWith("-A " + Chains.PREFIX) && jumpsToOwnChain(l)) {
                jumps.computeIfAbsent(table, t -> new ArrayList<>()).add(l.substring(3));
            }
        }
        return new InstalledRules(chains, jumps);
    }

    public Set<String> chains(Table table) {
        return chains.getOrDefault(table, Set.of());
    }

    /** Jump rules as iptables-save wrote them, without the leading {@code -A}. */
    public List<String> jumps(Table table) {
        return jumps.getOrDefault(table, List.of());
    }

    public boolean isEmpty() {
        return chains.values().stream().allMatch(Set::isEmpty) && jumps.values().stream().allMatch(List::isEmpty);
    }

    public int ruleCount() {
        return jumps.values().stream().mapToInt(List::size).sum();
    }

    private static boolean jumpsToOwnChain(String rule) {
        String[] words = rule.split("\\s+");
        for (int i = 0; i < words.length - 1; i++) {
            if ((words[i].equals("-j") || words[i].equals("-g")) && words[i + 1].startsWith(Chains.PREFIX)) {
                return true;
            }
        }
        return false;
    }

    private static Table tableNamed(String name) {
        for (Table t : Table.values()) {
            if (t.id().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
