package dev.tandem.redirect;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The rules of one address family: chains Tandem creates, their rules, and the jumps into them from built-in chains. */
public record RuleSet(Family family, List<Rule> rules) {

    public RuleSet {
        rules = List.copyOf(rules);
    }

    public List<Table> tables() {
        return rules.stream().map(Rule::table).distinct().sorted().toList();
    }

    /** Tandem's chains in one table, in the order they are first mentioned. */
    public List<String> chains(Table table) {
        Set<String> chains = new LinkedHashSet<>();
        for (Rule rule : rules) {
            if (rule.table() == table && rule.inOwnChain()) {
                chains.add(rule.chain());
            }
        }
        return new ArrayList<>(chains);
    }

    public List<Rule> rules(Table table) {
        return rules.stream().filter(r -> r.table() == table).toList();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }
}
