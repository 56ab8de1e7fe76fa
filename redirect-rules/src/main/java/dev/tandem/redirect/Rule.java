package dev.tandem.redirect;

import java.util.List;

/** One rule appended to a chain of a table, exactly as iptables-restore reads it after {@code -A chain}. */
public record Rule(Table table, String chain, List<String> args) {

    public Rule {
        args = List.copyOf(args);
    }

    public static Rule of(Table table, String chain, String... args) {
        return new Rule(table, chain, List.of(args));
    }

    /** True when the rule sits in a chain Tandem owns rather than a built-in one. */
    public boolean inOwnChain() {
        return chain.startsWith(Chains.PREFIX);
    }

    public String render() {
        return "-A " + chain + " " + String.join(" ", args);
    }
}
